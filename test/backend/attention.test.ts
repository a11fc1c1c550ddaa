// Attention out = softmax(q·kᵀ·scale + mask)·v against the textbook computation
// that materialises the full (Tq, Tk) score matrix; gradients for q, k and v
// against central finite differences of the forward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AttentionArgs, FloatArray } from '../../src/backend/backend.js';
import { attentionBackward, attentionForward } from '../../src/backend/js/attention.js';
import { Generator } from '../../src/tensor/random.js';
import { assertClose, finiteDifferenceGrad, randomArray, type FloatArrayConstructor } from './helpers.js';

interface Shape {
  batchHeads: number; queryLength: number; keyLength: number; headDim: number; valueDim: number;
  causal: boolean; maskBatch?: number; maskStride0?: boolean;
}

/** Full score matrix per head; a row with no finite score outputs 0 (our documented convention). */
function referenceAttention(args: AttentionArgs, maskBatch: number): Float64Array {
  const { q, k, v, batchHeads: BH, queryLength: Tq, keyLength: Tk, headDim: D, valueDim: Dv, scale } = args;
  const out = new Float64Array(BH * Tq * Dv);
  for (let bh = 0; bh < BH; bh++) {
    const maskIndex = Math.floor(bh / (BH / maskBatch));
    for (let i = 0; i < Tq; i++) {
      const scores: number[] = [];
      for (let j = 0; j < Tk; j++) {
        let s = 0;
        for (let d = 0; d < D; d++) s += q[(bh * Tq + i) * D + d] * k[(bh * Tk + j) * D + d];
        s *= scale;
        if (args.mask) s += args.mask[(args.maskBatchStride === 0 ? 0 : maskIndex * Tq * Tk) + i * Tk + j];
        if (args.causal && j > i + Tk - Tq) s = -Infinity;
        scores.push(s);
      }
      const max = Math.max(...scores);
      if (max === -Infinity) continue;
      const weights = scores.map((s) => Math.exp(s - max));
      const total = weights.reduce((a, b) => a + b, 0);
      for (let j = 0; j < Tk; j++) {
        for (let d = 0; d < Dv; d++) out[(bh * Tq + i) * Dv + d] += (weights[j] / total) * v[(bh * Tk + j) * Dv + d];
      }
    }
  }
  return out;
}

function makeArgs(generator: Generator, shape: Shape, type: FloatArrayConstructor, scoreScale = 1): AttentionArgs {
  const { batchHeads: BH, queryLength: Tq, keyLength: Tk, headDim: D, valueDim: Dv } = shape;
  const args: AttentionArgs = {
    q: randomArray(generator, BH * Tq * D, type, scoreScale),
    k: randomArray(generator, BH * Tk * D, type),
    v: randomArray(generator, BH * Tk * Dv, type),
    batchHeads: BH, queryLength: Tq, keyLength: Tk, headDim: D, valueDim: Dv,
    scale: 1 / Math.sqrt(Math.max(D, 1)), causal: shape.causal,
  };
  if (shape.maskBatch !== undefined) {
    const count = shape.maskStride0 ? 1 : shape.maskBatch;
    const mask = randomArray(generator, count * Tq * Tk, type);
    // Block about a quarter of the positions outright.
    for (let e = 0; e < mask.length; e++) if (generator.random() < 0.25) mask[e] = -Infinity;
    args.mask = mask;
    args.maskBatchStride = shape.maskStride0 ? 0 : Tq * Tk;
  }
  return args;
}

const shapes: Shape[] = [
  { batchHeads: 1, queryLength: 1, keyLength: 1, headDim: 1, valueDim: 1, causal: false },
  { batchHeads: 2, queryLength: 5, keyLength: 5, headDim: 4, valueDim: 3, causal: true },
  { batchHeads: 2, queryLength: 3, keyLength: 7, headDim: 5, valueDim: 6, causal: true }, // KV-cache alignment
  { batchHeads: 2, queryLength: 6, keyLength: 3, headDim: 2, valueDim: 2, causal: true }, // rows 0..2 see no key
  { batchHeads: 3, queryLength: 4, keyLength: 9, headDim: 3, valueDim: 4, causal: false },
  { batchHeads: 4, queryLength: 4, keyLength: 6, headDim: 3, valueDim: 2, causal: false, maskBatch: 2 },
  { batchHeads: 4, queryLength: 5, keyLength: 5, headDim: 3, valueDim: 2, causal: true, maskBatch: 1, maskStride0: true },
  { batchHeads: 2, queryLength: 0, keyLength: 4, headDim: 3, valueDim: 2, causal: false },
  { batchHeads: 2, queryLength: 3, keyLength: 0, headDim: 3, valueDim: 2, causal: false },
];

test('attention forward matches the full score-matrix computation', () => {
  const generator = new Generator(50);
  for (const shape of shapes) {
    for (const type of [Float64Array, Float32Array]) {
      const args = makeArgs(generator, shape, type);
      const { batchHeads: BH, queryLength: Tq, valueDim: Dv } = shape;
      const out = new type(BH * Tq * Dv);
      const lse = new type(BH * Tq);
      attentionForward(args, out, lse);
      const tol = type === Float64Array ? 1e-13 : 1e-6;
      assertClose(out, referenceAttention(args, shape.maskBatch ?? 1), tol, tol, `${type.name} ${JSON.stringify(shape)}`);
    }
  }
});

test('attention: a causal row with no visible key and a fully masked row give 0 and lse = −∞', () => {
  const generator = new Generator(51);
  const shape: Shape = { batchHeads: 1, queryLength: 3, keyLength: 2, headDim: 2, valueDim: 2, causal: true };
  const args = makeArgs(generator, shape, Float64Array);
  const out = new Float64Array(6).fill(9);
  const lse = new Float64Array(3);
  attentionForward(args, out, lse);
  // Query 0 may see keys j ≤ 0 + 2 − 3 = −1: none.
  assert.deepEqual(Array.from(out.subarray(0, 2)), [0, 0]);
  assert.equal(lse[0], -Infinity);
  // Query 2 sees both keys: lse = log Σ_j exp(s_j).
  const s = [0, 1].map((j) => args.scale * (args.q[4] * args.k[2 * j] + args.q[5] * args.k[2 * j + 1]));
  assertClose([lse[2]], [Math.log(Math.exp(s[0]) + Math.exp(s[1]))], 1e-14, 0, 'lse');

  args.causal = false;
  args.mask = Float64Array.from([-Infinity, -Infinity, 0, -Infinity, 0, 0]);
  attentionForward(args, out, lse);
  assert.deepEqual(Array.from(out.subarray(0, 2)), [0, 0]);
  const gq = new Float64Array(6).fill(5);
  const gk = new Float64Array(4).fill(5);
  const gv = new Float64Array(4).fill(5);
  attentionBackward(args, out, lse, Float64Array.from([1, 1, 0, 0, 0, 0]), gq, gk, gv);
  // Only row 0 has an upstream gradient and it is fully masked: every gradient is 0.
  assert.ok([...gq, ...gk, ...gv].every((g) => g === 0));
});

test('attention is finite for scores around ±1000', () => {
  const generator = new Generator(52);
  const shape: Shape = { batchHeads: 2, queryLength: 4, keyLength: 4, headDim: 8, valueDim: 3, causal: true };
  const args = makeArgs(generator, shape, Float64Array, 1000);
  const out = new Float64Array(24);
  const lse = new Float64Array(8);
  attentionForward(args, out, lse);
  assertClose(out, referenceAttention(args, 1), 1e-12, 1e-12, 'large scores');
  const gq = new Float64Array(64), gk = new Float64Array(64), gv = new Float64Array(24);
  attentionBackward(args, out, lse, new Float64Array(24).fill(1), gq, gk, gv);
  assert.ok([...out, ...lse, ...gq, ...gk, ...gv].every(Number.isFinite));
});

test('attention backward matches finite differences for q, k and v', () => {
  const generator = new Generator(53);
  for (const shape of shapes) {
    const args = makeArgs(generator, shape, Float64Array);
    const { batchHeads: BH, queryLength: Tq, valueDim: Dv } = shape;
    const out = new Float64Array(BH * Tq * Dv);
    const lse = new Float64Array(BH * Tq);
    attentionForward(args, out, lse);
    const gOut = randomArray(generator, out.length, Float64Array);
    const gq = new Float64Array(args.q.length).fill(7);
    const gk = new Float64Array(args.k.length).fill(7);
    const gv = new Float64Array(args.v.length).fill(7);
    attentionBackward(args, out, lse, gOut, gq, gk, gv);
    const forward = (): Float64Array => {
      const o = new Float64Array(out.length);
      attentionForward(args, o, new Float64Array(lse.length));
      return o;
    };
    const label = JSON.stringify(shape);
    for (const [name, input, grad] of [['q', args.q, gq], ['k', args.k, gk], ['v', args.v, gv]] as [string, FloatArray, Float64Array][]) {
      assertClose(grad, finiteDifferenceGrad(input as Float64Array, gOut, forward), 1e-6, 1e-8, `${name} ${label}`);
    }
  }
});

test('attention rejects short buffers and a mask that does not divide the heads', () => {
  const generator = new Generator(54);
  const args = makeArgs(generator, { batchHeads: 3, queryLength: 2, keyLength: 2, headDim: 2, valueDim: 2, causal: false }, Float64Array);
  assert.throws(() => attentionForward(args, new Float64Array(3), new Float64Array(6)), /attentionForward: out has 3 elements, needs 12/);
  args.mask = new Float64Array(8);
  assert.throws(() => attentionForward(args, new Float64Array(12), new Float64Array(6)), /holds 2 masks of 2×2; need a whole number dividing batchHeads = 3/);
});
