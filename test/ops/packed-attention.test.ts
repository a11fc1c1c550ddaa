/**
 * packedSelfAttention reads q, k, v from one fused (B, T, 3C) projection and
 * writes (B, T, C) in place. It must equal the composition it replaces — split
 * the projection, move heads to a batch dim, scaledDotProductAttention (checked
 * against PyTorch's fixtures), merge the heads — forward and backward, on every
 * backend; and gradcheck (reverse and forward mode against finite differences)
 * on float64.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import { Generator, Tensor } from '../../src/index.js';
import { getBackend, setBackend } from '../../src/backend/index.js';
import { testBackends } from '../backend/backends.js';

/** The unfused reference: what the GPT computed before the packed op. */
function composed(qkv: Tensor, heads: number, isCausal: boolean): Tensor {
  const [B, T, threeC] = qkv.shape;
  const C = threeC / 3, D = C / heads;
  const [q, k, v] = lm.unbind(lm.permute(lm.reshape(qkv, [B, T, 3, heads, D]), [2, 0, 3, 1, 4]), 0);
  const y = lm.scaledDotProductAttention(q, k, v, { isCausal });
  return lm.reshape(lm.permute(y, [0, 2, 1, 3]), [B, T, C]);
}

function randomTensor(generator: Generator, shape: number[], dtype: 'float32' | 'float64'): Tensor {
  return lm.randn(shape, { generator, dtype });
}

function outputAndGrad(f: (x: Tensor) => Tensor, x: Tensor, weights: Tensor): { out: Tensor; grad: Tensor } {
  const input = x.detach().requiresGrad_();
  const out = f(input);
  lm.sum(lm.mul(out, weights)).backward();
  return { out: out.detach(), grad: (input.grad as Tensor).detach() };
}

function maxDiff(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  let worst = 0;
  for (let i = 0; i < a.size; i++) worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]));
  return worst;
}

const shapes = [
  { B: 2, T: 5, heads: 3, D: 4, causal: true },
  { B: 1, T: 1, heads: 2, D: 3, causal: true },
  { B: 3, T: 7, heads: 1, D: 5, causal: false },
  { B: 12, T: 64, heads: 4, D: 32, causal: true }, // the baby GPT's layer: the compiled kernels' fast paths
];

for (const backend of testBackends()) {
  test(`${backend.name}: packedSelfAttention equals split + scaledDotProductAttention + merge, forward and backward`, () => {
    const previous = getBackend().name;
    setBackend(backend.name);
    try {
      const generator = new Generator(11);
      for (const { B, T, heads, D, causal } of shapes) {
        for (const dtype of ['float32', 'float64'] as const) {
          const qkv = randomTensor(generator, [B, T, 3 * heads * D], dtype);
          const weights = randomTensor(generator, [B, T, heads * D], dtype);
          const mine = outputAndGrad((x) => lm.packedSelfAttention(x, heads, { isCausal: causal }), qkv, weights);
          const reference = outputAndGrad((x) => composed(x, heads, causal), qkv, weights);
          const tolerance = dtype === 'float64' ? 1e-12 : 2e-5;
          const label = `${dtype} B=${B} T=${T} heads=${heads} D=${D}`;
          assert.ok(maxDiff(mine.out, reference.out) <= tolerance, `forward ${label}: ${maxDiff(mine.out, reference.out)}`);
          assert.ok(maxDiff(mine.grad, reference.grad) <= tolerance, `backward ${label}: ${maxDiff(mine.grad, reference.grad)}`);
          // A vacuous pass (both zero) would hide a kernel that writes nothing.
          assert.ok(mine.grad.data.some((g) => Math.abs(g) > 1e-3), `backward ${label} is all zeros`);
        }
      }
    } finally {
      setBackend(previous);
    }
  });
}

test('packedSelfAttention: gradcheck (reverse and forward mode, adjoint identity) on float64', () => {
  const generator = new Generator(5);
  for (const causal of [true, false]) {
    const qkv = randomTensor(generator, [2, 4, 3 * 2 * 3], 'float64');
    assert.equal(lm.gradcheck((x) => lm.packedSelfAttention(x, 2, { isCausal: causal }), [qkv]), true);
  }
  const scaled = randomTensor(generator, [1, 3, 3 * 4], 'float64');
  assert.equal(lm.gradcheck((x) => lm.packedSelfAttention(x, 2, { isCausal: true, scale: 0.3 }), [scaled]), true);
});

test('packedSelfAttention: bad shapes name the op and the shape', () => {
  assert.throws(() => lm.packedSelfAttention(lm.zeros([2, 4, 10]), 2), /packedSelfAttention: qkv has shape \[2, 4, 10\], expected \(B, T, 3·C\)/);
  assert.throws(() => lm.packedSelfAttention(lm.zeros([4, 12]), 2), /packedSelfAttention: qkv has shape \[4, 12\]/);
  assert.throws(() => lm.packedSelfAttention(lm.zeros([1, 4, 12]), 3), /C = 4 .* is not divisible by numHeads = 3/);
});
