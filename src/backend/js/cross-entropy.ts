/**
 * Fused softmax + cross-entropy over (rows, classes) logits with integer targets,
 * the way llm.c fuses `crossentropy_softmax_backward`: the forward saves only the
 * per-row log-sum-exp, and the backward rebuilds the probabilities from it.
 *
 * With label smoothing ε the target distribution is (1 − ε)·onehot(t) + ε/C over
 * all C classes (PyTorch's definition, Szegedy et al. 2016, including the true
 * class in the uniform part), so per row
 *   loss = (1 − ε)·(lse − x_t) + ε·(lse − mean_j x_j),   lse = log Σ_j exp(x_j)
 *   ∂loss/∂x_j = softmax(x)_j − (1 − ε)·[j = t] − ε/C.
 * Rows whose target equals ignoreIndex contribute loss 0 and gradient 0; the op
 * layer divides by the number of remaining rows for reduction 'mean'.
 */
import type { FloatArray } from '../backend.js';
import { rowMax, shiftedLogSumExp } from './softmax.js';

function checkCrossEntropy(
  op: string, logits: FloatArray, targets: Int32Array, rows: number, classes: number,
  labelSmoothing: number, perRow: Record<string, FloatArray>,
): void {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(classes) || classes < 1) {
    throw new RangeError(`${op}: need rows ≥ 0 and classes ≥ 1, got ${rows} × ${classes}`);
  }
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new RangeError(`${op}: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  }
  if (logits.length < rows * classes) {
    throw new RangeError(`${op}: logits has ${logits.length} elements, needs ${rows} × ${classes}`);
  }
  if (targets.length < rows) throw new RangeError(`${op}: targets has ${targets.length} elements, needs ${rows}`);
  for (const [name, array] of Object.entries(perRow)) {
    if (array.length < rows) throw new RangeError(`${op}: ${name} has ${array.length} elements, needs ${rows}`);
  }
}

function checkTarget(op: string, target: number, row: number, classes: number): void {
  if (target < 0 || target >= classes) {
    throw new RangeError(`${op}: target ${target} at row ${row} is outside [0, ${classes})`);
  }
}

export function crossEntropyForward(
  logits: FloatArray, targets: Int32Array, rows: number, classes: number,
  ignoreIndex: number, labelSmoothing: number, lossPerRow: FloatArray, logSumExp: FloatArray,
): void {
  checkCrossEntropy('crossEntropyForward', logits, targets, rows, classes, labelSmoothing, { lossPerRow, logSumExp });
  const onTarget = 1 - labelSmoothing;
  for (let r = 0; r < rows; r++) {
    const target = targets[r];
    const start = r * classes;
    const max = rowMax(logits, start, start + classes);
    const logSum = shiftedLogSumExp(logits, start, start + classes, max);
    logSumExp[r] = max + logSum;
    if (target === ignoreIndex) {
      lossPerRow[r] = 0;
      continue;
    }
    checkTarget('crossEntropyForward', target, r, classes);
    // lse − x_t written as logSum − (x_t − max), which keeps its digits when |max| is large.
    let loss = onTarget * (logSum - (logits[start + target] - max));
    if (labelSmoothing !== 0) {
      let shiftedSum = 0;
      for (let j = start; j < start + classes; j++) shiftedSum += logits[j] - max;
      loss += labelSmoothing * (logSum - shiftedSum / classes);
    }
    lossPerRow[r] = loss;
  }
}

export function crossEntropyBackward(
  logits: FloatArray, targets: Int32Array, logSumExp: FloatArray, rows: number, classes: number,
  ignoreIndex: number, labelSmoothing: number, rowScale: FloatArray, gLogits: FloatArray,
): void {
  checkCrossEntropy('crossEntropyBackward', logits, targets, rows, classes, labelSmoothing, { logSumExp, rowScale });
  if (gLogits.length < rows * classes) {
    throw new RangeError(`crossEntropyBackward: gLogits has ${gLogits.length} elements, needs ${rows} × ${classes}`);
  }
  const uniform = labelSmoothing / classes;
  const onTarget = 1 - labelSmoothing;
  for (let r = 0; r < rows; r++) {
    const target = targets[r];
    const start = r * classes;
    const end = start + classes;
    if (target === ignoreIndex) {
      gLogits.fill(0, start, end);
      continue;
    }
    checkTarget('crossEntropyBackward', target, r, classes);
    const lse = logSumExp[r];
    const scale = rowScale[r];
    for (let j = start; j < end; j++) gLogits[j] = scale * (Math.exp(logits[j] - lse) - uniform);
    // Written again in one expression so a float32 gLogits is rounded only once.
    gLogits[start + target] = scale * (Math.exp(logits[start + target] - lse) - uniform - onTarget);
  }
}
