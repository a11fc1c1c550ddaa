// The compiled backends (native addon, wasm) against the js reference kernels on
// problems the size of the baby GPT's (768 rows = batch 12 × block 64, width 128,
// 4 heads, vocabulary 65) and on odd sizes around the vector widths: every
// float32 result must agree with js within float32 rounding. The js kernels are
// themselves checked against textbook formulas, finite differences and PyTorch
// elsewhere; here they are the independent implementation to agree with.
// Also: results do not depend on the thread count, every instruction set the CPU
// has gives the same answers within rounding, and float64 calls are untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packedLayout } from '../../src/backend/attention-layout.js';
import type { AttentionArgs, AttentionLayout, Backend, FloatArray, OperandLayout } from '../../src/backend/backend.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { getNumThreads, setNumThreads } from '../../src/node/backend/select.js';
import { Generator } from '../../src/tensor/random.js';
import { forEachNativeIsa, testBackends } from './backends.js';
import { assertClose, randomArray } from './helpers.js';

const compiled = testBackends().filter((backend) => backend.name !== 'js');

function f32(generator: Generator, length: number, scale = 1): Float32Array {
  return randomArray(generator, length, Float32Array, scale) as Float32Array;
}

/**
 * What a kernel run is judged against: the js kernels within float32 rounding, or
 * another compiled backend bit for bit (`exact`, NaN equal to NaN, −0 distinct from 0).
 */
interface Judge {
  backend: Backend;
  reference: Backend;
  exact: boolean;
}

function assertSameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  assert.equal(actual.length, expected.length, label);
  let differ = 0, first = -1;
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      differ++;
      if (first < 0) first = i;
    }
  }
  assert.equal(differ, 0, `${label}: ${differ} of ${actual.length} elements differ, first [${first}] ${actual[first]} vs ${expected[first]}`);
}

/** Run `fn` on the judged backend and on the reference with copies of the same outputs; compare each output. */
function agree(
  judge: Judge, label: string, outputs: FloatArray[], fn: (kernels: Backend, outs: FloatArray[]) => void,
  rtol = 2e-5, atol = 2e-6,
): void {
  const mine = outputs.map((o) => o.slice());
  const reference = outputs.map((o) => o.slice());
  fn(judge.backend, mine);
  fn(judge.reference, reference);
  const name = `${judge.backend.name} ${label}`;
  mine.forEach((out, i) =>
    judge.exact ? assertSameBits(out, reference[i], `${name} output ${i}`) : assertClose(out, reference[i], rtol, atol, `${name} output ${i}`));
}

/** Every float32 kernel the compiled backends implement, on GPT-sized and odd-sized problems. */
function checkAllKernels(judge: Judge, seed: number): void {
  const generator = new Generator(seed);
  // GEMM: the GPT's linear layers forward and backward, plus odd sizes and batches.
  const gemms: [number, number, number, boolean, boolean, number][] = [
    [768, 384, 128, false, false, 1], [768, 128, 384, false, true, 1], [128, 384, 768, true, false, 1],
    [768, 65, 128, false, true, 1], [1, 65, 128, false, true, 1], [2, 300, 129, false, false, 1],
    [67, 1, 33, true, false, 1], [13, 29, 7, true, true, 5], [64, 64, 32, false, true, 48],
  ];
  for (const [m, n, k, transA, transB, batch] of gemms) {
    const a = f32(generator, batch * m * k), b = f32(generator, batch * k * n);
    for (const accumulate of [false, true]) {
      agree(judge, `matmul ${m}×${n}×${k} ${transA} ${transB} ×${batch} acc ${accumulate}`, [f32(generator, batch * m * n)], (kernels, [out]) =>
        kernels.matmul({ a, b, out, m, n, k, transA, transB, batch, accumulate }), 1e-4, 1e-5 * Math.sqrt(k));
    }
  }
  // A shared weight over a batch (folded into one tall product) with accumulation.
  const x = f32(generator, 12 * 64 * 128), w = f32(generator, 128 * 96);
  agree(judge, 'matmul batch-broadcast B', [f32(generator, 12 * 64 * 96)], (kernels, [out]) =>
    kernels.matmul({ a: x, b: w, out, m: 64, n: 96, k: 128, transA: false, transB: false, batch: 12, bBatchStride: 0, accumulate: true }), 1e-4, 1e-4);

  // GELU over a wide range, with special values, odd length.
  const g = f32(generator, 768 * 5 + 3, 8);
  g.set([Infinity, -Infinity, NaN, 0, -0, 1e-30, -1e-30, 30, -30], 0);
  const gy = f32(generator, g.length);
  for (const approximate of ['none', 'tanh'] as const) {
    agree(judge, `gelu ${approximate}`, [new Float32Array(g.length)], (kernels, [out]) => kernels.geluForward(g, out, approximate));
    agree(judge, `gelu backward ${approximate}`, [new Float32Array(g.length)], (kernels, [out]) => kernels.geluBackward(g, gy, out, approximate));
  }

  // LayerNorm: rows × 128 and an odd width, with and without affine parameters.
  for (const [rows, cols] of [[768, 128], [5, 37], [1, 1]] as [number, number][]) {
    const xs = f32(generator, rows * cols, 2), weight = f32(generator, cols), bias = f32(generator, cols), up = f32(generator, rows * cols);
    for (const [wt, bs] of [[weight, bias], [null, null]] as [Float32Array | null, Float32Array | null][]) {
      agree(judge, `layerNorm ${rows}×${cols}`, [new Float32Array(rows * cols), new Float32Array(rows), new Float32Array(rows)], (kernels, [out, mean, rstd]) =>
        kernels.layerNormForward(xs, wt, bs, out, mean, rstd, rows, cols, 1e-5));
      const mean = new Float32Array(rows), rstd = new Float32Array(rows);
      jsBackend.layerNormForward(xs, wt, bs, new Float32Array(rows * cols), mean, rstd, rows, cols, 1e-5);
      agree(judge, `layerNorm backward ${rows}×${cols}`, [new Float32Array(rows * cols), f32(generator, cols), f32(generator, cols)], (kernels, [gx, gw, gb]) =>
        kernels.layerNormBackward(xs, wt, mean, rstd, up, gx, wt ? gw : null, wt ? gb : null, rows, cols), 1e-4, 1e-5);
    }
  }

  // Softmax, log-softmax and cross-entropy over the vocabulary, odd widths, ignored rows, smoothing.
  for (const [rows, cols] of [[768, 65], [3, 1], [7, 33]] as [number, number][]) {
    const logits = f32(generator, rows * cols, 5), up = f32(generator, rows * cols);
    agree(judge, `softmax ${rows}×${cols}`, [new Float32Array(rows * cols)], (kernels, [out]) => kernels.softmaxForward(logits, out, rows, cols));
    agree(judge, `logSoftmax ${rows}×${cols}`, [new Float32Array(rows * cols)], (kernels, [out]) => kernels.logSoftmaxForward(logits, out, rows, cols));
    const y = new Float32Array(rows * cols);
    jsBackend.softmaxForward(logits, y, rows, cols);
    agree(judge, `softmax backward ${rows}×${cols}`, [new Float32Array(rows * cols)], (kernels, [gx]) => kernels.softmaxBackward(y, up, gx, rows, cols));
    jsBackend.logSoftmaxForward(logits, y, rows, cols);
    agree(judge, `logSoftmax backward ${rows}×${cols}`, [new Float32Array(rows * cols)], (kernels, [gx]) => kernels.logSoftmaxBackward(y, up, gx, rows, cols));
    const targets = Int32Array.from({ length: rows }, (_, r) => (r % 7 === 3 ? -100 : Math.floor(generator.random() * cols)));
    const scale = f32(generator, rows);
    for (const smoothing of [0, 0.1]) {
      agree(judge, `crossEntropy ${rows}×${cols} ε ${smoothing}`, [new Float32Array(rows), new Float32Array(rows)], (kernels, [loss, lse]) =>
        kernels.crossEntropyForward(logits, targets, rows, cols, -100, smoothing, loss, lse));
      const lse = new Float32Array(rows);
      jsBackend.crossEntropyForward(logits, targets, rows, cols, -100, smoothing, new Float32Array(rows), lse);
      agree(judge, `crossEntropy backward ${rows}×${cols} ε ${smoothing}`, [new Float32Array(rows * cols)], (kernels, [grad]) =>
        kernels.crossEntropyBackward(logits, targets, lse, rows, cols, -100, smoothing, scale, grad));
    }
  }

  // Causal attention with the GPT's geometry (48 batch·heads, T = 64, head 32), and KV-cache / masked variants.
  const geometries: Omit<AttentionArgs, 'q' | 'k' | 'v'>[] = [
    { batchHeads: 48, queryLength: 64, keyLength: 64, headDim: 32, valueDim: 32, scale: 1 / Math.sqrt(32), causal: true },
    { batchHeads: 4, queryLength: 1, keyLength: 37, headDim: 32, valueDim: 32, scale: 0.2, causal: true },
    { batchHeads: 6, queryLength: 9, keyLength: 13, headDim: 5, valueDim: 7, scale: 0.5, causal: false, maskBatchStride: 9 * 13 },
  ];
  for (const geometry of geometries) {
    const { batchHeads: bh, queryLength: tq, keyLength: tk, headDim: d, valueDim: dv } = geometry;
    const args: AttentionArgs = { ...geometry, q: f32(generator, bh * tq * d), k: f32(generator, bh * tk * d), v: f32(generator, bh * tk * dv) };
    if (geometry.maskBatchStride !== undefined) {
      const mask = f32(generator, 2 * tq * tk);
      for (let e = 0; e < mask.length; e++) if (generator.random() < 0.3) mask[e] = -Infinity;
      args.mask = mask;
    }
    const label = `attention ${bh}×${tq}×${tk}×${d}`;
    agree(judge, label, [new Float32Array(bh * tq * dv), new Float32Array(bh * tq)], (kernels, [out, lse]) => kernels.attentionForward(args, out, lse));
    const out = new Float32Array(bh * tq * dv), lse = new Float32Array(bh * tq);
    jsBackend.attentionForward(args, out, lse);
    const gOut = f32(generator, out.length);
    agree(judge, `${label} backward`, [new Float32Array(bh * tq * d), new Float32Array(bh * tk * d), new Float32Array(bh * tk * dv)], (kernels, [gq, gk, gv]) =>
      kernels.attentionBackward(args, out, lse, gOut, gq, gk, gv), 1e-4, 1e-5);
  }

  // Operand layouts: padded rows with an offset (outputs pre-filled, so the gaps must keep their values on every
  // backend, including wasm's copy in/out), and the GPT's packed (B, T, 3C) projection read and written in place.
  {
    const heads = 2, batch = 2, t = 5, d = 3, dv = 4;
    const operand = (width: number, pad: number, offset: number): OperandLayout =>
      ({ offset, batchStride: heads * t * (width + pad), headStride: t * (width + pad), rowStride: width + pad });
    const layout: AttentionLayout = { heads, q: operand(d, 2, 3), k: operand(d, 1, 0), v: operand(dv, 3, 2), out: operand(dv, 1, 1) };
    const size = (o: OperandLayout, width: number): number => o.offset + batch * o.batchStride + width;
    const padded: AttentionArgs = {
      batchHeads: batch * heads, queryLength: t, keyLength: t, headDim: d, valueDim: dv, scale: 0.4, causal: true, layout,
      q: f32(generator, size(layout.q, d)), k: f32(generator, size(layout.k, d)), v: f32(generator, size(layout.v, dv)),
    };
    const filled = (n: number): Float32Array => new Float32Array(n).fill(7);
    agree(judge, 'attention padded layout', [filled(size(layout.out, dv)), new Float32Array(batch * heads * t)], (kernels, [out, lse]) =>
      kernels.attentionForward(padded, out, lse));
    const out = filled(size(layout.out, dv)), lse = new Float32Array(batch * heads * t);
    jsBackend.attentionForward(padded, out, lse);
    const gOut = f32(generator, out.length);
    agree(judge, 'attention padded layout backward', [filled(size(layout.q, d)), filled(size(layout.k, d)), filled(size(layout.v, dv))],
      (kernels, [gq, gk, gv]) => kernels.attentionBackward(padded, out, lse, gOut, gq, gk, gv), 1e-4, 1e-5);

    const B = 3, T = 64, H = 4, D = 32, C = H * D;
    const qkv = f32(generator, B * T * 3 * C);
    const packed: AttentionArgs = {
      batchHeads: B * H, queryLength: T, keyLength: T, headDim: D, valueDim: D, scale: 1 / Math.sqrt(D), causal: true,
      layout: packedLayout(T, H, D), q: qkv, k: qkv, v: qkv,
    };
    agree(judge, 'attention packed', [new Float32Array(B * T * C), new Float32Array(B * H * T)], (kernels, [o, l]) => kernels.attentionForward(packed, o, l));
    const packedOut = new Float32Array(B * T * C), packedLse = new Float32Array(B * H * T);
    jsBackend.attentionForward(packed, packedOut, packedLse);
    const packedGOut = f32(generator, packedOut.length);
    agree(judge, 'attention packed backward', [filled(qkv.length)], (kernels, [g]) =>
      kernels.attentionBackward(packed, packedOut, packedLse, packedGOut, g, g, g), 1e-4, 1e-5);
  }

  // Embedding gather / scatter-add with repeated ids.
  const table = f32(generator, 65 * 128);
  const ids = Int32Array.from({ length: 768 }, () => Math.floor(generator.random() * 65));
  agree(judge, 'embedding', [new Float32Array(768 * 128)], (kernels, [out]) => kernels.embeddingForward(table, ids, out, 128, 65));
  const gOut = f32(generator, 768 * 128);
  agree(judge, 'embedding backward', [f32(generator, 65 * 128)], (kernels, [gTable]) => kernels.embeddingBackward(ids, gOut, gTable, 128), 1e-5, 1e-5);

  // AdamW on a parameter larger than one thread's share; state as float32, bit-identical to js on every set
  // (double arithmetic in js's order, no fused multiply-adds).
  const n = 100_003;
  const grad = f32(generator, n);
  agree(judge, 'adamw', [f32(generator, n), f32(generator, n, 0.1), f32(generator, n, 0.01).map(Math.abs)], (kernels, [param, m, v]) =>
    kernels.adamwUpdate({ param, grad, expAvg: m, expAvgSq: v, lr: 1e-3, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, biasCorrection1: 0.1, biasCorrection2: 0.01 }), 0, 0);

  // Elementwise ops above the native threshold: same shape, bias broadcast, scalar, strided rank 3.
  const big = f32(generator, 768 * 128), other = f32(generator, 768 * 128), row = f32(generator, 128), col = f32(generator, 768);
  for (const op of ['add', 'sub', 'mul', 'div'] as const) {
    agree(judge, `${op} same shape`, [new Float32Array(big.length)], (kernels, [out]) => kernels.binary(op, big, [128, 1], other, [128, 1], out, [768, 128]), 0, 0);
    agree(judge, `${op} row broadcast`, [new Float32Array(big.length)], (kernels, [out]) => kernels.binary(op, big, [128, 1], row, [0, 1], out, [768, 128]), 0, 0);
    agree(judge, `${op} column broadcast`, [new Float32Array(big.length)], (kernels, [out]) => kernels.binary(op, col, [1, 0], big, [128, 1], out, [768, 128]), 0, 0);
    agree(judge, `${op} scalar`, [new Float32Array(big.length)], (kernels, [out]) => kernels.binary(op, big, [128, 1], row.subarray(3, 4), [0, 0], out, [768, 128]), 0, 0);
    agree(judge, `${op} transposed rank 3`, [new Float32Array(big.length)], (kernels, [out]) =>
      kernels.binary(op, big, [1, 12 * 128, 12], other, [64 * 128, 128, 1], out, [12, 64, 128]), 0, 0);
  }
  // Strided copies (permute / contiguous / slice), bit-exact: the GPT's head split (B, T, 3, nh, hs) → (3, B, nh, T, hs),
  // the head merge, a slice at an offset with a step, a stride-2 innermost walk, and rank 1.
  const qkv = f32(generator, 12 * 64 * 384);
  agree(judge, 'copy head split', [new Float32Array(qkv.length)], (kernels, [out]) =>
    kernels.stridedCopy(qkv, 0, [128, 64 * 384, 32, 384, 1], [3, 12, 4, 64, 32], out), 0, 0);
  agree(judge, 'copy head merge', [new Float32Array(big.length)], (kernels, [out]) =>
    kernels.stridedCopy(big, 0, [4 * 64 * 32, 32, 64 * 32, 1], [12, 64, 4, 32], out), 0, 0);
  agree(judge, 'copy slice at offset', [new Float32Array(300 * 61)], (kernels, [out]) =>
    kernels.stridedCopy(big, 129, [256, 2], [300, 61], out), 0, 0);
  agree(judge, 'copy rank 1', [new Float32Array(4099)], (kernels, [out]) => kernels.stridedCopy(big, 7, [1], [4099], out), 0, 0);
  // Sum reductions, bit-identical to js on every backend and instruction set (double partial sums in js's order):
  // over rows into a bias gradient, over contiguous rows, a middle axis, 4,097 values near 1000 (off by
  // several units if accumulated in float32) and lengths around the four partial sums.
  agree(judge, 'sum over rows', [new Float32Array(128)], (kernels, [out]) => kernels.reduce('sum', big, 1, 768, 128, out), 0, 0);
  agree(judge, 'sum of rows', [new Float32Array(768)], (kernels, [out]) => kernels.reduce('sum', big, 768, 128, 1, out), 0, 0);
  agree(judge, 'sum middle axis', [new Float32Array(3 * 5)], (kernels, [out]) => kernels.reduce('sum', big.subarray(0, 3 * 4097 * 5), 3, 4097, 5, out), 0, 0);
  const nearThousand = f32(generator, 4097).map((v) => 1000 + v);
  agree(judge, 'sum of 4097 values near 1000', [new Float32Array(1)], (kernels, [out]) => kernels.reduce('sum', nearThousand, 1, 4097, 1, out), 0, 0);
  for (const n of [2048, 2049, 2050, 2051]) {
    agree(judge, `sum of 2 rows of ${n}`, [new Float32Array(2)], (kernels, [out]) => kernels.reduce('sum', big, 2, n, 1, out), 0, 0);
  }
  // In wasm these are the js kernels; natively they round differently (see checkRoundedNativeKernels).
  if (!judge.exact) checkRoundedNativeKernels(judge, generator, big, other);
  agree(judge, 'addScaled α = 1', [f32(generator, big.length)], (kernels, [dst]) => kernels.addScaled(dst, other, 1), 0, 0);
}

/** The native-only kernels whose float32 results are within rounding of js rather than equal: dot (float lanes in blocks), affine and addScaled (α rounded to float32). */
function checkRoundedNativeKernels(judge: Judge, generator: Generator, big: Float32Array, other: Float32Array): void {
  // Gradient clipping: the squared norm over 800K elements (block sums in double), odd lengths, and in-place scaling.
  for (const n of [800_001, 4099, 2048]) {
    const x = f32(generator, n);
    const mine = judge.backend.dot(x, x), reference = judge.reference.dot(x, x);
    assert.ok(Math.abs(mine - reference) <= 1e-6 * reference, `${judge.backend.name} dot of ${n}: ${mine} vs ${reference}`);
    const y = f32(generator, n);
    const cross = judge.backend.dot(x, y), crossReference = judge.reference.dot(x, y);
    assert.ok(Math.abs(cross - crossReference) <= 1e-5 * Math.sqrt(reference * judge.reference.dot(y, y)), `${judge.backend.name} x·y of ${n}`);
  }
  agree(judge, 'affine scale in place', [f32(generator, big.length)], (kernels, [x]) => kernels.affine(x, 0.731, 0, x), 2.5e-7, 0); // alpha rounded to float32 first: ≤ 1.5 ulp
  agree(judge, 'affine scale and shift', [new Float32Array(big.length)], (kernels, [out]) => kernels.affine(big, -1.5, 0.25, out), 1e-7, 1e-7);
  agree(judge, 'addScaled', [f32(generator, big.length)], (kernels, [dst]) => kernels.addScaled(dst, other, -0.37), 1e-6, 1e-7);
}

for (const backend of compiled) {
  test(`${backend.name}: every compiled kernel agrees with js on GPT-sized and odd-sized float32 problems`, () => {
    checkAllKernels({ backend, reference: jsBackend, exact: false }, 7);
  });

  test(`${backend.name}: float64 and mixed-dtype calls go to the js kernels (bit-identical)`, () => {
    const generator = new Generator(8);
    const a = randomArray(generator, 30 * 20, Float64Array), b = randomArray(generator, 20 * 10, Float32Array);
    const mine = new Float64Array(300), reference = new Float64Array(300);
    backend.matmul({ a, b, out: mine, m: 30, n: 10, k: 20, transA: false, transB: false });
    jsBackend.matmul({ a, b, out: reference, m: 30, n: 10, k: 20, transA: false, transB: false });
    assert.deepEqual(mine, reference);
    const x = randomArray(generator, 99, Float64Array, 3);
    const y1 = new Float64Array(99), y2 = new Float64Array(99);
    backend.geluForward(x, y1, 'none');
    jsBackend.geluForward(x, y2, 'none');
    assert.deepEqual(y1, y2);
  });

  test(`${backend.name}: invalid calls throw the js kernels' errors`, () => {
    assert.throws(() => backend.embeddingForward(new Float32Array(6), Int32Array.from([0, 2]), new Float32Array(6), 3, 2), /embeddingForward: id 2 at position 1 is outside the table of 2 rows/);
    assert.throws(() => backend.crossEntropyForward(new Float32Array(6), Int32Array.from([1, 3]), 2, 3, -100, 0, new Float32Array(2), new Float32Array(2)), /target 3 at row 1 is outside \[0, 3\)/);
    assert.throws(() => backend.layerNormForward(new Float32Array(5), null, null, new Float32Array(6), new Float32Array(2), new Float32Array(2), 2, 3, 1e-5), /layerNormForward: x has 5 elements/);
    assert.throws(() => backend.geluForward(new Float32Array(4), new Float32Array(3), 'none'), /geluForward: out has 3 elements, needs 4/);
    assert.throws(() => backend.adamwUpdate({
      param: new Float32Array(3), grad: new Float32Array(2), expAvg: new Float32Array(3), expAvgSq: new Float32Array(3),
      lr: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, biasCorrection1: 0.1, biasCorrection2: 0.001,
    }), /adamwUpdate: grad has 2 elements, param has 3/);
  });
}

/** The thread-split kernels (GEMM by rows and by columns, layerNorm rows, dot blocks, attention by batch·head) with `threads` threads. */
function threadSplitOutputs(backend: Backend, threads: number): (Float32Array | Float64Array)[] {
  setNumThreads(threads);
  const generator = new Generator(9);
  const a = f32(generator, 768 * 128), b = f32(generator, 128 * 384), outs: (Float32Array | Float64Array)[] = [];
  const out = new Float32Array(768 * 384);
  backend.matmul({ a, b, out, m: 768, n: 384, k: 128, transA: false, transB: false });
  outs.push(out);
  const gw = new Float32Array(128 * 384);
  backend.matmul({ a, b: out, out: gw, m: 128, n: 384, k: 768, transA: true, transB: false });
  outs.push(gw);
  const mean = new Float32Array(768), rstd = new Float32Array(768), gx = new Float32Array(768 * 128);
  const gWeight = new Float32Array(128), gBias = new Float32Array(128);
  backend.layerNormForward(a, null, null, new Float32Array(768 * 128), mean, rstd, 768, 128, 1e-5);
  backend.layerNormBackward(a, a.subarray(0, 128), mean, rstd, a, gx, gWeight, gBias, 768, 128);
  outs.push(gx, gWeight, gBias);
  // The gradient norm (dot over fixed blocks) and the packed attention backward, split by batch·head.
  outs.push(Float64Array.of(backend.dot(a, a), backend.dot(out, out)));
  const qkv = f32(generator, 4 * 64 * 384), packed: AttentionArgs = {
    batchHeads: 16, queryLength: 64, keyLength: 64, headDim: 32, valueDim: 32, scale: 0.2, causal: true,
    layout: packedLayout(64, 4, 32), q: qkv, k: qkv, v: qkv,
  };
  const y = new Float32Array(4 * 64 * 128), lse = new Float32Array(16 * 64), g = new Float32Array(qkv.length);
  backend.attentionForward(packed, y, lse);
  backend.attentionBackward(packed, y, lse, y, g, g, g);
  outs.push(y, g);
  return outs;
}

function assertThreadIndependent(backend: Backend, label: string): void {
  const before = getNumThreads();
  try {
    const one = threadSplitOutputs(backend, 1);
    const two = threadSplitOutputs(backend, 2);
    one.forEach((result, i) => assertSameBits(two[i], result, `${label} output ${i}`));
  } finally {
    setNumThreads(before);
  }
}

// These switch the addon's instruction set, so they come last (see forEachNativeIsa).
const wasm = compiled.find((backend) => backend.name === 'wasm');
if (compiled.some((backend) => backend.name === 'native')) {
  test('native: with every instruction set this CPU has, results agree with js and are bit-identical with 1 and 2 threads', () => {
    forEachNativeIsa((isa, backend) => {
      checkAllKernels({ backend, reference: jsBackend, exact: false }, 10);
      assertThreadIndependent(backend, `native ${isa}`);
    });
  });
}

if (wasm) {
  // Same C, same 4-float vectors, no fused multiply-add on either (SSE2 and SIMD128 have none).
  test('native generic and wasm: every compiled kernel gives the same bits', () => {
    forEachNativeIsa((isa, backend) => {
      if (isa === 'generic') checkAllKernels({ backend, reference: wasm, exact: true }, 11);
    });
  });
}

test('CI builds the native addon (npm ci runs node-gyp; the machine has a C compiler)', (t) => {
  // Outside CI a missing compiler is allowed (the backend falls back); in CI on
  // Linux x64 it would mean the install script silently failed.
  if (!process.env.CI || process.platform !== 'linux' || process.arch !== 'x64') {
    t.skip('not a Linux x64 CI run');
    return;
  }
  assert.ok(compiled.some((backend) => backend.name === 'native'), 'the native backend did not load in CI');
});
