/**
 * Initializers: their documented distributions (bounds exactly; variances
 * statistically on large tensors), orthogonality, PyTorch's per-layer defaults,
 * and reproducibility from the seeded generator.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import { Generator, Tensor } from '../../src/index.js';

const { init } = lm;

function stats(t: Tensor): { mean: number; std: number; maxAbs: number } {
  let s = 0, s2 = 0, maxAbs = 0;
  for (const v of t.data) { s += v; s2 += v * v; maxAbs = Math.max(maxAbs, Math.abs(v)); }
  const mean = s / t.size;
  return { mean, std: Math.sqrt(s2 / t.size - mean * mean), maxAbs };
}

const near = (actual: number, expected: number, relative: number, label: string): void =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${label}: ${actual} vs ${expected}`);

describe('init', () => {
  test('calculateGain follows PyTorch\'s table', () => {
    assert.equal(init.calculateGain('linear'), 1);
    assert.equal(init.calculateGain('sigmoid'), 1);
    assert.equal(init.calculateGain('tanh'), 5 / 3);
    assert.equal(init.calculateGain('relu'), Math.SQRT2);
    assert.equal(init.calculateGain('leakyRelu', 0.2), Math.sqrt(2 / 1.04));
    assert.equal(init.calculateGain('selu'), 0.75);
  });

  test('fans of linear and convolution weights', () => {
    assert.deepEqual(init.fans(lm.zeros([7, 3])), { fanIn: 3, fanOut: 7 });
    assert.deepEqual(init.fans(lm.zeros([4, 2, 5])), { fanIn: 10, fanOut: 20 });
  });

  test('xavier: U(±√(6/(in+out))) and N(0, 2/(in+out))', () => {
    const g = new Generator(1);
    const w = init.xavierUniform(lm.zeros([300, 200]), { generator: g });
    const bound = Math.sqrt(6 / 500);
    const u = stats(w);
    assert.ok(u.maxAbs <= bound && u.maxAbs > 0.99 * bound);
    near(u.std, bound / Math.sqrt(3), 0.02, 'uniform std');
    near(stats(init.xavierNormal(lm.zeros([300, 200]), { gain: 2, generator: g })).std, 2 * Math.sqrt(2 / 500), 0.02, 'normal std');
  });

  test('kaiming: std = gain/√fanIn (ReLU gain √2), fanOut mode, uniform bound √3·std', () => {
    const g = new Generator(2);
    near(stats(init.kaimingNormal(lm.zeros([200, 300]), { nonlinearity: 'relu', generator: g })).std, Math.SQRT2 / Math.sqrt(300), 0.02, 'fanIn');
    near(stats(init.kaimingNormal(lm.zeros([200, 300]), { nonlinearity: 'relu', mode: 'fanOut', generator: g })).std, Math.SQRT2 / Math.sqrt(200), 0.02, 'fanOut');
    const u = stats(init.kaimingUniform(lm.zeros([200, 300]), { generator: g }));
    const bound = Math.sqrt(3) * Math.SQRT2 / Math.sqrt(300);
    assert.ok(u.maxAbs <= bound && u.maxAbs > 0.99 * bound);
  });

  test('orthogonal: W Wᵀ = I (wide) and Wᵀ W = I (tall), scaled by gain', () => {
    for (const [rows, cols] of [[3, 7], [7, 3], [5, 5]]) {
      const w = init.orthogonal(lm.zeros([rows, cols], { dtype: 'float64' }), { gain: 2, generator: new Generator(rows * 10 + cols) });
      const gram = rows <= cols ? lm.matmul(w, lm.transpose(w)) : lm.matmul(lm.transpose(w), w);
      const n = Math.min(rows, cols);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        assert.ok(Math.abs(gram.data[i * n + j] - (i === j ? 4 : 0)) < 1e-12, `${rows}×${cols} gram[${i}][${j}] = ${gram.data[i * n + j]}`);
      }
    }
  });

  test('uniform, normal, constant, zeros, ones; non-leaf tensors are refused', () => {
    const g = new Generator(3);
    const u = stats(init.uniform(lm.zeros([10000]), 2, 4, { generator: g }));
    assert.ok(u.maxAbs <= 4);
    near(u.mean, 3, 0.01, 'uniform mean');
    const n = stats(init.normal(lm.zeros([10000]), -1, 0.5, { generator: g }));
    near(n.mean, -1, 0.02, 'normal mean');
    near(n.std, 0.5, 0.03, 'normal std');
    assert.deepEqual(Array.from(init.constant(lm.zeros([2]), 3).data), [3, 3]);
    assert.deepEqual(Array.from(init.ones(lm.zeros([2])).data), [1, 1]);
    const tracked = lm.mul(lm.ones([2]).requiresGrad_(), 2);
    assert.throws(() => init.zeros(tracked), /only fill leaf tensors/);
  });

  test('PyTorch\'s layer defaults', () => {
    const g = new Generator(4);
    const lin = new lm.Linear(50, 40, { generator: g });
    assert.ok(stats(lin.weight).maxAbs <= 1 / Math.sqrt(50) && stats(lin.weight).maxAbs > 0.95 / Math.sqrt(50), 'Linear weight U(±1/√in)');
    assert.ok(stats(lin.bias as Tensor).maxAbs <= 1 / Math.sqrt(50), 'Linear bias U(±1/√in)');
    const conv = new lm.Conv1d(4, 8, 3, { generator: g });
    assert.ok(stats(conv.weight).maxAbs <= 1 / Math.sqrt(12), 'Conv1d fanIn = Cin·K');
    const emb = new lm.Embedding(200, 50, { paddingIdx: 3, generator: g });
    const e = stats(emb.weight);
    near(e.std, 1, 0.03, 'Embedding N(0, 1)');
    assert.ok(emb.weight.data.subarray(150, 200).every((v) => v === 0), 'padding row zeroed');
    const lstm = new lm.LSTM(5, 16, { numLayers: 2, generator: g });
    for (const p of lstm.parameters()) assert.ok(stats(p).maxAbs <= 1 / 4, 'recurrent U(±1/√H)');
    const mha = new lm.MultiheadAttention(16, 4, { generator: g });
    assert.ok(stats(mha.inProjWeight as Tensor).maxAbs <= Math.sqrt(6 / (16 + 48)), 'in_proj xavier over (3E, E)');
    assert.equal(stats(mha.inProjBias as Tensor).maxAbs, 0);
    assert.equal(stats(mha.outProj.bias as Tensor).maxAbs, 0);
    const norm = new lm.LayerNorm(6);
    assert.deepEqual(Array.from((norm.weight as Tensor).data), [1, 1, 1, 1, 1, 1]);
    assert.deepEqual(Array.from((norm.bias as Tensor).data), [0, 0, 0, 0, 0, 0]);
  });

  test('the same generator seed gives the same weights', () => {
    const a = init.orthogonal(lm.zeros([4, 6]), { generator: new Generator(9) });
    const b = init.orthogonal(lm.zeros([4, 6]), { generator: new Generator(9) });
    assert.deepEqual(a.toArray(), b.toArray());
  });
});
