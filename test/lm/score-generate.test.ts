/**
 * The generic scoring and sampling code (src/lm/score.ts, src/lm/generate.ts)
 * on a toy LanguageModel whose probabilities are known in closed form, so every
 * expected number below is computed by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LanguageModel } from '../../src/lm/model.js';
import { evaluatePerplexity, scoreContinuation, scoreSequence } from '../../src/lm/score.js';
import { generate, sampleFromLogProbs } from '../../src/lm/generate.js';
import { Generator } from '../../src/tensor/random.js';

/**
 * A bigram "model" over 4 tokens {0: <unk>, 1: a, 2: b, 3: </s>} with a fixed
 * table: after anything, p = [0.1, 0.4, 0.3, 0.2]; after a, p = [0.1, 0.1, 0.6, 0.2].
 * The state is the last token (or -1 at the start). No tokenLogProb fast path.
 */
const table = (prev: number): number[] => (prev === 1 ? [0.1, 0.1, 0.6, 0.2] : [0.1, 0.4, 0.3, 0.2]);
const toy: LanguageModel<number> = {
  vocabSize: 4,
  endToken: 3,
  initialState: () => -1,
  advance: (_state, token) => token,
  nextLogProbs: (state) => Float64Array.from(table(state), Math.log),
};

test('scoreSequence: per-token ln p, end token included, OOVs counted separately', () => {
  const s = scoreSequence(toy, [1, 2, 0], { unknownToken: 0 });
  // a (0.4) then b after a (0.6) then <unk> (0.1) then </s> (0.2)
  assert.deepEqual(s.tokens, [1, 2, 0, 3]);
  const want = [0.4, 0.6, 0.1, 0.2].map(Math.log);
  s.logProbs.forEach((x, i) => assert.ok(Math.abs(x - want[i]) < 1e-12));
  assert.ok(Math.abs(s.logProb - Math.log(0.4 * 0.6 * 0.1 * 0.2)) < 1e-12);
  assert.equal(s.oovs, 1);
  assert.ok(Math.abs(s.oovLogProb - Math.log(0.1)) < 1e-12);
  assert.equal(scoreSequence(toy, [1], { includeEnd: false }).tokens.length, 1);
});

test('perplexity and cross-entropy as KenLM query reports them', () => {
  const r = evaluatePerplexity(toy, [[1, 2], [0]], { unknownToken: 0 });
  // sentence 1: 0.4 · 0.6 · 0.2; sentence 2: 0.1 · 0.2; tokens = 3 + 2 = 5, OOVs = 1
  const lnTotal = Math.log(0.4 * 0.6 * 0.2 * 0.1 * 0.2);
  assert.equal(r.tokens, 5);
  assert.equal(r.oovs, 1);
  assert.ok(Math.abs(r.logProb - lnTotal) < 1e-12);
  assert.ok(Math.abs(r.log10Prob - lnTotal / Math.LN10) < 1e-12);
  assert.ok(Math.abs(r.perplexity - Math.exp(-lnTotal / 5)) < 1e-9);
  assert.ok(Math.abs(r.perplexityExcludingOovs - Math.exp(-(lnTotal - Math.log(0.1)) / 4)) < 1e-9);
  assert.ok(Math.abs(r.crossEntropyBits - -lnTotal / 5 / Math.LN2) < 1e-12);
});

test('scoreContinuation: ln p(continuation | prompt), no end token', () => {
  assert.ok(Math.abs(scoreContinuation(toy, [1], [2, 2]).logProb - Math.log(0.6 * 0.3)) < 1e-12);
});

test('sampling: greedy, top-k = 1, banned tokens, seeded frequencies', () => {
  const lp = Float64Array.from([0.1, 0.4, 0.3, 0.2], Math.log);
  const g = new Generator(5);
  assert.equal(sampleFromLogProbs(lp, { temperature: 0 }, g), 1);
  assert.equal(sampleFromLogProbs(lp, { topK: 1 }, g), 1);
  assert.equal(sampleFromLogProbs(lp, { temperature: 0, bannedTokens: [1] }, g), 2);
  // top-p 0.65: the most likely tokens 1 (0.4) and 2 (0.3) reach 0.7 ≥ 0.65 → only {1, 2}
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) counts[sampleFromLogProbs(lp, { topP: 0.65 }, g)]++;
  assert.equal(counts[0] + counts[3], 0);
  assert.ok(Math.abs(counts[1] / 4000 - 4 / 7) < 0.04);
  // temperature 0.5 squares the odds: weights ∝ p² = [0.01, 0.16, 0.09, 0.04] / 0.30
  const hot = [0, 0, 0, 0];
  const n = 20000;
  for (let i = 0; i < n; i++) hot[sampleFromLogProbs(lp, { temperature: 0.5 }, g)]++;
  [0.01, 0.16, 0.09, 0.04].forEach((w, i) => {
    const p = w / 0.3;
    assert.ok(Math.abs(hot[i] / n - p) < 4 * Math.sqrt((p * (1 - p)) / n), `token ${i}: ${hot[i] / n} vs ${p}`);
  });
  assert.throws(() => sampleFromLogProbs(lp, { topP: 0 }), /topP/);
  assert.throws(() => sampleFromLogProbs(Float64Array.from([-Infinity, -Infinity])), /no token/);
});

test('generate: prompt fed first, stops at the end token, respects maxTokens', () => {
  const r = generate(toy, [1], { maxTokens: 1000, generator: new Generator(9) });
  assert.equal(r.ended, true);
  assert.ok(!r.tokens.includes(3));
  const capped = generate(toy, [], { maxTokens: 3, generator: new Generator(9), bannedTokens: [3] });
  assert.equal(capped.tokens.length, 3);
  assert.equal(capped.ended, false);
  assert.equal(capped.state, capped.tokens[2]);
});
