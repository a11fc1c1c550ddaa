// Attention out = softmax(q·kᵀ·scale + mask)·v against the textbook computation
// that materialises the full (Tq, Tk) score matrix; gradients for q, k and v
// against central finite differences of the forward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AttentionArgs, FloatArray } from '../../src/backend/backend.js';
import { Generator } from '../../src/tensor/random.js';
import { testBackends } from './backends.js';
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

/** Longer than the compiled kernels' vector chunks (4·16 keys), odd sizes, enough heads to split across threads. */
const longShapes: Shape[] = [
  { batchHeads: 6, queryLength: 67, keyLength: 67, headDim: 9, valueDim: 17, causal: true },
  { batchHeads: 4, queryLength: 33, keyLength: 70, headDim: 16, valueDim: 8, causal: false, maskBatch: 2 },
];

for (const backend of testBackends()) {
  test(`${backend.name}: attention forward matches the full score-matrix computation`, () => {
    const generator = new Generator(50);
    for (const shape of [...shapes, ...longShapes]) {
      for (const type of [Float64Array, Float32Array]) {
        const args = makeArgs(generator, shape, type);
        const { batchHeads: BH, queryLength: Tq, valueDim: Dv } = shape;
        const out = new type(BH * Tq * Dv);
        const lse = new type(BH * Tq);
        backend.attentionForward(args, out, lse);
        const tol = type === Float64Array ? 1e-13 : 1e-6;
        assertClose(out, referenceAttention(args, shape.maskBatch ?? 1), tol, tol, `${type.name} ${JSON.stringify(shape)}`);
      }
    }
  });

  test(`${backend.name}: attention: a causal row with no visible key and a fully masked row give 0 and lse = −∞`, () => {
    for (const type of [Float64Array, Float32Array]) {
      const generator = new Generator(51);
      const shape: Shape = { batchHeads: 1, queryLength: 3, keyLength: 2, headDim: 2, valueDim: 2, causal: true };
      const args = makeArgs(generator, shape, type);
      const out = new type(6).fill(9);
      const lse = new type(3);
      backend.attentionForward(args, out, lse);
      // Query 0 may see keys j ≤ 0 + 2 − 3 = −1: none.
      assert.deepEqual(Array.from(out.subarray(0, 2)), [0, 0]);
      assert.equal(lse[0], -Infinity);
      // Query 2 sees both keys: lse = log Σ_j exp(s_j).
      const s = [0, 1].map((j) => args.scale * (args.q[4] * args.k[2 * j] + args.q[5] * args.k[2 * j + 1]));
      const tol = type === Float64Array ? 1e-14 : 1e-6;
      assertClose([lse[2]], [Math.log(Math.exp(s[0]) + Math.exp(s[1]))], tol, tol, `${type.name} lse`);

      args.causal = false;
      args.mask = type.from([-Infinity, -Infinity, 0, -Infinity, 0, 0]);
      backend.attentionForward(args, out, lse);
      assert.deepEqual(Array.from(out.subarray(0, 2)), [0, 0]);
      const gq = new type(6).fill(5);
      const gk = new type(4).fill(5);
      const gv = new type(4).fill(5);
      backend.attentionBackward(args, out, lse, type.from([1, 1, 0, 0, 0, 0]), gq, gk, gv);
      // Only row 0 has an upstream gradient and it is fully masked: every gradient is 0.
      assert.ok([...gq, ...gk, ...gv].every((g) => g === 0), type.name);
    }
  });

  test(`${backend.name}: attention is finite for scores around ±1000`, () => {
    for (const type of [Float64Array, Float32Array]) {
      const generator = new Generator(52);
      const shape: Shape = { batchHeads: 2, queryLength: 4, keyLength: 4, headDim: 8, valueDim: 3, causal: true };
      const args = makeArgs(generator, shape, type, 1000);
      const out = new type(24);
      const lse = new type(8);
      backend.attentionForward(args, out, lse);
      // float32: the scores (~1000) carry absolute errors ~1e-4, which move the weights by as much.
      const tol = type === Float64Array ? 1e-12 : 1e-3;
      assertClose(out, referenceAttention(args, 1), tol, tol, `${type.name} large scores`);
      const gq = new type(64), gk = new type(64), gv = new type(24);
      backend.attentionBackward(args, out, lse, new type(24).fill(1), gq, gk, gv);
      assert.ok([...out, ...lse, ...gq, ...gk, ...gv].every(Number.isFinite), type.name);
    }
  });

  test(`${backend.name}: attention backward matches finite differences for q, k and v`, () => {
    const generator = new Generator(53);
    for (const shape of shapes) {
      const args = makeArgs(generator, shape, Float64Array);
      const { batchHeads: BH, queryLength: Tq, valueDim: Dv } = shape;
      const out = new Float64Array(BH * Tq * Dv);
      const lse = new Float64Array(BH * Tq);
      backend.attentionForward(args, out, lse);
      const gOut = randomArray(generator, out.length, Float64Array);
      const gq = new Float64Array(args.q.length).fill(7);
      const gk = new Float64Array(args.k.length).fill(7);
      const gv = new Float64Array(args.v.length).fill(7);
      backend.attentionBackward(args, out, lse, gOut, gq, gk, gv);
      const forward = (): Float64Array => {
        const o = new Float64Array(out.length);
        backend.attentionForward(args, o, new Float64Array(lse.length));
        return o;
      };
      const label = JSON.stringify(shape);
      for (const [name, input, grad] of [['q', args.q, gq], ['k', args.k, gk], ['v', args.v, gv]] as [string, FloatArray, Float64Array][]) {
        assertClose(grad, finiteDifferenceGrad(input as Float64Array, gOut, forward), 1e-6, 1e-8, `${name} ${label}`);
      }
      // float32: the same problem rounded to float32 gives the float64 gradients within float32 precision.
      const args32: AttentionArgs = { ...args, q: Float32Array.from(args.q), k: Float32Array.from(args.k), v: Float32Array.from(args.v) };
      if (args.mask) args32.mask = Float32Array.from(args.mask);
      const out32 = new Float32Array(out.length);
      const lse32 = new Float32Array(lse.length);
      backend.attentionForward(args32, out32, lse32);
      const gq32 = new Float32Array(gq.length).fill(7), gk32 = new Float32Array(gk.length).fill(7), gv32 = new Float32Array(gv.length).fill(7);
      backend.attentionBackward(args32, out32, lse32, Float32Array.from(gOut), gq32, gk32, gv32);
      assertClose(gq32, gq, 1e-4, 1e-5, `float32 q ${label}`);
      assertClose(gk32, gk, 1e-4, 1e-5, `float32 k ${label}`);
      assertClose(gv32, gv, 1e-4, 1e-5, `float32 v ${label}`);
    }
  });

  test(`${backend.name}: float32 attention backward on long rows matches the float64 gradients`, () => {
    // The float64 kernels are checked against finite differences above; here the
    // same problems in float32 must give the same gradients within float32 precision.
    const generator = new Generator(55);
    for (const shape of longShapes) {
      const args = makeArgs(generator, shape, Float64Array);
      const { batchHeads: BH, queryLength: Tq, valueDim: Dv } = shape;
      const out = new Float64Array(BH * Tq * Dv);
      const lse = new Float64Array(BH * Tq);
      backend.attentionForward(args, out, lse);
      const gOut = randomArray(generator, out.length, Float64Array);
      const gq = new Float64Array(args.q.length), gk = new Float64Array(args.k.length), gv = new Float64Array(args.v.length);
      backend.attentionBackward(args, out, lse, gOut, gq, gk, gv);
      const args32: AttentionArgs = { ...args, q: Float32Array.from(args.q), k: Float32Array.from(args.k), v: Float32Array.from(args.v) };
      if (args.mask) args32.mask = Float32Array.from(args.mask);
      const out32 = new Float32Array(out.length);
      const lse32 = new Float32Array(lse.length);
      backend.attentionForward(args32, out32, lse32);
      const gq32 = new Float32Array(gq.length), gk32 = new Float32Array(gk.length), gv32 = new Float32Array(gv.length);
      backend.attentionBackward(args32, out32, lse32, Float32Array.from(gOut), gq32, gk32, gv32);
      const label = JSON.stringify(shape);
      assertClose(gq32, gq, 1e-4, 1e-5, `q ${label}`);
      assertClose(gk32, gk, 1e-4, 1e-5, `k ${label}`);
      assertClose(gv32, gv, 1e-4, 1e-5, `v ${label}`);
    }
  });

  test(`${backend.name}: attention rejects short buffers and a mask that does not divide the heads`, () => {
    for (const type of [Float64Array, Float32Array]) {
      const generator = new Generator(54);
      const args = makeArgs(generator, { batchHeads: 3, queryLength: 2, keyLength: 2, headDim: 2, valueDim: 2, causal: false }, type);
      assert.throws(() => backend.attentionForward(args, new type(3), new type(6)), /attentionForward: out has 3 elements, needs 12/);
      assert.throws(() => backend.attentionBackward(args, new type(12), new type(6), new type(12), new type(12), new type(2), new type(12)), /attentionBackward: gk has 2 elements, needs 12/);
      args.mask = new type(8);
      assert.throws(() => backend.attentionForward(args, new type(12), new type(6)), /holds 2 masks of 2×2; need a whole number dividing batchHeads = 3/);
    }
  });
}
