/**
 * The seeds' worked example (seed 000, "Learning a Language Model"): counting the
 * words after "cows eat" in eleven snippets gives the maximum-likelihood trigram
 * table corn 4/11, grass 3/11, hay 2/11, if 1/11, which 1/11; sampling by rolling
 * that weighted die converges to it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '../../src/tensor/random.js';
import { generate } from '../../src/lm/generate.js';
import { trainNgram } from '../../src/lm/ngram/index.js';

const snippets = [
  'the cows eat grass',
  'our cows eat hay daily',
  'factory-farm cows eat corn',
  'on an organic farm , cows eat hay and',
  'do your cows eat grass or corn ?',
  'what do cows eat if they have',
  'cows eat corn when there is no',
  'which cows eat which foods depends',
  'if cows eat grass',
  'when cows eat corn their stomachs',
  'should we let cows eat corn ?',
].join('\n');

const table: Record<string, number> = { corn: 4 / 11, grass: 3 / 11, hay: 2 / 11, if: 1 / 11, which: 1 / 11 };

test('"cows eat" MLE trigram table from the seed', () => {
  const m = trainNgram(snippets, { order: 3, smoothing: 'mle' }).model;
  const state = m.stateAfter(['cows', 'eat'].map((w) => m.vocab.id(w)), m.nullState());
  const lp = m.nextLogProbs(state);
  let total = 0;
  for (let w = 0; w < m.vocabSize; w++) {
    const p = Math.exp(lp[w]);
    total += p;
    const want = table[m.vocab.word(w)] ?? 0;
    assert.ok(Math.abs(p - want) < 1e-6, `p(${m.vocab.word(w)} | cows eat) = ${p}, seed says ${want}`);
  }
  assert.ok(Math.abs(total - 1) < 1e-6);
});

test('rolling the "cows eat" die: sample frequencies converge to the table (seeded)', () => {
  const m = trainNgram(snippets, { order: 3, smoothing: 'mle' }).model;
  const prompt = ['cows', 'eat'].map((w) => m.vocab.id(w));
  const generator = new Generator(1);
  const n = 20000;
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const out = generate(m, prompt, { maxTokens: 1, generator, state: m.nullState() });
    const w = m.vocab.word(out.tokens[0]);
    seen.set(w, (seen.get(w) ?? 0) + 1);
  }
  for (const [w, p] of Object.entries(table)) {
    const f = (seen.get(w) ?? 0) / n;
    // 4 standard deviations of a binomial proportion
    const tol = 4 * Math.sqrt((p * (1 - p)) / n);
    assert.ok(Math.abs(f - p) < tol, `${w}: frequency ${f}, expected ${p} ± ${tol}`);
  }
  assert.deepEqual([...seen.keys()].sort(), Object.keys(table).sort(), 'only words seen after "cows eat" are drawn');
});

test('the same seed gives the same sample; sampling stops at </s>', () => {
  const m = trainNgram(snippets, { order: 3, smoothing: 'kn', discountFallback: true }).model;
  const a = generate(m, [], { maxTokens: 50, generator: new Generator(42) });
  const b = generate(m, [], { maxTokens: 50, generator: new Generator(42) });
  assert.deepEqual(a.tokens, b.tokens);
  const c = generate(m, [], { maxTokens: 1000, generator: new Generator(3) });
  assert.equal(c.ended, true);
  assert.ok(!c.tokens.includes(m.endToken as number));
});
