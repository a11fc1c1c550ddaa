/**
 * The reverse pass recycles the gradient buffers it allocated once no pending
 * gradient refers to them (src/tensor/buffer-pool.ts). Recycling must never hand
 * out a buffer something still uses: every test here computes the same gradients
 * with a fresh pool and after the pool has been filled and drained by unrelated
 * work, and checks user-held tensors survive later allocations untouched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import { Generator, Tensor } from '../../src/index.js';
import { releaseBuffer } from '../../src/tensor/buffer-pool.js';

const big = [64, 96]; // above the pool's minimum size

/** With recycling, or (reference) with retainGraph, which recycles nothing. */
function gradientsOf(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], recycle = true): Float32Array[] {
  const leaves = inputs.map((x) => x.detach().requiresGrad_());
  f(...leaves).backward(undefined, { retainGraph: !recycle });
  return leaves.map((x) => Float32Array.from(x.grad ? x.grad.data : []));
}

/** Fill the pool with buffers of the sizes the checks use, then scribble over fresh ones so reuse would show. */
function churn(generator: Generator): void {
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 4; j++) lm.randn(big, { generator }); // takes pooled buffers and fills them
    const x = lm.randn(big, { generator }).requiresGrad_();
    lm.sum(lm.mul(lm.tanh(lm.add(x, x)), lm.exp(x))).backward();
  }
}

const cases: [string, (...xs: Tensor[]) => Tensor][] = [
  // One gradient feeding two inputs of one add (the VJP returns the same tensor twice), and a fan-out of x.
  ['fan-out through add', (x) => lm.sum(lm.mul(lm.add(lm.tanh(x), lm.tanh(x)), lm.add(x, x)))],
  // Views: reshape/permute gradients share buffers with the gradient they came from.
  ['views', (x, w) => lm.sum(lm.mul(lm.reshape(lm.permute(lm.reshape(lm.mul(x, w), [8, 8, 96]), [1, 0, 2]), [64, 96]), x))],
  // A matmul chain with a shared operand and a softmax / cross-entropy head.
  ['mlp', (x, w) => lm.crossEntropy(lm.matmul(lm.gelu(lm.matmul(x, lm.transpose(w, 0, 1))), w), lm.tensor(Array.from({ length: 64 }, (_, i) => i % 96), { dtype: 'int32' }))],
];

test('buffer pool: gradients are the same with recycling as without, from a fresh pool and a filled one', () => {
  const generator = new Generator(3);
  for (const [name, f] of cases) {
    const x = lm.randn(big, { generator }), w = lm.randn(big, { generator });
    lm.clearBufferPool();
    const reference = gradientsOf(f, [x, w], false);
    const fresh = gradientsOf(f, [x, w]);
    churn(generator);
    assert.ok(lm.bufferPoolBytes() > 0, 'the churn left buffers in the pool');
    const recycled = gradientsOf(f, [x, w]);
    const again = gradientsOf(f, [x, w]);
    for (let i = 0; i < fresh.length; i++) {
      assert.deepEqual(fresh[i], reference[i], `${name}: input ${i} from a fresh pool`);
      assert.deepEqual(recycled[i], fresh[i], `${name}: input ${i} after churn`);
      assert.deepEqual(again[i], fresh[i], `${name}: input ${i} on a second pass`);
    }
  }
});

test('buffer pool: a backward pass recycles its intermediate gradients, and pooled buffers come back zeroed', () => {
  lm.clearBufferPool();
  const generator = new Generator(4);
  const x = lm.randn(big, { generator }).requiresGrad_();
  lm.sum(lm.exp(lm.tanh(lm.mul(x, 2)))).backward();
  assert.ok(lm.bufferPoolBytes() >= 64 * 96 * 4, `pooled ${lm.bufferPoolBytes()} bytes`);
  const before = lm.bufferPoolBytes();
  const z = lm.zeros(big);
  assert.ok(lm.bufferPoolBytes() < before, 'zeros() took a pooled buffer');
  assert.ok(z.data.every((v) => v === 0));
});

test('buffer pool: what the user holds is never recycled (outputs, .grad, a passed gradient, grad() results)', () => {
  lm.clearBufferPool();
  const generator = new Generator(5);
  const x = lm.randn(big, { generator }).requiresGrad_();
  const y = lm.tanh(lm.mul(x, 3));
  const seed = lm.randn(big, { generator });
  const seedCopy = Float32Array.from(seed.data), yCopy = Float32Array.from(y.data);
  y.backward(seed);
  const gradCopy = Float32Array.from((x.grad as Tensor).data);
  const functional = lm.grad((a: Tensor) => lm.sum(lm.exp(lm.tanh(a))))(x.detach()) as Tensor;
  const functionalCopy = Float32Array.from(functional.data);
  churn(generator);
  assert.deepEqual(Float32Array.from(seed.data), seedCopy);
  assert.deepEqual(Float32Array.from(y.data), yCopy);
  assert.deepEqual(Float32Array.from((x.grad as Tensor).data), gradCopy);
  assert.deepEqual(Float32Array.from(functional.data), functionalCopy);
});

test('buffer pool: retainGraph passes recycle nothing and give the same gradients twice', () => {
  lm.clearBufferPool();
  const generator = new Generator(6);
  const x = lm.randn(big, { generator }).requiresGrad_();
  const loss = lm.sum(lm.exp(lm.tanh(lm.mul(x, 2))));
  loss.backward(undefined, { retainGraph: true });
  assert.equal(lm.bufferPoolBytes(), 0);
  const gradient = (): Float32Array => Float32Array.from(x.grad ? x.grad.data : []);
  const first = gradient();
  x.grad = null;
  loss.backward();
  assert.deepEqual(gradient(), first);
});

test('buffer pool: kernels handed unzeroed buffers (outputTensor) overwrite every element', () => {
  const generator = new Generator(7);
  const B = 2, T = 32, C = 64;
  const x = lm.randn([B, T, C], { generator }), w = lm.randn([3 * C, C], { generator }), w2 = lm.randn([C, C], { generator });
  const f = (input: Tensor, weight: Tensor, proj: Tensor): Tensor => {
    const h = lm.layerNorm(input, [C]);
    const y = lm.packedSelfAttention(lm.matmulT(h, weight, false, true), 4, { isCausal: true });
    const z = lm.add(input, lm.gelu(lm.matmulT(y, proj, false, true)));
    const [q, k, v] = lm.chunk(lm.reshape(lm.matmulT(z, weight, false, true), [B, 4, T, 3 * C / 4]), 3, -1);
    return lm.sum(lm.mul(lm.scaledDotProductAttention(q, k, v, { isCausal: true }), 0.5));
  };
  const inputs = [x, w, w2];
  lm.clearBufferPool();
  const clean = gradientsOf(f, inputs, false);
  // Poison: the pool holds NaN-filled buffers of every size the ops above allocate.
  for (const size of [B * T * C, B * T * 3 * C, B * T * C / 2, 3 * C * C, C * C]) {
    for (let i = 0; i < 6; i++) releaseBuffer(new Float32Array(size).fill(NaN));
  }
  const poisoned = gradientsOf(f, inputs, false);
  for (let i = 0; i < clean.length; i++) assert.deepEqual(poisoned[i], clean[i], `input ${i}`);
  lm.clearBufferPool();
});
