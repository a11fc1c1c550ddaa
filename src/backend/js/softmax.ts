/**
 * Row-wise softmax and log-softmax over the last axis of a (rows, cols) matrix.
 *
 * Both subtract the row maximum before exponentiating (softmax is invariant to a
 * shift of its inputs), so logits of ±1000 give finite results instead of
 * overflowing exp. Sums are accumulated in doubles. As in PyTorch, a row that is
 * entirely −∞ (or contains +∞) yields NaN.
 */
import type { FloatArray } from '../backend.js';

function checkRows(op: string, rows: number, cols: number, arrays: Record<string, FloatArray>): void {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new RangeError(`${op}: rows and cols must be non-negative integers, got ${rows} × ${cols}`);
  }
  for (const [name, array] of Object.entries(arrays)) {
    if (array.length < rows * cols) {
      throw new RangeError(`${op}: ${name} has ${array.length} elements, needs ${rows} × ${cols} = ${rows * cols}`);
    }
  }
}

/** out[r, j] = exp(x[r, j] − max_r) / Σ_j' exp(x[r, j'] − max_r). */
export function softmaxForward(x: FloatArray, out: FloatArray, rows: number, cols: number): void {
  checkRows('softmaxForward', rows, cols, { x, out });
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const end = start + cols;
    let max = -Infinity;
    for (let i = start; i < end; i++) if (x[i] > max) max = x[i];
    let sum = 0;
    for (let i = start; i < end; i++) {
      const e = Math.exp(x[i] - max);
      out[i] = e;
      sum += e;
    }
    const inverse = 1 / sum;
    for (let i = start; i < end; i++) out[i] *= inverse;
  }
}

/** out[r, j] = (x[r, j] − max_r) − log Σ_j' exp(x[r, j'] − max_r). */
export function logSoftmaxForward(x: FloatArray, out: FloatArray, rows: number, cols: number): void {
  checkRows('logSoftmaxForward', rows, cols, { x, out });
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const end = start + cols;
    const max = rowMax(x, start, end);
    const logSum = shiftedLogSumExp(x, start, end, max);
    // Subtracting max and log-sum separately keeps the digits of x − max
    // (x − (max + logSum) would round at the scale of |max|).
    for (let i = start; i < end; i++) out[i] = x[i] - max - logSum;
  }
}

/** max of x[start..end) (−∞ when empty); NaN entries are skipped here and propagate through the sums. */
export function rowMax(x: FloatArray, start: number, end: number): number {
  let max = -Infinity;
  for (let i = start; i < end; i++) if (x[i] > max) max = x[i];
  return max;
}

/**
 * log Σ exp(x[start..end) − max). With max = rowMax(...) the largest term is 1, so
 * nothing overflows; the full log-sum-exp is max + this value.
 */
export function shiftedLogSumExp(x: FloatArray, start: number, end: number, max: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += Math.exp(x[i] - max);
  return Math.log(sum);
}

/** Softmax VJP: gx = y ⊙ (gy − Σ_j gy_j y_j), row-wise (y = softmax output). */
export function softmaxBackward(y: FloatArray, gy: FloatArray, gx: FloatArray, rows: number, cols: number): void {
  checkRows('softmaxBackward', rows, cols, { y, gy, gx });
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const end = start + cols;
    let dot = 0;
    for (let i = start; i < end; i++) dot += gy[i] * y[i];
    for (let i = start; i < end; i++) gx[i] = y[i] * (gy[i] - dot);
  }
}

/** Log-softmax VJP: gx = gy − exp(y) · Σ_j gy_j, row-wise (y = log-softmax output). */
export function logSoftmaxBackward(y: FloatArray, gy: FloatArray, gx: FloatArray, rows: number, cols: number): void {
  checkRows('logSoftmaxBackward', rows, cols, { y, gy, gx });
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const end = start + cols;
    let sum = 0;
    for (let i = start; i < end; i++) sum += gy[i];
    for (let i = start; i < end; i++) gx[i] = gy[i] - Math.exp(y[i]) * sum;
  }
}
