/**
 * RNNLM.asLanguageModel(): the hidden state carried in immutable states.
 * The oracle is the model's own batch forward over the whole sequence, read
 * through an independent float64 log-softmax written here: feeding tokens one at
 * a time must give the same next-token distribution at every position, advanceMany
 * must equal repeated advance, states must not change when branched from, the
 * adapter must run without dropout whatever the mode (and restore the mode),
 * and scoring a sentence with START/STOP (seed 004) must equal the training loss
 * on the same pairs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, RNNLM, Tensor, generate, scoreSequence, type FloatDType, type RNNLMCell, type RNNLMState } from '../../src/index.js';

const CELLS: readonly RNNLMCell[] = ['lstm', 'gru', 'rnn'];
const row = (values: number[]): Tensor => new Tensor(Int32Array.from(values), [1, values.length]);

/** ln softmax of every position of (1, T, V) logits, in float64. */
function logSoftmaxRows(logits: Tensor): number[][] {
  const [, T, V] = logits.shape;
  return Array.from({ length: T }, (_, t) => {
    const x = Array.from(logits.data.subarray(t * V, (t + 1) * V));
    const max = Math.max(...x);
    const logZ = max + Math.log(x.reduce((s, v) => s + Math.exp(v - max), 0));
    return x.map((v) => v - logZ);
  });
}

function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${label}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** The model's batch forward in eval mode, mode restored: the reference distribution at every position. */
function referenceLogProbs(model: RNNLM, tokens: number[]): number[][] {
  const wasTraining = model.training;
  model.eval();
  try {
    return logSoftmaxRows(model.forward(row(tokens)).logits);
  } finally {
    model.train(wasTraining);
  }
}

const sequence = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8];

describe('RNNLanguageModel = the batch forward, one token at a time', () => {
  for (const cell of CELLS) {
    for (const dtype of ['float64', 'float32'] as FloatDType[]) {
      test(`${cell} (${dtype}): nextLogProbs after each token = log-softmax of forward at that position; no dropout, mode restored`, () => {
        // dropout > 0 and training mode: the adapter must switch dropout off by itself.
        const model = new RNNLM({ vocabSize: 10, cell, embeddingSize: 5, hiddenSize: 6, numLayers: 2, dropout: 0.4 }, { dtype, generator: new Generator(1) });
        const expected = referenceLogProbs(model, sequence);
        assert.equal(model.training, true);
        const lm = model.asLanguageModel();
        const tolerance = dtype === 'float64' ? 1e-12 : 1e-5;
        let state = lm.initialState();
        for (let t = 0; t < sequence.length; t++) {
          state = lm.advance(state, sequence[t]);
          assert.equal(state.length, t + 1);
          const logProbs = lm.nextLogProbs(state);
          assertAllClose(logProbs, expected[t], tolerance, `${cell} position ${t}`);
          assert.equal(lm.tokenLogProb(state, sequence[0]), logProbs[sequence[0]]);
        }
        assert.ok(model.modules().every((m) => m.training), 'every module back in training mode');
        model.eval();
        const evalState = lm.advance(lm.initialState(), 3);
        assert.ok(model.modules().every((m) => !m.training), 'eval mode left as it was');
        assertAllClose(lm.nextLogProbs(evalState), expected[0], tolerance, 'eval mode');
      });
    }

    test(`${cell}: advanceMany = repeated advance, in one piece or several`, () => {
      const model = new RNNLM({ vocabSize: 10, cell, embeddingSize: 4, hiddenSize: 5, numLayers: 2 }, { dtype: 'float64', generator: new Generator(2) });
      const lm = model.asLanguageModel();
      let stepwise = lm.initialState();
      for (const t of sequence) stepwise = lm.advance(stepwise, t);
      const whole = lm.advanceMany(lm.initialState(), sequence);
      const pieces = lm.advanceMany(lm.advanceMany(lm.initialState(), sequence.slice(0, 5)), sequence.slice(5));
      for (const [label, s] of [['whole', whole], ['pieces', pieces]] as const) {
        assert.equal(s.length, sequence.length);
        assertAllClose((s.recurrent as { h: Tensor }).h.data, (stepwise.recurrent as { h: Tensor }).h.data, 1e-12, `${label} h`);
        if (cell === 'lstm') assertAllClose(s.recurrent?.c?.data as ArrayLike<number>, stepwise.recurrent?.c?.data as ArrayLike<number>, 1e-12, `${label} c`);
        assertAllClose(lm.nextLogProbs(s), lm.nextLogProbs(stepwise), 1e-12, `${label} log-probs`);
      }
      assert.equal(lm.advanceMany(whole, []), whole, 'no tokens: the same state');
    });
  }
});

describe('states', () => {
  const model = new RNNLM({ vocabSize: 10, cell: 'lstm', embeddingSize: 4, hiddenSize: 5 }, { dtype: 'float64', generator: new Generator(3) });

  test('immutable: branching from a state leaves it as it was; each branch is its own context', () => {
    const lm = model.asLanguageModel();
    const prefix = lm.advanceMany(lm.initialState(), [1, 2, 3]);
    const before = lm.nextLogProbs(prefix);
    const h = Array.from(prefix.recurrent?.h.data ?? []), c = Array.from(prefix.recurrent?.c?.data ?? []);
    const a = lm.advance(prefix, 4);
    const b = lm.advance(lm.advance(prefix, 7), 8);
    assert.deepEqual(Array.from(prefix.recurrent?.h.data ?? []), h);
    assert.deepEqual(Array.from(prefix.recurrent?.c?.data ?? []), c);
    assert.deepEqual(lm.nextLogProbs(prefix), before);
    assertAllClose(lm.nextLogProbs(a), referenceLogProbs(model, [1, 2, 3, 4])[3], 1e-12, 'branch a');
    assertAllClose(lm.nextLogProbs(b), referenceLogProbs(model, [1, 2, 3, 7, 8])[4], 1e-12, 'branch b');
    // nextLogProbs hands out a copy: writing into it changes nothing.
    lm.nextLogProbs(prefix).fill(0);
    assert.deepEqual(lm.nextLogProbs(prefix), before);
    assert.ok(Math.abs(before.reduce((s, p) => s + Math.exp(p), 0) - 1) < 1e-12, 'a distribution');
  });

  test('a state keeps only the last position\'s output, not the prompt\'s', () => {
    const lm = model.asLanguageModel();
    const s: RNNLMState = lm.advanceMany(lm.initialState(), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(s.output?.shape, [5]);
    assert.equal(s.output?.data.length, 5);
    assert.deepEqual(s.recurrent?.h.shape, [1, 1, 5]);
    assert.ok(!s.output?.requiresGrad && !s.recurrent?.h.requiresGrad, 'no graph');
  });

  test('start token, empty context, and bad tokens', () => {
    const plain = model.asLanguageModel();
    assert.throws(() => plain.nextLogProbs(plain.initialState()), /context is empty.*asLanguageModel\(\{ startToken \}\)/s);
    const withStart = model.asLanguageModel({ startToken: 0, endToken: 9 });
    assert.equal(withStart.endToken, 9);
    assert.equal(withStart.initialState().length, 1);
    assertAllClose(withStart.nextLogProbs(withStart.advance(withStart.initialState(), 4)), referenceLogProbs(model, [0, 4])[1], 1e-12, 'after START');
    assert.throws(() => plain.advance(plain.initialState(), 10), /token 10 is outside the vocabulary 0…9/);
    assert.throws(() => plain.advanceMany(plain.initialState(), [1, 2.5]), /token 2\.5 is outside/);
    assert.throws(() => model.asLanguageModel({ startToken: 10 }), /startToken 10 is outside the vocabulary 0…9/);
    assert.throws(() => model.asLanguageModel({ endToken: -1 }), /endToken -1 is outside/);
  });
});

test('scoring START w1 … wn STOP = the training loss on seed 004\'s pairs (inputs START w…, targets w… STOP)', () => {
  const model = new RNNLM({ vocabSize: 10, cell: 'gru', embeddingSize: 4, hiddenSize: 6, numLayers: 2 }, { dtype: 'float64', generator: new Generator(4) });
  const START = 0, STOP = 9, words = [4, 2, 7, 7, 1];
  const lm = model.asLanguageModel({ startToken: START, endToken: STOP });
  const score = scoreSequence(lm, words);
  assert.deepEqual(score.tokens, [...words, STOP]);
  const { loss } = model.forward(row([START, ...words]), row([...words, STOP]));
  assert.ok(Math.abs(score.logProb + (words.length + 1) * (loss as Tensor).item()) < 1e-10, `${score.logProb} vs ${-(words.length + 1) * (loss as Tensor).item()}`);
});

test('greedy generation picks the argmax of the batch forward at each step', () => {
  const model = new RNNLM({ vocabSize: 10, cell: 'rnn', embeddingSize: 4, hiddenSize: 6 }, { dtype: 'float64', generator: new Generator(5) });
  const lm = model.asLanguageModel();
  const prompt = [2, 5];
  const { tokens } = generate(lm, prompt, { maxTokens: 6, temperature: 0 });
  assert.equal(tokens.length, 6);
  const context = [...prompt];
  for (const t of tokens) {
    const next = referenceLogProbs(model, context)[context.length - 1];
    assert.equal(t, next.indexOf(Math.max(...next)));
    context.push(t);
  }
});
