/**
 * A Backend made of compiled C kernels (native addon or WebAssembly) over the js
 * reference backend: `{ ...jsBackend, ...compiled overrides }`.
 *
 * An override runs the C kernel when every float array is a Float32Array and
 * the call is valid (./checks.ts); anything else — float64 (gradient checks),
 * mixed dtypes, int32 data, an invalid call that must throw the js kernel's
 * error — goes to the js kernel unchanged. So every backend gives the same
 * errors, float64 results are bit-identical to js, and float32 results agree
 * with js within float32 rounding (the C kernels accumulate in float32 with
 * FMA where js accumulates in doubles; statistics and parameter-gradient sums
 * are kept in double in both).
 *
 * Compiled: matmul, GELU, LayerNorm, softmax / log-softmax, cross-entropy,
 * attention, embedding, AdamW (forward and backward where they have one), and,
 * from `elementwiseMinSize` elements, binary add/sub/mul/div, strided copies
 * (permute, contiguous, slicing), sum reductions, dot products, scaling
 * (affine with beta = 0) and addScaled. Everything else
 * (unary ops, comparisons, strided scatter-adds, conv1d, …) is the js kernel.
 */
import type {
  AdamWArgs, AnyArray, AttentionArgs, Backend, BinaryOpName, FloatArray, GeluApproximation, MatmulArgs, OperandLayout,
  ReduceOpName,
} from '../backend.js';
import { jsBackend } from '../js/index.js';
import {
  fitsLayout, idsInRange, isInt32, isSize, lengthsAtLeast, matmulIsValid, resolveAttention, rowsAreValid, stridedFits, targetsInRange,
} from './checks.js';
import type { RawKernels } from './raw-kernels.js';

export interface CompiledBackendOptions {
  /**
   * Binary ops, sum reductions and addScaled run compiled from this many
   * elements (below it the js loop is faster than the call); Infinity keeps
   * them in js (the wasm backend, where copying in and out costs more than the op).
   */
  elementwiseMinSize: number;
}

const BINARY_CODES: Partial<Record<BinaryOpName, number>> = { add: 0, sub: 1, mul: 2, div: 3 };
/** lmk_binary's LMK_COPY: out = the strided view of a; b is not read. */
const COPY_CODE = 4;
const UNREAD = new Float32Array(1);
const SCALAR = new Float32Array(1);
const UNIT_STRIDE = [1], ZERO_STRIDE = [0];
const MAX_RANK = 8;
/** Multiply-adds below which matmul runs the js kernel (8³). */
const SMALL_MATMUL = 512;

const isF32 = (x: AnyArray | null): x is Float32Array => x instanceof Float32Array;
const isF32OrNull = (x: FloatArray | null): x is Float32Array | null => x === null || x instanceof Float32Array;

function isApproximation(approximate: GeluApproximation): boolean {
  return approximate === 'none' || approximate === 'tanh';
}

export function createCompiledBackend(name: string, raw: RawKernels, options: CompiledBackendOptions): Backend {
  const js = jsBackend;
  const minSize = options.elementwiseMinSize;
  return {
    ...js,
    name,

    matmul(args: MatmulArgs): void {
      const { a, b, out, m, n, k } = args;
      const batch = args.batch ?? 1;
      const aStride = args.aBatchStride ?? m * k;
      const bStride = args.bBatchStride ?? k * n;
      const outStride = args.outBatchStride ?? m * n;
      // Tiny products stay in js: the js loop is as fast as the call, and validating tiny arrays for aliasing reads
      // `.buffer`, which makes V8 move an on-heap typed array off the heap (microseconds per call).
      if (batch * m * n * k < SMALL_MATMUL || !isF32(a) || !isF32(b) || !isF32(out) || !matmulIsValid(args, batch, aStride, bStride, outStride)) {
        js.matmul(args);
        return;
      }
      raw.matmul(a, b, out, m, n, k, args.transA, args.transB, batch, aStride, bStride, outStride, args.accumulate ?? false);
    },

    geluForward(x: FloatArray, out: FloatArray, approximate: GeluApproximation, bias?: FloatArray | null): void {
      const b = bias ?? null;
      if (!isF32(x) || !isF32(out) || !isF32OrNull(b) || !isApproximation(approximate) || out.length < x.length || !biasDivides(b, x.length)) {
        js.geluForward(x, out, approximate, bias);
        return;
      }
      raw.geluForward(x, out, approximate === 'tanh', b);
    },

    geluBackward(x: FloatArray, gy: FloatArray, gx: FloatArray, approximate: GeluApproximation, bias?: FloatArray | null): void {
      const b = bias ?? null;
      if (!isF32(x) || !isF32(gy) || !isF32(gx) || !isF32OrNull(b) || !isApproximation(approximate) ||
        !lengthsAtLeast(x.length, [gy, gx]) || !biasDivides(b, x.length)) {
        js.geluBackward(x, gy, gx, approximate, bias);
        return;
      }
      raw.geluBackward(x, gy, gx, approximate === 'tanh', b);
    },

    layerNormForward(x, weight, bias, out, mean, rstd, rows, cols, eps): void {
      if (!isF32(x) || !isF32OrNull(weight) || !isF32OrNull(bias) || !isF32(out) || !isF32(mean) || !isF32(rstd) ||
        !rowsAreValid(rows, cols, 1, [x, out]) || !lengthsAtLeast(cols, [weight, bias]) || !lengthsAtLeast(rows, [mean, rstd])) {
        js.layerNormForward(x, weight, bias, out, mean, rstd, rows, cols, eps);
        return;
      }
      raw.layerNormForward(x, weight, bias, out, mean, rstd, rows, cols, eps);
    },

    layerNormBackward(x, weight, mean, rstd, gy, gx, gWeight, gBias, rows, cols): void {
      if (!isF32(x) || !isF32OrNull(weight) || !isF32(mean) || !isF32(rstd) || !isF32(gy) || !isF32(gx) ||
        !isF32OrNull(gWeight) || !isF32OrNull(gBias) || !rowsAreValid(rows, cols, 1, [x, gy, gx]) ||
        !lengthsAtLeast(cols, [weight, gWeight, gBias]) || !lengthsAtLeast(rows, [mean, rstd])) {
        js.layerNormBackward(x, weight, mean, rstd, gy, gx, gWeight, gBias, rows, cols);
        return;
      }
      raw.layerNormBackward(x, weight, mean, rstd, gy, gx, gWeight, gBias, rows, cols);
    },

    softmaxForward(x, out, rows, cols): void {
      if (!isF32(x) || !isF32(out) || !rowsAreValid(rows, cols, 0, [x, out])) {
        js.softmaxForward(x, out, rows, cols);
        return;
      }
      raw.softmaxForward(x, out, rows, cols, false);
    },

    softmaxBackward(y, gy, gx, rows, cols): void {
      if (!isF32(y) || !isF32(gy) || !isF32(gx) || !rowsAreValid(rows, cols, 0, [y, gy, gx])) {
        js.softmaxBackward(y, gy, gx, rows, cols);
        return;
      }
      raw.softmaxBackward(y, gy, gx, rows, cols, false);
    },

    logSoftmaxForward(x, out, rows, cols): void {
      if (!isF32(x) || !isF32(out) || !rowsAreValid(rows, cols, 0, [x, out])) {
        js.logSoftmaxForward(x, out, rows, cols);
        return;
      }
      raw.softmaxForward(x, out, rows, cols, true);
    },

    logSoftmaxBackward(y, gy, gx, rows, cols): void {
      if (!isF32(y) || !isF32(gy) || !isF32(gx) || !rowsAreValid(rows, cols, 0, [y, gy, gx])) {
        js.logSoftmaxBackward(y, gy, gx, rows, cols);
        return;
      }
      raw.softmaxBackward(y, gy, gx, rows, cols, true);
    },

    crossEntropyForward(logits, targets, rows, classes, ignoreIndex, labelSmoothing, lossPerRow, logSumExp): void {
      if (!isF32(logits) || !isF32(lossPerRow) || !isF32(logSumExp) || !rowsAreValid(rows, classes, 1, [logits]) ||
        !lengthsAtLeast(rows, [targets, lossPerRow, logSumExp]) || !isInt32(ignoreIndex) ||
        !(labelSmoothing >= 0 && labelSmoothing <= 1) || !targetsInRange(targets, rows, classes, ignoreIndex)) {
        js.crossEntropyForward(logits, targets, rows, classes, ignoreIndex, labelSmoothing, lossPerRow, logSumExp);
        return;
      }
      raw.crossEntropyForward(logits, targets, rows, classes, ignoreIndex, labelSmoothing, lossPerRow, logSumExp);
    },

    crossEntropyBackward(logits, targets, logSumExp, rows, classes, ignoreIndex, labelSmoothing, rowScale, gLogits): void {
      if (!isF32(logits) || !isF32(logSumExp) || !isF32(rowScale) || !isF32(gLogits) ||
        !rowsAreValid(rows, classes, 1, [logits, gLogits]) || !lengthsAtLeast(rows, [targets, logSumExp, rowScale]) ||
        !isInt32(ignoreIndex) || !(labelSmoothing >= 0 && labelSmoothing <= 1) ||
        !targetsInRange(targets, rows, classes, ignoreIndex)) {
        js.crossEntropyBackward(logits, targets, logSumExp, rows, classes, ignoreIndex, labelSmoothing, rowScale, gLogits);
        return;
      }
      raw.crossEntropyBackward(logits, targets, logSumExp, rows, classes, ignoreIndex, labelSmoothing, rowScale, gLogits);
    },

    attentionForward(args: AttentionArgs, out: FloatArray, logSumExp: FloatArray): void {
      const { q, k, v } = args;
      const mask = args.mask ?? null;
      const shape = isF32(q) && isF32(k) && isF32(v) && isF32OrNull(mask) && isF32(out) && isF32(logSumExp) ? resolveAttention(args) : null;
      if (!shape || !isF32(q) || !isF32(k) || !isF32(v) || !isF32OrNull(mask) || !isF32(out) || !isF32(logSumExp) ||
        !fitsLayout(out, shape.layout.out, shape.batchHeads, shape.layout.heads, shape.queryLength, shape.valueDim) ||
        logSumExp.length < shape.batchHeads * shape.queryLength) {
        js.attentionForward(args, out, logSumExp);
        return;
      }
      raw.attentionForward(shape, q, k, v, mask, out, logSumExp);
    },

    attentionBackward(args: AttentionArgs, out, logSumExp, gOut, gq, gk, gv): void {
      const { q, k, v } = args;
      const mask = args.mask ?? null;
      const shape = isF32(q) && isF32(k) && isF32(v) && isF32OrNull(mask) && isF32(out) && isF32(logSumExp) && isF32(gOut) &&
        isF32(gq) && isF32(gk) && isF32(gv) ? resolveAttention(args) : null;
      if (!shape || !isF32(q) || !isF32(k) || !isF32(v) || !isF32OrNull(mask) || !isF32(out) || !isF32(logSumExp) ||
        !isF32(gOut) || !isF32(gq) || !isF32(gk) || !isF32(gv)) {
        js.attentionBackward(args, out, logSumExp, gOut, gq, gk, gv);
        return;
      }
      const { batchHeads: bh, queryLength: tq, keyLength: tk, headDim, valueDim, layout } = shape;
      const fits = (array: Float32Array, operand: OperandLayout, rows: number, width: number): boolean =>
        fitsLayout(array, operand, bh, layout.heads, rows, width);
      if (!fits(out, layout.out, tq, valueDim) || !fits(gOut, layout.out, tq, valueDim) || logSumExp.length < bh * tq ||
        !fits(gq, layout.q, tq, headDim) || !fits(gk, layout.k, tk, headDim) || !fits(gv, layout.v, tk, valueDim)) {
        js.attentionBackward(args, out, logSumExp, gOut, gq, gk, gv);
        return;
      }
      raw.attentionBackward(shape, q, k, v, mask, out, logSumExp, gOut, gq, gk, gv);
    },

    embeddingForward(table, ids, out, dim, rows): void {
      if (!isF32(table) || !isF32(out) || !isSize(dim) || !isSize(rows) || table.length < rows * dim ||
        out.length < ids.length * dim || !idsInRange(ids, rows)) {
        js.embeddingForward(table, ids, out, dim, rows);
        return;
      }
      raw.embeddingForward(table, ids, out, dim);
    },

    embeddingBackward(ids, gOut, gTable, dim): void {
      if (!isF32(gOut) || !isF32(gTable) || !isSize(dim) || dim < 1 || gOut.length < ids.length * dim ||
        !idsInRange(ids, Math.floor(gTable.length / dim))) {
        js.embeddingBackward(ids, gOut, gTable, dim);
        return;
      }
      raw.embeddingBackward(ids, gOut, gTable, dim);
    },

    adamwUpdate(args: AdamWArgs): void {
      const { param, grad, expAvg, expAvgSq } = args;
      if (!isF32(param) || !isF32(grad) || !isF32(expAvg) || !isF32(expAvgSq) || grad.length !== param.length ||
        expAvg.length !== param.length || expAvgSq.length !== param.length ||
        !(args.biasCorrection1 > 0 && args.biasCorrection2 > 0)) {
        js.adamwUpdate(args);
        return;
      }
      raw.adamwUpdate(
        param, grad, expAvg, expAvgSq, args.lr, args.beta1, args.beta2, args.eps, args.weightDecay,
        args.biasCorrection1, args.biasCorrection2,
      );
    },

    binary(op: BinaryOpName, a: AnyArray, aStrides: readonly number[], b: AnyArray, bStrides: readonly number[], out: AnyArray, shape: readonly number[]): void {
      const code = BINARY_CODES[op];
      if (code === undefined || out.length < minSize || !isF32(a) || !isF32(b) || !isF32(out) || shape.length > MAX_RANK ||
        aStrides.length !== shape.length || bStrides.length !== shape.length || !shapeMatches(out.length, shape) ||
        !stridedFits(a, aStrides, shape) || !stridedFits(b, bStrides, shape)) {
        js.binary(op, a, aStrides, b, bStrides, out, shape);
        return;
      }
      raw.binary(code, a, aStrides, b, bStrides, out, shape);
    },

    stridedCopy(src: AnyArray, srcOffset: number, srcStrides: readonly number[], shape: readonly number[], dst: AnyArray): void {
      const view = isF32(src) && isSize(srcOffset) && srcOffset < src.length ? src.subarray(srcOffset) : null;
      if (!view || dst.length < minSize || !isF32(dst) || shape.length > MAX_RANK || srcStrides.length !== shape.length ||
        !shapeMatches(dst.length, shape) || !stridedFits(view, srcStrides, shape)) {
        js.stridedCopy(src, srcOffset, srcStrides, shape, dst);
        return;
      }
      raw.binary(COPY_CODE, view, srcStrides, UNREAD, shape.map(() => 0), dst, shape);
    },

    reduce(op: ReduceOpName, x: AnyArray, outer: number, n: number, inner: number, out: AnyArray): void {
      if (op !== 'sum' || !isF32(x) || !isF32(out) || !isSize(outer) || !isSize(n) || !isSize(inner) ||
        outer * n * inner < minSize || x.length < outer * n * inner || out.length < outer * inner) {
        js.reduce(op, x, outer, n, inner, out);
        return;
      }
      raw.reduceSum(x, outer, n, inner, out);
    },

    dot(x: AnyArray, y: AnyArray): number {
      if (!isF32(x) || !isF32(y) || x.length < minSize || y.length < x.length) return js.dot(x, y);
      return raw.dot(x, y);
    },

    affine(x: AnyArray, alpha: number, beta: number, out: AnyArray): void {
      // alpha·x as a multiply by a broadcast scalar (the gradient-clipping scale); beta ≠ 0 stays in js.
      if (beta !== 0 || !isF32(x) || !isF32(out) || x.length < minSize || out.length !== x.length || !Number.isFinite(alpha)) {
        js.affine(x, alpha, beta, out);
        return;
      }
      SCALAR[0] = alpha;
      raw.binary(BINARY_CODES.mul as number, x, UNIT_STRIDE, SCALAR, ZERO_STRIDE, out, [x.length]);
    },

    addScaled(dst: AnyArray, src: AnyArray, alpha: number): void {
      if (!isF32(dst) || !isF32(src) || dst.length < minSize || src.length < dst.length) {
        js.addScaled(dst, src, alpha);
        return;
      }
      raw.addScaled(dst, src, alpha);
    },
  };
}

/** No bias, or one whose length (≥ 1) divides n: the kernels index it by i mod length. */
function biasDivides(bias: FloatArray | null, n: number): boolean {
  return bias === null || (bias.length > 0 && isSize(n) && n % bias.length === 0);
}

/** out holds exactly the elements of `shape` (every dim a size). */
function shapeMatches(length: number, shape: readonly number[]): boolean {
  let size = 1;
  for (const dim of shape) {
    if (!isSize(dim)) return false;
    size *= dim;
  }
  return size === length;
}
