/**
 * LayerNorm over the last axis (Ba, Kiros & Hinton 2016), forward and backward as
 * an explicit pair with saved statistics, like llm.c's layernorm_forward/backward:
 *   x̂ = (x − μ)·rstd,  rstd = 1/√(σ² + eps),  y = x̂·w + b
 *   ∂L/∂x = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)),  ĝ = ∂L/∂y ⊙ w
 *   ∂L/∂w = Σ_rows ∂L/∂y ⊙ x̂,  ∂L/∂b = Σ_rows ∂L/∂y
 * σ² is the biased variance (divide by C), as in PyTorch, computed in two passes
 * (mean first, then squared deviations) so a large common offset does not cancel.
 */
import type { FloatArray } from '../backend.js';

/** Double-precision column sums for gWeight and gBias, grown on demand. */
let columnSums = new Float64Array(0);

function checkLayerNorm(op: string, rows: number, cols: number, matrices: Record<string, FloatArray | null>, vectors: Record<string, FloatArray | null>, perRow: Record<string, FloatArray>): void {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 1) {
    throw new RangeError(`${op}: need rows ≥ 0 and cols ≥ 1, got ${rows} × ${cols}`);
  }
  for (const [name, array] of Object.entries(matrices)) {
    if (array && array.length < rows * cols) throw new RangeError(`${op}: ${name} has ${array.length} elements, needs ${rows} × ${cols}`);
  }
  for (const [name, array] of Object.entries(vectors)) {
    if (array && array.length < cols) throw new RangeError(`${op}: ${name} has ${array.length} elements, needs ${cols}`);
  }
  for (const [name, array] of Object.entries(perRow)) {
    if (array.length < rows) throw new RangeError(`${op}: ${name} has ${array.length} elements, needs ${rows}`);
  }
}

export function layerNormForward(
  x: FloatArray, weight: FloatArray | null, bias: FloatArray | null, out: FloatArray,
  mean: FloatArray, rstd: FloatArray, rows: number, cols: number, eps: number,
): void {
  checkLayerNorm('layerNormForward', rows, cols, { x, out }, { weight, bias }, { mean, rstd });
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const end = start + cols;
    let sum = 0;
    for (let i = start; i < end; i++) sum += x[i];
    const mu = sum / cols;
    let squares = 0;
    for (let i = start; i < end; i++) {
      const d = x[i] - mu;
      squares += d * d;
    }
    const s = 1 / Math.sqrt(squares / cols + eps);
    mean[r] = mu;
    rstd[r] = s;
    if (weight && bias) {
      for (let j = 0; j < cols; j++) out[start + j] = (x[start + j] - mu) * s * weight[j] + bias[j];
    } else if (weight) {
      for (let j = 0; j < cols; j++) out[start + j] = (x[start + j] - mu) * s * weight[j];
    } else if (bias) {
      for (let j = 0; j < cols; j++) out[start + j] = (x[start + j] - mu) * s + bias[j];
    } else {
      for (let i = start; i < end; i++) out[i] = (x[i] - mu) * s;
    }
  }
}

export function layerNormBackward(
  x: FloatArray, weight: FloatArray | null, mean: FloatArray, rstd: FloatArray, gy: FloatArray,
  gx: FloatArray, gWeight: FloatArray | null, gBias: FloatArray | null, rows: number, cols: number,
): void {
  checkLayerNorm('layerNormBackward', rows, cols, { x, gy, gx }, { weight, gWeight, gBias }, { mean, rstd });
  // Column sums for the parameter gradients are kept in doubles across rows and
  // added to gWeight/gBias once, so float32 gradients lose nothing to row order.
  if (columnSums.length < 2 * cols) columnSums = new Float64Array(2 * cols);
  const sums = columnSums;
  sums.fill(0, 0, 2 * cols);
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const mu = mean[r];
    const s = rstd[r];
    // mean(ĝ) and mean(ĝ ⊙ x̂) over the row.
    let meanG = 0;
    let meanGXhat = 0;
    for (let j = 0; j < cols; j++) {
      const g = weight ? gy[start + j] * weight[j] : gy[start + j];
      const xhat = (x[start + j] - mu) * s;
      meanG += g;
      meanGXhat += g * xhat;
      sums[j] += gy[start + j] * xhat;
      sums[cols + j] += gy[start + j];
    }
    meanG /= cols;
    meanGXhat /= cols;
    for (let j = 0; j < cols; j++) {
      const g = weight ? gy[start + j] * weight[j] : gy[start + j];
      const xhat = (x[start + j] - mu) * s;
      gx[start + j] = s * (g - meanG - xhat * meanGXhat);
    }
  }
  if (gWeight) for (let j = 0; j < cols; j++) gWeight[j] += sums[j];
  if (gBias) for (let j = 0; j < cols; j++) gBias[j] += sums[cols + j];
}
