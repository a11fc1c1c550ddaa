/**
 * The KV-cached LanguageModel view of a GPT against the plain, uncached
 * forward pass (the oracle): after every token, the cached next-token
 * log-probabilities must equal log_softmax of the full forward over the
 * context — cropped to its last blockSize tokens, as nanoGPT's generate() does
 * — including after branching (copy-on-write), across the crop, and for
 * prompts fed in one piece (prefill). In float64 the two paths agree to
 * rounding; in float32 to single precision.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GPT, Generator, Tensor, init, noGrad, type FloatDType, type GPTConfigInput, type GPTLanguageModel, type GPTState } from '../../src/index.js';

const CONFIG: GPTConfigInput = { vocabSize: 13, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8 };

/** A model with weights spread wider than the 0.02 init, so attention is far from uniform and every position matters. */
function randomModel(config: GPTConfigInput, dtype: FloatDType, seed = 1): GPT {
  const generator = new Generator(seed);
  const model = new GPT(config, { dtype, generator });
  for (const [name, p] of model.namedParameters()) {
    if (/ln_\d|ln_f/.test(name) && name.endsWith('weight')) { init.normal(p, 1, 0.2, { generator }); continue; }
    init.normal(p, 0, name.includes('wte') ? 0.8 : 0.4, { generator });
  }
  return model;
}

/** Oracle: log_softmax of the last position of a full forward over the last blockSize tokens (nanoGPT's crop). */
function referenceLogProbs(model: GPT, context: readonly number[]): Float64Array {
  const window = context.slice(-model.config.blockSize);
  const logits = noGrad(() => model.forward(new Tensor(Int32Array.from(window), [1, window.length])).logits);
  const V = model.config.vocabSize;
  const last = Array.from(logits.data.subarray((window.length - 1) * V, window.length * V));
  const max = Math.max(...last);
  const logZ = max + Math.log(last.reduce((s, x) => s + Math.exp(x - max), 0));
  return Float64Array.from(last, (x) => x - logZ);
}

function assertLogProbsClose(actual: Float64Array, expected: Float64Array, tolerance: number, label: string): void {
  assert.equal(actual.length, expected.length, label);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= tolerance, `${label}: max |cached − uncached| = ${worst} > ${tolerance}`);
}

const tokensOf = (n: number, seed: number, vocab = CONFIG.vocabSize): number[] => {
  const g = new Generator(seed);
  return Array.from({ length: n }, () => g.randint(0, vocab));
};

describe('GPT KV cache: cached == uncached at every position', () => {
  const variants: [string, GPTConfigInput][] = [
    ['pre-norm, learned positions', CONFIG],
    ['post-norm, sinusoidal, untied, no bias, tanh GELU', { ...CONFIG, norm: 'post', positions: 'sinusoidal', tieWeights: false, bias: false, activation: 'geluTanh' }],
  ];
  for (const [name, config] of variants) {
    for (const [dtype, tolerance] of [['float64', 1e-12], ['float32', 2e-5]] as const) {
      test(`${name}, ${dtype}: token by token through the blockSize crop`, () => {
        const model = randomModel(config, dtype);
        const lm = model.asLanguageModel();
        const tokens = tokensOf(21, 7); // 21 > 2·blockSize: many crops
        let state = lm.initialState();
        for (let i = 0; i < tokens.length; i++) {
          state = lm.advance(state, tokens[i]);
          assert.equal(state.length, Math.min(i + 1, model.config.blockSize));
          assert.deepEqual(Array.from(state.tokens), tokens.slice(0, i + 1).slice(-model.config.blockSize));
          assertLogProbsClose(lm.nextLogProbs(state), referenceLogProbs(model, tokens.slice(0, i + 1)), tolerance, `after ${i + 1} tokens`);
        }
      });
    }
  }

  test('linear generation appends in place: one shared cache, filled grows by one per token', () => {
    const model = randomModel(CONFIG, 'float64');
    const lm = model.asLanguageModel();
    let state = lm.advance(lm.initialState(), 3);
    const cache = state.cache;
    for (let i = 0; i < 6; i++) {
      state = lm.advance(state, i);
      assert.equal(state.cache, cache, 'no copy while the state is the cache\'s longest user');
      assert.equal(cache?.filled, i + 2);
    }
  });

  test('branching: advance never mutates its input; a second branch copies the prefix (copy-on-write)', () => {
    const model = randomModel(CONFIG, 'float64');
    const lm = model.asLanguageModel();
    const prefix = [4, 1, 9, 2, 11];
    const root = lm.advanceMany(lm.initialState(), prefix);
    const rootLogProbs = lm.nextLogProbs(root);
    const a = lm.advance(root, 3); // appends in place
    const b = lm.advance(root, 7); // root's cache already holds token 3 at row 5: copy
    const a2 = lm.advance(root, 3); // same token again, still a fresh branch
    assert.equal(a.cache, root.cache);
    assert.notEqual(b.cache, root.cache);
    assert.notEqual(a2.cache, root.cache);
    assert.equal(root.length, 5, 'root unchanged');
    assert.deepEqual(Array.from(root.tokens), prefix);
    assert.deepEqual(lm.nextLogProbs(root), rootLogProbs);
    // Grow every branch further, interleaved, across the crop.
    let [sa, sb, sa2] = [a, b, a2];
    const more = tokensOf(6, 3);
    for (const t of more) {
      sa = lm.advance(sa, t);
      sb = lm.advance(sb, (t + 1) % CONFIG.vocabSize);
      sa2 = lm.advance(sa2, t);
    }
    const ctxA = [...prefix, 3, ...more], ctxB = [...prefix, 7, ...more.map((t) => (t + 1) % CONFIG.vocabSize)];
    assertLogProbsClose(lm.nextLogProbs(sa), referenceLogProbs(model, ctxA), 1e-12, 'branch a');
    assertLogProbsClose(lm.nextLogProbs(sb), referenceLogProbs(model, ctxB), 1e-12, 'branch b');
    assertLogProbsClose(lm.nextLogProbs(sa2), lm.nextLogProbs(sa), 1e-13, 'branch a again');
    // Old states stay valid after their cache was extended by others.
    assertLogProbsClose(lm.nextLogProbs(a), referenceLogProbs(model, [...prefix, 3]), 1e-12, 'state a after its cache grew');
    assertLogProbsClose(lm.nextLogProbs(b), referenceLogProbs(model, [...prefix, 7]), 1e-12, 'state b');
  });

  test('advanceMany (prefill) equals token-by-token advance, within the block and across the crop', () => {
    const model = randomModel(CONFIG, 'float64');
    const lm = model.asLanguageModel();
    for (const [start, prompt] of [[[], tokensOf(6, 11)], [[5, 6], tokensOf(4, 12)], [[], tokensOf(13, 13)], [tokensOf(7, 14), tokensOf(3, 15)]] as const) {
      const base = lm.advanceMany(lm.initialState(), start);
      const once = lm.advanceMany(base, prompt);
      let stepwise = base;
      for (const t of prompt) stepwise = lm.advance(stepwise, t);
      assert.deepEqual(Array.from(once.tokens), Array.from(stepwise.tokens));
      assertLogProbsClose(lm.nextLogProbs(once), lm.nextLogProbs(stepwise), 1e-12, `prefill of ${prompt.length} after ${start.length}`);
      assertLogProbsClose(lm.nextLogProbs(once), referenceLogProbs(model, [...start, ...prompt]), 1e-12, 'prefill vs uncached');
    }
    const s = lm.advance(lm.initialState(), 1);
    assert.equal(lm.advanceMany(s, []), s, 'no tokens: same state');
  });

  test('training mode and dropout do not leak into the cached path, and the mode is restored', () => {
    const model = randomModel({ ...CONFIG, dropout: 0.5 }, 'float64');
    model.train();
    const lm = model.asLanguageModel();
    const tokens = tokensOf(5, 21);
    const state = lm.advanceMany(lm.initialState(), tokens);
    assert.equal(model.training, true);
    assert.ok(model.modules().every((m) => m.training), 'every module back in training mode');
    model.eval();
    assertLogProbsClose(lm.nextLogProbs(state), referenceLogProbs(model, tokens), 1e-12, 'dropout-free');
  });

  test('tokenLogProb and nextLogProbs agree; log-probabilities sum to one; copies are returned', () => {
    const model = randomModel(CONFIG, 'float32');
    const lm: GPTLanguageModel = model.asLanguageModel();
    const state: GPTState = lm.advanceMany(lm.initialState(), [1, 2, 3]);
    const lp = lm.nextLogProbs(state);
    assert.ok(Math.abs(lp.reduce((s, x) => s + Math.exp(x), 0) - 1) < 1e-12);
    for (let t = 0; t < lp.length; t++) assert.equal(lm.tokenLogProb(state, t), lp[t]);
    lp.fill(0);
    assert.notEqual(lm.nextLogProbs(state)[0], 0, 'mutating the returned array does not touch the state');
  });

  test('empty context, start and end tokens, bad tokens', () => {
    const model = randomModel(CONFIG, 'float32');
    const plain = model.asLanguageModel();
    assert.throws(() => plain.nextLogProbs(plain.initialState()), /context is empty.*startToken/s);
    const withStart = model.asLanguageModel({ startToken: 12, endToken: 0 });
    assert.equal(withStart.endToken, 0);
    assert.deepEqual(Array.from(withStart.initialState().tokens), [12]);
    assertLogProbsClose(withStart.nextLogProbs(withStart.advance(withStart.initialState(), 4)), referenceLogProbs(model, [12, 4]), 2e-5, 'start token');
    assert.throws(() => plain.advance(plain.initialState(), 13), /token 13 is outside the vocabulary 0…12/);
    assert.throws(() => plain.advance(plain.initialState(), 1.5), /token 1.5 is outside/);
    assert.throws(() => model.asLanguageModel({ startToken: 99 }), /startToken 99 is outside the vocabulary/);
  });

  test('forwardCached checks its cache and its length', () => {
    const model = randomModel(CONFIG, 'float32');
    const other = randomModel({ ...CONFIG, nLayer: 1 }, 'float32');
    assert.throws(() => model.forwardCached(other.newCache(), [1]), /cache was made for another model/);
    assert.throws(() => model.forwardCached(randomModel(CONFIG, 'float64').newCache(), [1]), /cache was made for another model shape or dtype/);
    const fresh = randomModel(CONFIG, 'float32');
    const cache = fresh.newCache();
    fresh.forwardCached(cache, [1, 2, 3, 4, 5, 6]);
    assert.throws(() => fresh.forwardCached(cache, [1, 2, 3]), /6 cached \+ 3 new positions exceed blockSize 8/);
    assert.throws(() => fresh.forwardCached(cache, [13]), /token id 13 at \[0, 0\] is outside the vocabulary/);
    assert.equal(cache.filled, 6, 'a rejected call leaves the cache as it was');
  });
});
