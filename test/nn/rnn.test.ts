/**
 * Recurrent layers beyond the PyTorch fixtures: seed 000's sigmoid Elman RNN
 * against a plain-array loop of its algorithm, the cells against the full
 * layers, unbatched and batch-first layouts, dropout between layers, and
 * truncated BPTT through detached states.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import { Generator, Tensor } from '../../src/index.js';
import { assertClose, TOLERANCE } from '../helpers/fixtures.js';

const dtype = 'float64' as const;
const randn = (shape: number[], seed: number): Tensor => lm.randn(shape, { dtype, generator: new Generator(seed) });

describe('recurrent layers', () => {
  test('seed 000\'s Elman RNN (σ = sigmoid): a_t = W_ah h_{t−1} + W_ax x_t + b_a, h_t = σ(a_t)', () => {
    const [T, inputSize, H] = [4, 3, 2];
    const rnn = new lm.RNN(inputSize, H, { nonlinearity: 'sigmoid', dtype, generator: new Generator(1) });
    const x = randn([T, 1, inputSize], 2);
    const { output, hN } = rnn.forward(x);
    const state = rnn.stateDict();
    const Wax = state.weight_ih_l0.data, Wah = state.weight_hh_l0.data;
    const ba = Array.from({ length: H }, (_, j) => state.bias_ih_l0.data[j] + state.bias_hh_l0.data[j]);
    let h = new Array<number>(H).fill(0); // "Initialize the hidden state h_0 to zeros"
    const expected: number[] = [];
    for (let t = 0; t < T; t++) {
      const a = ba.map((b, j) => {
        let s = b;
        for (let k = 0; k < H; k++) s += Wah[j * H + k] * h[k];
        for (let i = 0; i < inputSize; i++) s += Wax[j * inputSize + i] * x.data[t * inputSize + i];
        return s;
      });
      h = a.map((v) => 1 / (1 + Math.exp(-v)));
      expected.push(...h);
    }
    assertClose(output, new Tensor(Float64Array.from(expected), [T, 1, H]), TOLERANCE.float64, 'outputs');
    assertClose(hN, new Tensor(Float64Array.from(h), [1, 1, H]), TOLERANCE.float64, 'hN');
  });

  test('stepping the cells reproduces the one-layer RNN, LSTM and GRU', () => {
    const x = randn([5, 2, 3], 3);
    const steps = lm.split(x, 1, 0).map((t) => lm.squeeze(t, 0));
    const rename = (state: lm.StateDict): lm.StateDict => Object.fromEntries(Object.entries(state).map(([k, v]) => [k.replace('_l0', ''), v]));

    const rnn = new lm.RNN(3, 4, { dtype, generator: new Generator(4) });
    const rnnCell = new lm.RNNCell(3, 4, { dtype });
    rnnCell.loadStateDict(rename(rnn.stateDict()));
    let h: Tensor | null = null;
    const rnnOut: Tensor[] = [];
    for (const xt of steps) { h = rnnCell.forward(xt, h); rnnOut.push(h); }
    assertClose(lm.stack(rnnOut, 0), rnn.forward(x).output, TOLERANCE.float64, 'RNNCell');

    const lstm = new lm.LSTM(3, 4, { dtype, generator: new Generator(5) });
    const lstmCell = new lm.LSTMCell(3, 4, { dtype });
    lstmCell.loadStateDict(rename(lstm.stateDict()));
    let state: { h: Tensor; c: Tensor } | null = null;
    const lstmOut: Tensor[] = [];
    for (const xt of steps) { state = lstmCell.forward(xt, state?.h ?? null, state?.c ?? null); lstmOut.push(state.h); }
    const full = lstm.forward(x);
    assertClose(lm.stack(lstmOut, 0), full.output, TOLERANCE.float64, 'LSTMCell');
    assertClose(lm.unsqueeze((state as { c: Tensor }).c, 0), full.cN, TOLERANCE.float64, 'LSTMCell c');

    const gru = new lm.GRU(3, 4, { dtype, generator: new Generator(6) });
    const gruCell = new lm.GRUCell(3, 4, { dtype });
    gruCell.loadStateDict(rename(gru.stateDict()));
    h = null;
    const gruOut: Tensor[] = [];
    for (const xt of steps) { h = gruCell.forward(xt, h); gruOut.push(h); }
    assertClose(lm.stack(gruOut, 0), gru.forward(x).output, TOLERANCE.float64, 'GRUCell');
  });

  test('unbatched input equals a batch of one; batchFirst equals the transposed sequence-first run', () => {
    const lstm = new lm.LSTM(3, 2, { numLayers: 2, bidirectional: true, dtype, generator: new Generator(7) });
    const x = randn([4, 3], 8);
    const single = lstm.forward(x);
    const batched = lstm.forward(lm.unsqueeze(x, 1));
    assert.deepEqual(single.output.shape, [4, 4]);
    assert.deepEqual(single.hN.shape, [4, 2]);
    assertClose(single.output, lm.squeeze(batched.output, 1), TOLERANCE.float64, 'output');
    assertClose(single.cN, lm.squeeze(batched.cN, 1), TOLERANCE.float64, 'cN');

    const seqFirst = new lm.GRU(3, 2, { numLayers: 2, dtype, generator: new Generator(9) });
    const batchFirst = new lm.GRU(3, 2, { numLayers: 2, batchFirst: true, dtype });
    batchFirst.loadStateDict(seqFirst.stateDict());
    const xs = randn([5, 2, 3], 10);
    const a = seqFirst.forward(xs), b = batchFirst.forward(lm.transpose(xs, 0, 1));
    assertClose(b.output, lm.transpose(a.output, 0, 1), TOLERANCE.float64, 'batchFirst output');
    assertClose(b.hN, a.hN, TOLERANCE.float64, 'hN is (layers, B, H) either way');
  });

  test('dropout acts between layers in training only, never on the last layer\'s output', () => {
    const withDropout = new lm.LSTM(3, 4, { numLayers: 2, dropout: 0.5, dtype, generator: new Generator(11) });
    const without = new lm.LSTM(3, 4, { numLayers: 2, dtype });
    without.loadStateDict(withDropout.stateDict());
    const x = randn([4, 2, 3], 12);
    assert.notDeepEqual(withDropout.forward(x).output.toArray(), without.forward(x).output.toArray());
    withDropout.eval();
    assertClose(withDropout.forward(x).output, without.forward(x).output, TOLERANCE.float64, 'eval');
    // One layer: nothing to drop between layers.
    const oneLayer = new lm.GRU(3, 4, { dropout: 0.9, dtype, generator: new Generator(13) });
    assert.deepEqual(oneLayer.forward(x).output.toArray(), oneLayer.forward(x).output.toArray());
  });

  test('truncated BPTT: a detached state carries values but no gradient into the previous chunk', () => {
    const lstm = new lm.LSTM(2, 3, { dtype, generator: new Generator(14) });
    const x = randn([6, 1, 2], 15);
    const [first, second] = lm.split(x, 3, 0);
    const whole = lstm.forward(x);
    const a = lstm.forward(first);
    const b = lstm.forward(second, a.hN.detach(), a.cN.detach());
    assertClose(b.output, lm.slice(whole.output, 0, 3), TOLERANCE.float64, 'values continue across chunks');
    const firstLeaf = first.detach().requiresGrad_();
    const c = lstm.forward(firstLeaf);
    lm.sum(lstm.forward(second, c.hN.detach(), c.cN.detach()).output).backward();
    assert.equal(firstLeaf.grad, null);
  });
});
