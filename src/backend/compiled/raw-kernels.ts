/**
 * The float32 entry points of the C kernels (native/), as both builds expose
 * them to TypeScript: the Node addon (src/node/backend/native.ts, zero-copy) and
 * the WebAssembly module (src/backend/wasm/, copying through linear memory).
 *
 * Callers have validated everything: every array is a Float32Array (ids and
 * targets Int32Array) long enough for the sizes given, ids and targets are in
 * range, sizes are non-negative integers. The kernels do not check again — an
 * invalid call here reads or writes out of bounds. createCompiledBackend
 * (./create-backend.ts) is the only caller.
 */

import type { AttentionLayout } from '../backend.js';

/** AttentionGeometry with the mask and operand layouts resolved (see checks.ts: resolveAttention). */
export interface ResolvedAttention {
  batchHeads: number;
  queryLength: number;
  keyLength: number;
  headDim: number;
  valueDim: number;
  scale: number;
  causal: boolean;
  /** Elements between consecutive mask batches (0: one mask for every batch·head). */
  maskStride: number;
  /** Consecutive batch·head indices that share one mask batch (≥ 1). */
  headsPerMask: number;
  /** Where the rows of q, k, v, out (and gq, gk, gv, gOut) live; validated against the arrays. */
  layout: AttentionLayout;
}

export interface RawKernels {
  matmul(
    a: Float32Array, b: Float32Array, out: Float32Array, m: number, n: number, k: number, transA: boolean, transB: boolean,
    batch: number, aBatchStride: number, bBatchStride: number, outBatchStride: number, accumulate: boolean,
  ): void;
  /** n = x.length. With a bias (cols, dividing n): GELU(x + bias) broadcast over rows. */
  geluForward(x: Float32Array, out: Float32Array, tanh: boolean, bias: Float32Array | null): void;
  geluBackward(x: Float32Array, gy: Float32Array, gx: Float32Array, tanh: boolean, bias: Float32Array | null): void;
  layerNormForward(
    x: Float32Array, weight: Float32Array | null, bias: Float32Array | null, out: Float32Array,
    mean: Float32Array, rstd: Float32Array, rows: number, cols: number, eps: number,
  ): void;
  layerNormBackward(
    x: Float32Array, weight: Float32Array | null, mean: Float32Array, rstd: Float32Array, gy: Float32Array,
    gx: Float32Array, gWeight: Float32Array | null, gBias: Float32Array | null, rows: number, cols: number,
  ): void;
  softmaxForward(x: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean): void;
  softmaxBackward(y: Float32Array, gy: Float32Array, gx: Float32Array, rows: number, cols: number, log: boolean): void;
  crossEntropyForward(
    logits: Float32Array, targets: Int32Array, rows: number, classes: number, ignoreIndex: number, labelSmoothing: number,
    lossPerRow: Float32Array, logSumExp: Float32Array,
  ): void;
  crossEntropyBackward(
    logits: Float32Array, targets: Int32Array, logSumExp: Float32Array, rows: number, classes: number, ignoreIndex: number,
    labelSmoothing: number, rowScale: Float32Array, gLogits: Float32Array,
  ): void;
  attentionForward(
    shape: ResolvedAttention, q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null,
    out: Float32Array, logSumExp: Float32Array,
  ): void;
  attentionBackward(
    shape: ResolvedAttention, q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null,
    out: Float32Array, logSumExp: Float32Array, gOut: Float32Array, gq: Float32Array, gk: Float32Array, gv: Float32Array,
  ): void;
  /** count = ids.length */
  embeddingForward(table: Float32Array, ids: Int32Array, out: Float32Array, dim: number): void;
  embeddingBackward(ids: Int32Array, gOut: Float32Array, gTable: Float32Array, dim: number): void;
  /** n = param.length */
  adamwUpdate(
    param: Float32Array, grad: Float32Array, expAvg: Float32Array, expAvgSq: Float32Array, lr: number, beta1: number,
    beta2: number, eps: number, weightDecay: number, biasCorrection1: number, biasCorrection2: number,
  ): void;
  /** op: 0 add, 1 sub, 2 mul, 3 div, 4 copy (out = the strided view of a; b unread); rank ≤ 8; out contiguous of `shape`. */
  binary(
    op: number, a: Float32Array, aStrides: readonly number[], b: Float32Array, bStrides: readonly number[],
    out: Float32Array, shape: readonly number[],
  ): void;
  reduceSum(x: Float32Array, outer: number, n: number, inner: number, out: Float32Array): void;
  /** dst[i] += alpha·src[i] for i < dst.length. */
  addScaled(dst: Float32Array, src: Float32Array, alpha: number): void;
  /** Σ x[i]·y[i] for i < x.length (y at least as long), block sums in double. */
  dot(x: Float32Array, y: Float32Array): number;
}
