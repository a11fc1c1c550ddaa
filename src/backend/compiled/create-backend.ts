/**
 * A Backend made of compiled C kernels (native addon or WebAssembly) over the js
 * reference backend: the js backend with some kernels overridden.
 *
 * Each override is one entry of a table: the kernel's name, a guard saying when
 * the C kernel applies to a call, and the call into C. The guard passes only
 * when every float array is a Float32Array and the call is valid (./checks.ts);
 * anything else — float64 (gradient checks), mixed dtypes, int32 data, an
 * invalid call that must throw the js kernel's error — goes to the js kernel
 * unchanged. So every backend gives the same errors, float64 results are
 * bit-identical to js, and float32 results agree with js within float32
 * rounding (the C kernels accumulate in float32 with FMA where js accumulates
 * in doubles; statistics and parameter-gradient sums are kept in double in both).
 *
 * Compiled: matmul, GELU, LayerNorm, softmax / log-softmax, cross-entropy,
 * attention, embedding, AdamW (forward and backward where they have one), and,
 * from `elementwiseMinSize` elements, binary add/sub/mul/div, strided copies
 * (permute, contiguous, slicing), sum reductions, dot products, scaling
 * (affine with beta = 0) and addScaled. Everything else
 * (unary ops, comparisons, strided scatter-adds, conv1d, …) is the js kernel.
 */
import type { AnyArray, Backend, BinaryOpName, FloatArray, GeluApproximation, OperandLayout } from '../backend.js';
import { jsBackend } from '../js/index.js';
import {
  fitsLayout, idsInRange, isInt32, isSize, lengthsAtLeast, matmulIsValid, resolveAttention, rowsAreValid, stridedFits, targetsInRange,
} from './checks.js';
import type { RawKernels, ResolvedAttention } from './raw-kernels.js';

export interface CompiledBackendOptions {
  /**
   * Binary ops, sum reductions and addScaled run compiled from this many
   * elements (below it the js loop is faster than the call); Infinity keeps
   * them in js (the wasm backend, where copying in and out costs more than the op).
   */
  elementwiseMinSize: number;
}

/** Every kernel of a Backend (all its members but its name). */
type KernelName = Exclude<keyof Backend, 'name'>;
type KernelArgs<K extends KernelName> = Parameters<Backend[K]>;
type KernelResult<K extends KernelName> = ReturnType<Backend[K]>;

/**
 * An argument as a compiled kernel sees it once its guard passed: float arrays
 * (directly or inside an args object) are Float32Array. An argument declared
 * Int32Array (ids, targets) stays one.
 */
type AsFloat32<T> =
  [T] extends [Int32Array] ? T
  : T extends Float64Array | Int32Array ? never
  : T extends Float32Array | readonly unknown[] ? T
  : T extends object ? { [P in keyof T]: AsFloat32<T[P]> }
  : T;
type Float32Args<Args> = { [I in keyof Args]: AsFloat32<Args[I]> };

/** One compiled kernel in place of the js one. */
interface KernelOverride<K extends KernelName> {
  /**
   * The C kernel can run these arguments: every float array is a Float32Array
   * and the call is valid. Otherwise the js kernel runs them.
   */
  applies(...args: KernelArgs<K>): boolean;
  /** The call into C; reached only when `applies` passed. */
  run(...args: Float32Args<KernelArgs<K>>): KernelResult<K>;
}

type KernelOverrides = { [K in KernelName]?: KernelOverride<K> };

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

export function createCompiledBackend(name: string, raw: RawKernels, options: CompiledBackendOptions): Backend {
  const overrides: KernelOverrides = {
    ...layerOverrides(raw),
    ...attentionOverrides(raw),
    ...elementwiseOverrides(raw, options.elementwiseMinSize),
  };
  const backend: Backend = { ...jsBackend, name };
  for (const kernel of Object.keys(overrides) as KernelName[]) installOverride(backend, kernel, overrides[kernel]);
  return backend;
}

/** Replace backend[kernel] by: the compiled call when its guard passes, else the js kernel. */
function installOverride<K extends KernelName>(backend: Backend, kernel: K, override: KernelOverride<K> | undefined): void {
  if (!override) return;
  const fallback = jsBackend[kernel] as (...args: KernelArgs<K>) => KernelResult<K>;
  const dispatch = (...args: KernelArgs<K>): KernelResult<K> =>
    // The guard has checked every float array is a Float32Array, which is all the cast claims.
    override.applies(...args) ? override.run(...(args as Float32Args<KernelArgs<K>>)) : fallback(...args);
  backend[kernel] = dispatch as Backend[K];
}

/** The layer kernels: matmul, GELU, LayerNorm, softmax, cross-entropy, embedding, AdamW. */
function layerOverrides(raw: RawKernels): KernelOverrides {
  return {
    matmul: {
      // Tiny products stay in js: the js loop is as fast as the call, and validating tiny arrays for aliasing reads
      // `.buffer`, which makes V8 move an on-heap typed array off the heap (microseconds per call).
      applies: (args) => {
        const { a, b, out, m, n, k } = args;
        const { batch, aStride, bStride, outStride } = matmulBatching(args);
        return batch * m * n * k >= SMALL_MATMUL && isF32(a) && isF32(b) && isF32(out) &&
          matmulIsValid(args, batch, aStride, bStride, outStride);
      },
      run: (args) => {
        const { batch, aStride, bStride, outStride } = matmulBatching(args);
        raw.matmul(args.a, args.b, args.out, args.m, args.n, args.k, args.transA, args.transB, batch, aStride, bStride, outStride,
          args.accumulate ?? false);
      },
    },
    geluForward: {
      applies: (x, out, approximate, bias) => isF32(x) && isF32(out) && isF32OrNull(bias ?? null) && isApproximation(approximate) &&
        out.length >= x.length && biasDivides(bias ?? null, x.length),
      run: (x, out, approximate, bias) => raw.geluForward(x, out, approximate === 'tanh', bias ?? null),
    },
    geluBackward: {
      applies: (x, gy, gx, approximate, bias) => isF32(x) && isF32(gy) && isF32(gx) && isF32OrNull(bias ?? null) &&
        isApproximation(approximate) && lengthsAtLeast(x.length, [gy, gx]) && biasDivides(bias ?? null, x.length),
      run: (x, gy, gx, approximate, bias) => raw.geluBackward(x, gy, gx, approximate === 'tanh', bias ?? null),
    },
    layerNormForward: {
      applies: (x, weight, bias, out, mean, rstd, rows, cols) => isF32(x) && isF32OrNull(weight) && isF32OrNull(bias) && isF32(out) &&
        isF32(mean) && isF32(rstd) && rowsAreValid(rows, cols, 1, [x, out]) && lengthsAtLeast(cols, [weight, bias]) &&
        lengthsAtLeast(rows, [mean, rstd]),
      run: (...args) => raw.layerNormForward(...args),
    },
    layerNormBackward: {
      applies: (x, weight, mean, rstd, gy, gx, gWeight, gBias, rows, cols) => isF32(x) && isF32OrNull(weight) && isF32(mean) &&
        isF32(rstd) && isF32(gy) && isF32(gx) && isF32OrNull(gWeight) && isF32OrNull(gBias) && rowsAreValid(rows, cols, 1, [x, gy, gx]) &&
        lengthsAtLeast(cols, [weight, gWeight, gBias]) && lengthsAtLeast(rows, [mean, rstd]),
      run: (...args) => raw.layerNormBackward(...args),
    },
    ...softmaxOverrides(raw),
    ...crossEntropyOverrides(raw),
    embeddingForward: {
      applies: (table, ids, out, dim, rows) => isF32(table) && isF32(out) && isSize(dim) && isSize(rows) && table.length >= rows * dim &&
        out.length >= ids.length * dim && idsInRange(ids, rows),
      run: (table, ids, out, dim) => raw.embeddingForward(table, ids, out, dim),
    },
    embeddingBackward: {
      applies: (ids, gOut, gTable, dim) => isF32(gOut) && isF32(gTable) && isSize(dim) && dim >= 1 && gOut.length >= ids.length * dim &&
        idsInRange(ids, Math.floor(gTable.length / dim)),
      run: (...args) => raw.embeddingBackward(...args),
    },
    adamwUpdate: {
      applies: ({ param, grad, expAvg, expAvgSq, biasCorrection1, biasCorrection2 }) => isF32(param) && isF32(grad) && isF32(expAvg) &&
        isF32(expAvgSq) && grad.length === param.length && expAvg.length === param.length && expAvgSq.length === param.length &&
        biasCorrection1 > 0 && biasCorrection2 > 0,
      run: (args) => raw.adamwUpdate(
        args.param, args.grad, args.expAvg, args.expAvgSq, args.lr, args.beta1, args.beta2, args.eps, args.weightDecay,
        args.biasCorrection1, args.biasCorrection2,
      ),
    },
  };
}

/** Softmax and log-softmax, forward and backward: one C kernel each way, with a log flag. */
function softmaxOverrides(raw: RawKernels): KernelOverrides {
  const forwardApplies = (x: FloatArray, out: FloatArray, rows: number, cols: number): boolean =>
    isF32(x) && isF32(out) && rowsAreValid(rows, cols, 0, [x, out]);
  const backwardApplies = (y: FloatArray, gy: FloatArray, gx: FloatArray, rows: number, cols: number): boolean =>
    isF32(y) && isF32(gy) && isF32(gx) && rowsAreValid(rows, cols, 0, [y, gy, gx]);
  return {
    softmaxForward: { applies: forwardApplies, run: (x, out, rows, cols) => raw.softmaxForward(x, out, rows, cols, false) },
    softmaxBackward: { applies: backwardApplies, run: (y, gy, gx, rows, cols) => raw.softmaxBackward(y, gy, gx, rows, cols, false) },
    logSoftmaxForward: { applies: forwardApplies, run: (x, out, rows, cols) => raw.softmaxForward(x, out, rows, cols, true) },
    logSoftmaxBackward: { applies: backwardApplies, run: (y, gy, gx, rows, cols) => raw.softmaxBackward(y, gy, gx, rows, cols, true) },
  };
}

function crossEntropyOverrides(raw: RawKernels): KernelOverrides {
  /** The settings and targets both directions share. */
  const targetsAreValid = (targets: Int32Array, rows: number, classes: number, ignoreIndex: number, labelSmoothing: number): boolean =>
    isInt32(ignoreIndex) && labelSmoothing >= 0 && labelSmoothing <= 1 && targetsInRange(targets, rows, classes, ignoreIndex);
  return {
    crossEntropyForward: {
      applies: (logits, targets, rows, classes, ignoreIndex, labelSmoothing, lossPerRow, logSumExp) =>
        isF32(logits) && isF32(lossPerRow) && isF32(logSumExp) && rowsAreValid(rows, classes, 1, [logits]) &&
        lengthsAtLeast(rows, [targets, lossPerRow, logSumExp]) && targetsAreValid(targets, rows, classes, ignoreIndex, labelSmoothing),
      run: (...args) => raw.crossEntropyForward(...args),
    },
    crossEntropyBackward: {
      applies: (logits, targets, logSumExp, rows, classes, ignoreIndex, labelSmoothing, rowScale, gLogits) =>
        isF32(logits) && isF32(logSumExp) && isF32(rowScale) && isF32(gLogits) && rowsAreValid(rows, classes, 1, [logits, gLogits]) &&
        lengthsAtLeast(rows, [targets, logSumExp, rowScale]) && targetsAreValid(targets, rows, classes, ignoreIndex, labelSmoothing),
      run: (...args) => raw.crossEntropyBackward(...args),
    },
  };
}

/**
 * Attention forward and backward. The guard resolves the problem's shape
 * (resolveAttention) and the call needs it too; as the two run back to back,
 * the guard leaves it in `resolved` rather than resolving it twice.
 */
function attentionOverrides(raw: RawKernels): KernelOverrides {
  let resolved: ResolvedAttention | null = null;
  const takeResolved = (): ResolvedAttention => {
    if (!resolved) throw new Error('compiled attention: called without its guard');
    return resolved;
  };
  return {
    attentionForward: {
      applies: (args, out, logSumExp) => {
        const { q, k, v } = args;
        const allF32 = isF32(q) && isF32(k) && isF32(v) && isF32OrNull(args.mask ?? null) && isF32(out) && isF32(logSumExp);
        resolved = allF32 ? resolveAttention(args) : null;
        return resolved !== null &&
          fitsLayout(out, resolved.layout.out, resolved.batchHeads, resolved.layout.heads, resolved.queryLength, resolved.valueDim) &&
          logSumExp.length >= resolved.batchHeads * resolved.queryLength;
      },
      run: (args, out, logSumExp) => raw.attentionForward(takeResolved(), args.q, args.k, args.v, args.mask ?? null, out, logSumExp),
    },
    attentionBackward: {
      applies: (args, out, logSumExp, gOut, gq, gk, gv) => {
        const { q, k, v } = args;
        const allF32 = isF32(q) && isF32(k) && isF32(v) && isF32OrNull(args.mask ?? null) && isF32(out) && isF32(logSumExp) &&
          isF32(gOut) && isF32(gq) && isF32(gk) && isF32(gv);
        resolved = allF32 ? resolveAttention(args) : null;
        return resolved !== null && attentionGradientsFit(resolved, out, logSumExp, gOut, gq, gk, gv);
      },
      run: (args, out, logSumExp, gOut, gq, gk, gv) =>
        raw.attentionBackward(takeResolved(), args.q, args.k, args.v, args.mask ?? null, out, logSumExp, gOut, gq, gk, gv),
    },
  };
}

/** The output, its gradient and the input gradients all hold what their layouts reach. */
function attentionGradientsFit(
  shape: ResolvedAttention, out: FloatArray, logSumExp: FloatArray, gOut: FloatArray, gq: FloatArray, gk: FloatArray, gv: FloatArray,
): boolean {
  const { batchHeads, queryLength, keyLength, headDim, valueDim, layout } = shape;
  const fits = (array: FloatArray, operand: OperandLayout, rows: number, width: number): boolean =>
    fitsLayout(array, operand, batchHeads, layout.heads, rows, width);
  return fits(out, layout.out, queryLength, valueDim) && fits(gOut, layout.out, queryLength, valueDim) &&
    logSumExp.length >= batchHeads * queryLength && fits(gq, layout.q, queryLength, headDim) &&
    fits(gk, layout.k, keyLength, headDim) && fits(gv, layout.v, keyLength, valueDim);
}

/**
 * The elementwise, copy and reduction kernels, compiled only from `minSize`
 * elements: below that the js loop is faster than the call.
 */
function elementwiseOverrides(raw: RawKernels, minSize: number): KernelOverrides {
  return {
    binary: {
      applies: (op, a, aStrides, b, bStrides, out, shape) => BINARY_CODES[op] !== undefined && out.length >= minSize && isF32(a) &&
        isF32(b) && isF32(out) && shape.length <= MAX_RANK && aStrides.length === shape.length && bStrides.length === shape.length &&
        shapeMatches(out.length, shape) && stridedFits(a, aStrides, shape) && stridedFits(b, bStrides, shape),
      run: (op, a, aStrides, b, bStrides, out, shape) => raw.binary(BINARY_CODES[op] as number, a, aStrides, b, bStrides, out, shape),
    },
    stridedCopy: {
      // The copy reads the view of src from srcOffset on, so that view's length is what the strides must fit.
      applies: (src, srcOffset, srcStrides, shape, dst) => isF32(src) && isSize(srcOffset) && srcOffset < src.length &&
        dst.length >= minSize && isF32(dst) && shape.length <= MAX_RANK && srcStrides.length === shape.length &&
        shapeMatches(dst.length, shape) && stridedFits({ length: src.length - srcOffset }, srcStrides, shape),
      run: (src, srcOffset, srcStrides, shape, dst) =>
        raw.binary(COPY_CODE, src.subarray(srcOffset), srcStrides, UNREAD, shape.map(() => 0), dst, shape),
    },
    reduce: {
      applies: (op, x, outer, n, inner, out) => op === 'sum' && isF32(x) && isF32(out) && isSize(outer) && isSize(n) && isSize(inner) &&
        outer * n * inner >= minSize && x.length >= outer * n * inner && out.length >= outer * inner,
      run: (_op, x, outer, n, inner, out) => raw.reduceSum(x, outer, n, inner, out),
    },
    dot: {
      applies: (x, y) => isF32(x) && isF32(y) && x.length >= minSize && y.length >= x.length,
      run: (x, y) => raw.dot(x, y),
    },
    affine: {
      // alpha·x as a multiply by a broadcast scalar (the gradient-clipping scale); beta ≠ 0 stays in js.
      applies: (x, alpha, beta, out) => beta === 0 && isF32(x) && isF32(out) && x.length >= minSize && out.length === x.length &&
        Number.isFinite(alpha),
      run: (x, alpha, _beta, out) => {
        SCALAR[0] = alpha;
        raw.binary(BINARY_CODES.mul as number, x, UNIT_STRIDE, SCALAR, ZERO_STRIDE, out, [x.length]);
      },
    },
    addScaled: {
      applies: (dst, src) => isF32(dst) && isF32(src) && dst.length >= minSize && src.length >= dst.length,
      run: (...args) => raw.addScaled(...args),
    },
  };
}

/** matmul's batch count and batch strides, defaulted as the Backend interface documents. */
function matmulBatching(args: { m: number; n: number; k: number; batch?: number; aBatchStride?: number; bBatchStride?: number; outBatchStride?: number }):
  { batch: number; aStride: number; bStride: number; outStride: number } {
  const { m, n, k } = args;
  return {
    batch: args.batch ?? 1,
    aStride: args.aBatchStride ?? m * k,
    bStride: args.bBatchStride ?? k * n,
    outStride: args.outBatchStride ?? m * n,
  };
}

function isApproximation(approximate: GeluApproximation): boolean {
  return approximate === 'none' || approximate === 'tanh';
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
