/**
 * Seed 000's worked network, built from modules (Linear → Sigmoid → Linear →
 * Softmax, then the CrossEntropy J = −yᵀ log ŷ): autograd's gradients must equal
 * the seed's hand-derived backward pass (NNBACKWARD), written out here with plain
 * arrays as the oracle:
 *   g_b = ŷ − y                       (SOFTMAXBACKWARD ∘ CROSSENTROPYBACKWARD)
 *   dJ/dβ = g_b zᵀ,   dJ/dβ₀ = g_b     (LINEARBACKWARD)
 *   g_z = βᵀ g_b
 *   g_a = g_z ⊙ z ⊙ (1 − z)            (SIGMOIDBACKWARD)
 *   dJ/dα = g_a xᵀ,   dJ/dα₀ = g_a,   dJ/dx = αᵀ g_a
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import { Generator, Tensor } from '../../src/index.js';

const close = (actual: ArrayLike<number>, expected: readonly number[], label: string): void => {
  assert.equal(actual.length, expected.length, label);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-12 + 1e-10 * Math.abs(expected[i]), `${label}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
};

test('module-based MLP gradients equal seed 000\'s hand-derived backprop', () => {
  const [M, D, K] = [4, 5, 3]; // input, hidden, classes
  const generator = new Generator(2024);
  const mlp = new lm.Sequential(
    new lm.Linear(M, D, { dtype: 'float64', generator }),
    new lm.Sigmoid(),
    new lm.Linear(D, K, { dtype: 'float64', generator }),
    new lm.Softmax(-1),
  );
  const x = lm.randn([1, M], { dtype: 'float64', generator }).requiresGrad_();
  const label = 2;
  const yHat = mlp.forward(x);
  const J = lm.nllLoss(lm.log(yHat), lm.tensor([label], { dtype: 'int32' }));
  J.backward();

  // The oracle: the seed's forward and backward passes by hand.
  const [linear1, , linear2] = [...mlp] as [lm.Linear, lm.Sigmoid, lm.Linear, lm.Softmax];
  const alpha = linear1.weight.data, alpha0 = (linear1.bias as Tensor).data;
  const beta = linear2.weight.data, beta0 = (linear2.bias as Tensor).data;
  const xs = Array.from(x.data);
  const a = Array.from({ length: D }, (_, j) => alpha0[j] + xs.reduce((s, xi, i) => s + alpha[j * M + i] * xi, 0));
  const z = a.map((v) => 1 / (1 + Math.exp(-v)));
  const b = Array.from({ length: K }, (_, k) => beta0[k] + z.reduce((s, zj, j) => s + beta[k * D + j] * zj, 0));
  const maxB = Math.max(...b);
  const expB = b.map((v) => Math.exp(v - maxB));
  const total = expB.reduce((s, v) => s + v, 0);
  const yHatHand = expB.map((v) => v / total);
  const y = Array.from({ length: K }, (_, k) => (k === label ? 1 : 0));
  close(yHat.data, yHatHand, 'ŷ');
  close(J.data, [-Math.log(yHatHand[label])], 'J');

  const gB = yHatHand.map((v, k) => v - y[k]);
  const gBeta = gB.flatMap((g) => z.map((zj) => g * zj));
  const gZ = z.map((_, j) => gB.reduce((s, g, k) => s + beta[k * D + j] * g, 0));
  const gA = gZ.map((g, j) => g * z[j] * (1 - z[j]));
  const gAlpha = gA.flatMap((g) => xs.map((xi) => g * xi));
  const gX = xs.map((_, i) => gA.reduce((s, g, j) => s + alpha[j * M + i] * g, 0));

  close((linear2.weight.grad as Tensor).data, gBeta, 'dJ/dβ = (ŷ − y) zᵀ');
  close(((linear2.bias as Tensor).grad as Tensor).data, gB, 'dJ/dβ₀ = ŷ − y');
  close((linear1.weight.grad as Tensor).data, gAlpha, 'dJ/dα = g_a xᵀ');
  close(((linear1.bias as Tensor).grad as Tensor).data, gA, 'dJ/dα₀ = g_a');
  close((x.grad as Tensor).data, gX, 'dJ/dx = αᵀ g_a');
});

test('mini-batch SGD on the seed MLP lowers the loss (module parameters + autograd)', () => {
  const generator = new Generator(5);
  const mlp = new lm.Sequential(new lm.Linear(2, 8, { generator }), new lm.Sigmoid(), new lm.Linear(8, 2, { generator }));
  // Two Gaussian blobs: class 0 around (−1, −1), class 1 around (1, 1).
  const n = 64;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
  const points = Float32Array.from({ length: 2 * n }, (_, i) => (labels[i >> 1] ? 1 : -1) + 0.5 * generator.normal());
  const x = new Tensor(points, [n, 2]);
  const target = new Tensor(labels, [n]);
  const loss = (): Tensor => lm.crossEntropy(mlp.forward(x), target);
  const initial = loss().item();
  for (let step = 0; step < 100; step++) {
    mlp.zeroGrad();
    loss().backward();
    lm.noGrad(() => {
      for (const p of mlp.parameters()) p.data.set(lm.sub(p, lm.mul(p.grad as Tensor, 0.5)).data);
    });
  }
  const final = loss().item();
  assert.ok(final < 0.5 * initial, `loss ${initial} → ${final}`);
});
