/**
 * Beam search (src/lm/beam-search.ts) against an exhaustive-search oracle on
 * tiny vocabularies: with a beam wide enough to hold every hypothesis, beam search
 * is exhaustive and must return the true best (length-normalized) hypotheses;
 * width 1 with α = 0 is greedy decoding; exact early stopping changes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '../../src/tensor/random.js';
import { beamSearch, lengthNormalizer } from '../../src/lm/beam-search.js';
import { generate } from '../../src/lm/generate.js';
import type { LanguageModel } from '../../src/lm/model.js';

/**
 * A model whose next-token distribution is a random function of the whole
 * context (a tree of dice), memoized; token V−1 is the end token.
 */
function randomTree(V: number, seed: number): LanguageModel<readonly number[]> {
  const memo = new Map<string, Float64Array>();
  return {
    vocabSize: V,
    endToken: V - 1,
    initialState: () => [],
    advance: (state, token) => [...state, token],
    nextLogProbs: (state) => {
      const key = state.join(',');
      let lp = memo.get(key);
      if (lp === undefined) {
        let h = seed;
        for (const t of state) h = (Math.imul(h, 31) + t + 7) | 0;
        const g = new Generator(h);
        const w = Array.from({ length: V }, () => g.random() + 0.05);
        const z = w.reduce((a, b) => a + b);
        lp = Float64Array.from(w, (x) => Math.log(x / z));
        memo.set(key, lp);
      }
      return lp;
    },
  };
}

interface Hyp {
  tokens: number[];
  logProb: number;
  length: number;
  score: number;
  finished: boolean;
}

/** Every hypothesis of at most maxTokens new tokens, scored, best first (ties: tokens lexicographically). */
function exhaustive<S>(model: LanguageModel<S>, prompt: number[], maxTokens: number, alpha: number): Hyp[] {
  const out: Hyp[] = [];
  const end = model.endToken as number;
  const visit = (state: S, tokens: number[], logProb: number): void => {
    if (tokens.length === maxTokens) {
      out.push({ tokens, logProb, length: tokens.length, score: logProb / Math.max(1, tokens.length) ** alpha, finished: false });
      return;
    }
    const lp = model.nextLogProbs(state);
    for (let t = 0; t < model.vocabSize; t++) {
      if (t === end) {
        const length = tokens.length + 1;
        out.push({ tokens, logProb: logProb + lp[t], length, score: (logProb + lp[t]) / length ** alpha, finished: true });
      } else {
        visit(model.advance(state, t), [...tokens, t], logProb + lp[t]);
      }
    }
  };
  let state = model.initialState();
  for (const t of prompt) state = model.advance(state, t);
  visit(state, [], 0);
  const lex = (a: number[], b: number[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  };
  return out.sort((a, b) => b.score - a.score || lex(a.tokens, b.tokens));
}

test('a beam as wide as the search space finds the exhaustive optimum (several α, numReturn)', () => {
  for (const [V, maxTokens] of [[3, 4], [4, 3], [4, 4]] as const) {
    const width = V ** maxTokens;
    for (let seed = 1; seed <= 4; seed++) {
      const model = randomTree(V, seed * 101 + V);
      for (const alpha of [0, 0.6, 1, 2, -0.5]) {
        const want = exhaustive(model, [seed % V === V - 1 ? 0 : seed % V], maxTokens, alpha);
        const numReturn = 5;
        const got = beamSearch(model, [seed % V === V - 1 ? 0 : seed % V], { beamWidth: width, maxTokens, lengthPenalty: alpha, numReturn });
        assert.equal(got.length, numReturn);
        got.forEach((h, i) => {
          const label = `V ${V}, maxTokens ${maxTokens}, seed ${seed}, α ${alpha}, #${i}`;
          assert.deepEqual(h.tokens, want[i].tokens, label);
          assert.equal(h.finished, want[i].finished, label);
          assert.equal(h.length, want[i].length, label);
          assert.ok(Math.abs(h.logProb - want[i].logProb) < 1e-12, label);
          assert.ok(Math.abs(h.score - want[i].score) < 1e-12, label);
          assert.deepEqual(h.state, [seed % V === V - 1 ? 0 : seed % V, ...h.tokens], `${label}: state after the prompt and the tokens`);
        });
      }
    }
  }
});

test('width 1 with α = 0 is greedy decoding', () => {
  for (let seed = 0; seed < 40; seed++) {
    const V = 3 + (seed % 4);
    const model = randomTree(V, seed);
    const greedy = generate(model, [], { maxTokens: 8, temperature: 0 });
    const [beam] = beamSearch(model, [], { beamWidth: 1, maxTokens: 8, lengthPenalty: 0 });
    assert.deepEqual(beam.tokens, greedy.tokens, `seed ${seed}`);
    assert.equal(beam.finished, greedy.ended, `seed ${seed}`);
    const total = greedy.logProbs.reduce((a, b) => a + b, 0) + (greedy.ended ? model.nextLogProbs(greedy.state)[V - 1] : 0);
    assert.ok(Math.abs(beam.logProb - total) < 1e-12);
  }
});

test('exact early stopping returns what searching to maxTokens returns', () => {
  for (let seed = 0; seed < 30; seed++) {
    const model = randomTree(4 + (seed % 3), 1000 + seed);
    for (const alpha of [0, 0.5, 1, 2, -1]) {
      const beamWidth = 1 + (seed % 4);
      const options = { beamWidth, maxTokens: 6, lengthPenalty: alpha, numReturn: 1 + (seed % beamWidth) };
      const early = beamSearch(model, [0], options);
      const full = beamSearch(model, [0], { ...options, earlyStopping: false });
      assert.deepEqual(early.map((h) => h.tokens), full.map((h) => h.tokens), `seed ${seed}, α ${alpha}`);
    }
  }
});

test('length normalization by hand: α = 0 prefers the short answer, α = 1 the better mean', () => {
  // Tokens {0: a, 1: b, 2: end}. At the start p = [0.45, 0.05, 0.5]; after a: [0.2, 0.2, 0.6]; else [0.3, 0.3, 0.4].
  const model: LanguageModel<number> = {
    vocabSize: 3,
    endToken: 2,
    initialState: () => -1,
    advance: (_s, t) => t,
    nextLogProbs: (s) => Float64Array.from(s === -1 ? [0.45, 0.05, 0.5] : s === 0 ? [0.2, 0.2, 0.6] : [0.3, 0.3, 0.4], Math.log),
  };
  // α = 0: [end] has ln 0.5 = −0.693 > [a, end] ln 0.27 = −1.309.
  const raw = beamSearch(model, [], { beamWidth: 2, maxTokens: 3, lengthPenalty: 0, numReturn: 2 });
  assert.deepEqual(raw.map((h) => h.tokens), [[], [0]]);
  assert.ok(Math.abs(raw[0].logProb - Math.log(0.5)) < 1e-12);
  assert.equal(raw[0].length, 1);
  // α = 1: −0.693 / 1 < −1.309 / 2 = −0.655.
  const [mean] = beamSearch(model, [], { beamWidth: 2, maxTokens: 3, lengthPenalty: 1 });
  assert.deepEqual(mean.tokens, [0]);
  assert.equal(mean.finished, true);
  assert.ok(Math.abs(mean.score - Math.log(0.27) / 2) < 1e-12);
  assert.equal(lengthNormalizer(0, 1), 1);
  assert.equal(lengthNormalizer(4, 0.5), 2);
});

test('ties break by token id; banned tokens; no end token; errors', () => {
  const uniform: LanguageModel<number> = { vocabSize: 3, initialState: () => 0, advance: (s) => s + 1, nextLogProbs: () => new Float64Array(3).fill(-Math.log(3)) };
  const hyps = beamSearch(uniform, [], { beamWidth: 3, maxTokens: 3, numReturn: 3 });
  assert.deepEqual(hyps.map((h) => h.tokens), [[0, 0, 0], [0, 0, 1], [0, 0, 2]]);
  assert.ok(hyps.every((h) => !h.finished && h.state === 3));
  const banned = beamSearch(uniform, [], { beamWidth: 2, maxTokens: 2, numReturn: 2, bannedTokens: [0] });
  assert.deepEqual(banned.map((h) => h.tokens), [[1, 1], [1, 2]]);
  assert.deepEqual(beamSearch(uniform, [], { beamWidth: 2, maxTokens: 0 }).map((h) => h.tokens), [[]]);
  assert.throws(() => beamSearch(uniform, [], { beamWidth: 2, maxTokens: 3, numReturn: 3 }), /numReturn must be an integer in \[1, beamWidth = 2\]/);
  assert.throws(() => beamSearch(uniform, [], { beamWidth: 0, maxTokens: 3 }), /beamWidth/);
  assert.throws(() => beamSearch(uniform, [], { beamWidth: 1, maxTokens: 3, bannedTokens: [5] }), /banned token 5/);
});
