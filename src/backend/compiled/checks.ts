/**
 * Preconditions of the compiled (C) kernels, as predicates. A compiled backend
 * calls the C kernel only when these hold — every array long enough, every size
 * a non-negative integer below 2³¹, ids and targets in range, no aliasing the
 * kernel cannot handle — and otherwise hands the call to the js kernel, which
 * either throws its usual error (so error messages are the same on every
 * backend) or, for cases the C code does not cover, computes the result.
 */
import { attentionLayout, operandSpan } from '../attention-layout.js';
import type { AttentionArgs, FloatArray, MatmulArgs, OperandLayout } from '../backend.js';
import type { ResolvedAttention } from './raw-kernels.js';

/** Sizes must fit a C `long` on wasm32 (32 bits). */
const MAX_SIZE = 2 ** 31 - 1;

export function isSize(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= MAX_SIZE;
}

export function overlaps(x: FloatArray, y: FloatArray): boolean {
  return x.buffer === y.buffer && x.byteLength > 0 && y.byteLength > 0 &&
    x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}

/** Elements a batched operand spans: (batch − 1)·stride + size, or 0 when empty. */
function span(batch: number, stride: number, size: number): number {
  return batch === 0 || size === 0 ? 0 : (batch - 1) * stride + size;
}

export function matmulIsValid(args: MatmulArgs, batch: number, aStride: number, bStride: number, outStride: number): boolean {
  const { a, b, out, m, n, k } = args;
  if (!isSize(m) || !isSize(n) || !isSize(k) || !isSize(batch) || !isSize(aStride) || !isSize(bStride) || !isSize(outStride)) return false;
  if (a.length < span(batch, aStride, m * k) || b.length < span(batch, bStride, k * n) || out.length < span(batch, outStride, m * n)) return false;
  return !overlaps(out, a) && !overlaps(out, b);
}

export function rowsAreValid(rows: number, cols: number, minCols: number, matrices: (FloatArray | null)[]): boolean {
  if (!isSize(rows) || !isSize(cols) || cols < minCols || rows * cols > MAX_SIZE) return false;
  for (const array of matrices) if (array && array.length < rows * cols) return false;
  return true;
}

export function lengthsAtLeast(length: number, arrays: (FloatArray | Int32Array | null)[]): boolean {
  for (const array of arrays) if (array && array.length < length) return false;
  return true;
}

/** Every id in [0, rows). */
export function idsInRange(ids: Int32Array, rows: number): boolean {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= rows) return false;
  }
  return true;
}

/** Every target of the first `rows` in [0, classes) or equal to ignoreIndex. */
export function targetsInRange(targets: Int32Array, rows: number, classes: number, ignoreIndex: number): boolean {
  for (let r = 0; r < rows; r++) {
    const target = targets[r];
    if (target !== ignoreIndex && (target < 0 || target >= classes)) return false;
  }
  return true;
}

export function isInt32(value: number): boolean {
  return Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31;
}

/** The array holds every element an attention operand of this layout reaches (the span stays below 2³¹ for wasm32). */
export function fitsLayout(array: { length: number }, layout: OperandLayout, batchHeads: number, heads: number, rows: number, width: number): boolean {
  const span = operandSpan(layout, batchHeads, heads, rows, width);
  return span <= array.length && span <= MAX_SIZE;
}

/**
 * The attention problem with its mask layout resolved (as the js kernel's
 * checkAttention does), or null when anything is off.
 */
export function resolveAttention(args: AttentionArgs): ResolvedAttention | null {
  const { batchHeads, queryLength, keyLength, headDim, valueDim, scale, causal } = args;
  if (!isSize(batchHeads) || !isSize(queryLength) || !isSize(keyLength) || !isSize(headDim) || !isSize(valueDim)) return null;
  if (!Number.isFinite(scale)) return null;
  const layout = attentionLayout(args);
  if (!isSize(layout.heads) || layout.heads === 0 || batchHeads % layout.heads !== 0) return null;
  for (const operand of [layout.q, layout.k, layout.v, layout.out]) {
    if (!isSize(operand.offset) || !isSize(operand.batchStride) || !isSize(operand.headStride) || !isSize(operand.rowStride)) return null;
  }
  if (!fitsLayout(args.q, layout.q, batchHeads, layout.heads, queryLength, headDim) ||
    !fitsLayout(args.k, layout.k, batchHeads, layout.heads, keyLength, headDim) ||
    !fitsLayout(args.v, layout.v, batchHeads, layout.heads, keyLength, valueDim)) return null;
  const mask = args.mask;
  if (!mask) return { batchHeads, queryLength, keyLength, headDim, valueDim, scale, causal, maskStride: 0, headsPerMask: 1, layout };
  const matrix = queryLength * keyLength;
  const stride = args.maskBatchStride ?? matrix;
  if (!isSize(stride) || mask.length < matrix) return null;
  let maskBatch = 1;
  if (stride !== 0) {
    maskBatch = (mask.length - matrix) / stride + 1;
    if (!Number.isInteger(maskBatch) || batchHeads % maskBatch !== 0) return null;
  }
  return {
    batchHeads, queryLength, keyLength, headDim, valueDim, scale, causal,
    maskStride: stride, headsPerMask: Math.max(batchHeads / maskBatch, 1), layout,
  };
}

/**
 * For a binary op over `shape` with broadcast strides: every stride a
 * non-negative integer and the farthest element read inside the array.
 */
export function stridedFits(array: { length: number }, strides: readonly number[], shape: readonly number[]): boolean {
  let last = 0;
  for (let d = 0; d < shape.length; d++) {
    const stride = strides[d];
    if (!isSize(stride)) return false;
    last += (shape[d] - 1) * stride;
  }
  return last < array.length;
}
