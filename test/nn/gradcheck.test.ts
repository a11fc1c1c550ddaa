/**
 * gradcheck on small float64 instances of every module: reverse mode and
 * forward mode each against central finite differences, plus the adjoint
 * identity ⟨vjp(u), v⟩ = ⟨u, jvp(v)⟩ (src/autograd/gradcheck.ts). The inputs
 * and every parameter are differentiated at once: parameters are swapped in
 * with functionalCall, so the module code runs unchanged.
 */
import { describe, test } from 'node:test';
import * as lm from '../../src/index.js';
import { Generator, Tensor } from '../../src/index.js';
import { checkModule } from '../helpers/module-gradcheck.js';

const dtype = 'float64' as const;

const randn = (shape: number[], seed: number, scale = 1): Tensor => lm.mul(lm.randn(shape, { dtype, generator: new Generator(seed) }), scale);

describe('gradcheck: every module, both modes', () => {
  test('Linear', () => {
    const m = new lm.Linear(3, 2, { dtype, generator: new Generator(1) });
    checkModule(m, [randn([2, 3], 2)], (x) => m.forward(x));
  });

  test('Conv1d (padding, stride, dilation)', () => {
    const same = new lm.Conv1d(2, 2, 3, { padding: 'same', dilation: 2, dtype, generator: new Generator(3) });
    checkModule(same, [randn([1, 2, 5], 4)], (x) => same.forward(x));
    const strided = new lm.Conv1d(2, 3, 2, { stride: 2, padding: 1, dtype, generator: new Generator(5) });
    checkModule(strided, [randn([2, 2, 4], 6)], (x) => strided.forward(x));
  });

  test('LayerNorm', () => {
    const m = new lm.LayerNorm(4, { dtype });
    lm.init.normal(m.weight as Tensor, 1, 0.3, { generator: new Generator(7) });
    lm.init.normal(m.bias as Tensor, 0, 0.3, { generator: new Generator(8) });
    checkModule(m, [randn([2, 4], 9, 2)], (x) => m.forward(x));
  });

  test('Embedding (the table; ids are not differentiable)', () => {
    const m = new lm.Embedding(4, 2, { dtype, generator: new Generator(10) });
    const ids = lm.tensor([[0, 3, 3], [1, 2, 0]], { dtype: 'int32' });
    checkModule(m, [ids], (i) => m.forward(i));
  });

  for (const nonlinearity of ['tanh', 'relu', 'sigmoid'] as const) {
    test(`RNN (${nonlinearity}, 2 layers, bidirectional, h0)`, () => {
      const m = new lm.RNN(2, 2, { nonlinearity, numLayers: 2, bidirectional: true, dtype, generator: new Generator(11) });
      checkModule(m, [randn([3, 1, 2], 12), randn([4, 1, 2], 13, 0.5)], (x, h0) => { const r = m.forward(x, h0); return [r.output, r.hN]; });
    });
  }

  test('LSTM (2 layers, bidirectional, batchFirst, h0 and c0)', () => {
    const m = new lm.LSTM(2, 2, { numLayers: 2, bidirectional: true, batchFirst: true, dtype, generator: new Generator(14) });
    checkModule(m, [randn([1, 3, 2], 15), randn([4, 1, 2], 16, 0.5), randn([4, 1, 2], 17, 0.5)], (x, h0, c0) => {
      const r = m.forward(x, h0, c0);
      return [r.output, r.hN, r.cN];
    });
  });

  test('GRU (2 layers, bidirectional, h0)', () => {
    const m = new lm.GRU(2, 2, { numLayers: 2, bidirectional: true, dtype, generator: new Generator(18) });
    checkModule(m, [randn([3, 1, 2], 19), randn([4, 1, 2], 20, 0.5)], (x, h0) => { const r = m.forward(x, h0); return [r.output, r.hN]; });
  });

  test('GRU from the zero state (no h0)', () => {
    const m = new lm.GRU(2, 2, { dtype, generator: new Generator(21) });
    checkModule(m, [randn([3, 2, 2], 22)], (x) => m.forward(x).output);
  });

  test('RNNCell, LSTMCell, GRUCell', () => {
    const rnn = new lm.RNNCell(2, 3, { dtype, generator: new Generator(23) });
    checkModule(rnn, [randn([2, 2], 24), randn([2, 3], 25)], (x, h) => rnn.forward(x, h));
    const lstm = new lm.LSTMCell(2, 2, { dtype, generator: new Generator(26) });
    checkModule(lstm, [randn([2, 2], 27), randn([2, 2], 28), randn([2, 2], 29)], (x, h, c) => { const r = lstm.forward(x, h, c); return [r.h, r.c]; });
    const gru = new lm.GRUCell(2, 2, { dtype, generator: new Generator(30) });
    checkModule(gru, [randn([2, 2], 31), randn([2, 2], 32)], (x, h) => gru.forward(x, h));
  });

  test('MultiheadAttention: causal self-attention with weights', () => {
    const m = new lm.MultiheadAttention(4, 2, { batchFirst: true, dtype, generator: new Generator(33) });
    lm.init.normal(m.inProjBias as Tensor, 0, 0.1, { generator: new Generator(34) });
    checkModule(m, [randn([1, 3, 4], 35)], (x) => {
      const r = m.forward(x, x, x, { isCausal: true, needWeights: true });
      return [r.output, r.weights as Tensor];
    });
  });

  test('MultiheadAttention: cross-attention with a key padding mask, sequence-first', () => {
    const m = new lm.MultiheadAttention(4, 2, { dtype, generator: new Generator(36) });
    const padding = lm.tensor([[0, 0, 1], [0, 0, 0]], { dtype: 'int32' });
    checkModule(m, [randn([2, 2, 4], 37), randn([3, 2, 4], 38), randn([3, 2, 4], 39)], (q, k, v) => {
      const r = m.forward(q, k, v, { keyPaddingMask: padding, needWeights: true });
      return [r.output, r.weights as Tensor];
    });
  });

  for (const norm of ['pre', 'post'] as const) {
    test(`TransformerBlock (${norm}-LN, causal)`, () => {
      const m = new lm.TransformerBlock(4, 2, { ffDim: 6, norm, causal: true, dtype, generator: new Generator(40) });
      for (const p of m.parameters()) if (p.ndim === 1) lm.init.normal(p, norm === 'pre' ? 0.5 : 0, 0.2, { generator: new Generator(41 + p.size) });
      checkModule(m, [randn([1, 3, 4], 42)], (x) => m.forward(x));
    });
  }

  test('LearnedPositionEmbedding', () => {
    const m = new lm.LearnedPositionEmbedding(5, 2, { dtype, std: 1, generator: new Generator(43) });
    checkModule(m, [], () => m.forward(3, 1));
  });
});
