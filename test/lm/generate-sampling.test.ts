/**
 * Shaping the weighted die (src/lm/sampling.ts, src/lm/top-k.ts): partial
 * selection against a full sort, top-k / top-p against a sort-based reference
 * written out here, and the penalties against hand-computed distributions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '../../src/tensor/random.js';
import { selectTopK } from '../../src/lm/top-k.js';
import { TokenHistory, TokenSampler, sampleFromLogProbs, type SamplingOptions } from '../../src/lm/sampling.js';
import { generate } from '../../src/lm/generate.js';
import type { LanguageModel } from '../../src/lm/model.js';

/** Random log-probabilities; drawn from a few levels when `ties` so equal values occur, some −∞. */
function randomLogProbs(g: Generator, V: number, ties: boolean): Float64Array {
  const out = new Float64Array(V);
  for (let i = 0; i < V; i++) {
    out[i] = ties ? -g.randint(0, 6) * 0.5 : g.normal(0, 2);
    if (g.random() < 0.05) out[i] = Number.NEGATIVE_INFINITY;
  }
  return out;
}

const byRank = (v: ArrayLike<number>) => (a: number, b: number): number => v[b] - v[a] || a - b;

test('selectTopK returns exactly the prefix of a full sort (ties by id, −∞ skipped)', () => {
  const g = new Generator(11);
  for (let trial = 0; trial < 200; trial++) {
    const V = g.randint(1, 300);
    const v = randomLogProbs(g, V, trial % 2 === 0);
    const sorted = Array.from({ length: V }, (_, i) => i).filter((i) => v[i] > -Infinity).sort(byRank(v));
    const k = g.randint(0, V + 3);
    assert.deepEqual(Array.from(selectTopK(v, k)), sorted.slice(0, k), `trial ${trial}, V ${V}, k ${k}`);
  }
});

/** The definition, by full sort: temperature, then top-k, then top-p over the top-k survivors. */
function referenceProbabilities(logProbs: Float64Array, o: SamplingOptions): Float64Array {
  const V = logProbs.length;
  const s = Float64Array.from(logProbs);
  for (const t of o.bannedTokens ?? []) s[t] = -Infinity;
  let max = -Infinity;
  let best = -1;
  for (let i = 0; i < V; i++) if (s[i] > max) [max, best] = [s[i], i];
  const T = o.temperature ?? 1;
  const w = new Float64Array(V);
  if (T === 0) {
    w[best] = 1;
    return w;
  }
  for (let i = 0; i < V; i++) w[i] = Math.exp((s[i] - max) / T);
  const order = Array.from({ length: V }, (_, i) => i).sort(byRank(w));
  const k = o.topK && o.topK < V ? o.topK : V;
  for (let j = k; j < V; j++) w[order[j]] = 0;
  const p = o.topP ?? 1;
  if (p < 1) {
    let total = 0;
    for (let i = 0; i < V; i++) total += w[i];
    let acc = 0;
    for (let j = 0; j < k; j++) {
      acc += w[order[j]];
      if (acc >= p * total) {
        for (let r = j + 1; r < V; r++) w[order[r]] = 0;
        break;
      }
    }
  }
  let total = 0;
  for (let i = 0; i < V; i++) total += w[i];
  return w.map((x) => x / total);
}

test('top-k / top-p by partial selection equal the sort-based definition on random inputs', () => {
  const g = new Generator(3);
  for (let trial = 0; trial < 300; trial++) {
    const V = g.randint(2, trial < 290 ? 400 : 5000);
    const lp = randomLogProbs(g, V, trial % 3 === 0);
    const options: SamplingOptions = {
      temperature: [1, 0.7, 2, 0][g.randint(0, 4)],
      topK: [0, 1, 5, 40, V - 1, V + 10][g.randint(0, 6)],
      topP: [1, 0.9, 0.5, 0.05, 0.999][g.randint(0, 5)],
      bannedTokens: g.random() < 0.3 ? [g.randint(0, V)] : [],
    };
    const want = referenceProbabilities(lp, options);
    const sampler = new TokenSampler(V, options);
    const got = sampler.probabilities(lp);
    for (let i = 0; i < V; i++) {
      assert.equal(got[i] > 0, want[i] > 0, `trial ${trial} (${JSON.stringify(options)}): token ${i} kept ${got[i] > 0}, reference ${want[i] > 0}`);
      assert.ok(Math.abs(got[i] - want[i]) <= 1e-12, `trial ${trial}: p[${i}] ${got[i]} vs ${want[i]}`);
    }
    // A draw uses one uniform number against the same weights in id order.
    const a = new Generator(trial);
    const b = new Generator(trial);
    assert.equal(sampler.sample(lp, a), options.temperature === 0 ? want.indexOf(1) : b.categorical(want));
  }
});

test('a 50k vocabulary with top-k 50 and top-p 0.9 keeps the right set', () => {
  const g = new Generator(8);
  const V = 50257;
  const lp = randomLogProbs(g, V, false);
  for (const options of [{ topK: 50 }, { topP: 0.9 }, { topK: 50, topP: 0.5 }]) {
    const got = new TokenSampler(V, options).probabilities(lp);
    const want = referenceProbabilities(lp, options);
    for (let i = 0; i < V; i++) assert.equal(got[i] > 0, want[i] > 0);
  }
});

test('repetition penalty (CTRL / HF rule on log-probabilities): p ← p^θ for tokens in the context', () => {
  // p = [0.5, 0.25, 0.25]; token 0 is in the context.
  const lp = Float64Array.from([0.5, 0.25, 0.25], Math.log);
  const history = new TokenHistory(3);
  history.add(0);
  // θ = 2: weights [0.25, 0.25, 0.25] → uniform
  const p2 = new TokenSampler(3, { repetitionPenalty: 2 }).probabilities(lp, { history });
  p2.forEach((x) => assert.ok(Math.abs(x - 1 / 3) < 1e-12));
  // θ = 0.5 (encourage): weights [√0.5, 0.25, 0.25]
  const w = [Math.SQRT1_2, 0.25, 0.25];
  const z = w[0] + w[1] + w[2];
  const pHalf = new TokenSampler(3, { repetitionPenalty: 0.5 }).probabilities(lp, { history });
  pHalf.forEach((x, i) => assert.ok(Math.abs(x - w[i] / z) < 1e-12));
  // No history: no penalty.
  const none = new TokenSampler(3, { repetitionPenalty: 2 }).probabilities(lp);
  none.forEach((x, i) => assert.ok(Math.abs(x - [0.5, 0.25, 0.25][i]) < 1e-12));
  // Positive scores (unnormalized input) are divided by θ, as HF does for positive logits: [2, 0] → [1, 0].
  const h1 = new TokenHistory(2);
  h1.add(0);
  const pos = new TokenSampler(2, { repetitionPenalty: 2 }).probabilities([2, 0], { history: h1 });
  assert.ok(Math.abs(pos[0] - Math.E / (Math.E + 1)) < 1e-12);
});

test('frequency and presence penalties subtract nats per occurrence / once', () => {
  const lp = Float64Array.from([0.5, 0.25, 0.25], Math.log);
  const history = new TokenHistory(3);
  history.addAll([1, 1, 2]);
  // frequency ln 2: token 1 (twice) weighs 0.25/4, token 2 (once) 0.25/2
  const f = new TokenSampler(3, { frequencyPenalty: Math.LN2 }).probabilities(lp, { history });
  const wf = [0.5, 0.0625, 0.125];
  const zf = wf.reduce((a, b) => a + b);
  f.forEach((x, i) => assert.ok(Math.abs(x - wf[i] / zf) < 1e-12));
  // presence ln 2: both seen tokens halve once
  const p = new TokenSampler(3, { presencePenalty: Math.LN2 }).probabilities(lp, { history });
  const wp = [0.5, 0.125, 0.125];
  const zp = wp.reduce((a, b) => a + b);
  p.forEach((x, i) => assert.ok(Math.abs(x - wp[i] / zp) < 1e-12));
  assert.equal(history.counts[1], 2);
  assert.deepEqual(history.distinctTokens(), [1, 2]);
});

/** A context-free model: p = [0.4, 0.35, 0.25] after anything; no end token. */
const flat: LanguageModel<null> = {
  vocabSize: 3,
  initialState: () => null,
  advance: () => null,
  nextLogProbs: () => Float64Array.from([0.4, 0.35, 0.25], Math.log),
};

test('greedy generation with a repetition penalty walks through the vocabulary', () => {
  assert.deepEqual(generate(flat, [], { maxTokens: 5, temperature: 0 }).tokens, [0, 0, 0, 0, 0]);
  // θ = 2: 0 (0.4); then 0 weighs 0.16 < 0.35 → 1; then 1 weighs 0.1225 < 0.25 → 2;
  // then all penalized: 0.16, 0.1225, 0.0625 → 0, and the penalty does not compound → 0.
  assert.deepEqual(generate(flat, [], { maxTokens: 5, temperature: 0, repetitionPenalty: 2 }).tokens, [0, 1, 2, 0, 0]);
  // The prompt counts by default (HF) …
  assert.deepEqual(generate(flat, [0], { maxTokens: 2, temperature: 0, repetitionPenalty: 2 }).tokens, [1, 2]);
  // … unless penalizePrompt is false.
  assert.deepEqual(generate(flat, [0], { maxTokens: 2, temperature: 0, repetitionPenalty: 2, penalizePrompt: false }).tokens, [0, 1]);
});

test('minTokens suppresses the end token until enough tokens are out', () => {
  // The end token 0 is the most likely everywhere.
  const model: LanguageModel<null> = { ...flat, endToken: 0 };
  assert.deepEqual(generate(model, [], { maxTokens: 5, temperature: 0 }).tokens, []);
  const r = generate(model, [], { maxTokens: 5, temperature: 0, minTokens: 2 });
  assert.deepEqual(r.tokens, [1, 1]);
  assert.equal(r.finishReason, 'end');
});

test('sampling options are checked with clear errors', () => {
  assert.throws(() => new TokenSampler(3, { repetitionPenalty: 0 }), /repetitionPenalty must be a finite number > 0/);
  assert.throws(() => new TokenSampler(3, { bannedTokens: [3] }), /banned token 3 is out of range for a vocabulary of 3/);
  assert.throws(() => new TokenSampler(3, { topK: 1.5 }), /topK/);
  assert.throws(() => new TokenSampler(3, { temperature: -1 }), /temperature/);
  assert.throws(() => new TokenSampler(3).sample([0, 0]), /expected 3 log-probabilities/);
  assert.throws(() => new TokenHistory(3).add(7), /token 7 is out of range/);
  assert.throws(() => sampleFromLogProbs([Infinity, 0]), /\+Infinity/);
  assert.throws(() => generate(flat, [], { maxTokens: -1 }), /maxTokens must be an integer ≥ 0/);
});
