/**
 * Gradient clipping, in place on `.grad`, as torch.nn.utils does it.
 *
 * By global norm: all gradients are treated as one long vector, so clipping
 * rescales them together and keeps the update's direction (Pascanu, Mikolov &
 * Bengio 2013 — the remedy for exploding RNN gradients). Clipping each tensor
 * separately would change the direction. By value: each entry is clamped.
 */
import { kernels } from '../backend/index.js';
import type { FloatArray } from '../backend/backend.js';
import { Tensor } from '../tensor/tensor.js';

/** torch.nn.utils.clip_grad_norm_ adds this to the norm before dividing. */
const CLIP_NORM_EPS = 1e-6;

export interface ClipGradNormOptions {
  /** p of the p-norm: 2 (default), 1, any p > 0, or Infinity for the max-abs norm. */
  normType?: number;
  /** Throw when the total norm is NaN or ±Infinity instead of scaling by it. */
  errorIfNonfinite?: boolean;
}

function gradientsOf(params: Iterable<Tensor> | Tensor, where: string): FloatArray[] {
  const list = params instanceof Tensor ? [params] : [...params];
  const grads: FloatArray[] = [];
  for (const [i, p] of list.entries()) {
    if (!(p instanceof Tensor)) throw new TypeError(`${where}: params[${i}] is not a Tensor`);
    if (p.grad === null) continue;
    if (p.grad.dtype === 'int32') throw new TypeError(`${where}: params[${i}] has an int32 gradient`);
    grads.push(p.grad.data as FloatArray);
  }
  return grads;
}

/**
 * Scale all gradients by min(1, maxNorm / (total + 1e-6)), where total is the
 * p-norm of all gradients together (the p-norm of the per-tensor p-norms).
 * Returns the total norm before clipping. Parameters without a gradient are
 * skipped; with none at all the norm is 0.
 *
 * As in PyTorch, a non-finite total (NaN/Inf gradients) makes the scale NaN or
 * 0 unless `errorIfNonfinite` asks for an error — check the returned norm.
 */
export function clipGradNorm(params: Iterable<Tensor> | Tensor, maxNorm: number, options: ClipGradNormOptions = {}): number {
  const where = 'clipGradNorm';
  const normType = options.normType ?? 2;
  if (!(normType > 0)) throw new RangeError(`${where}: normType must be > 0 (or Infinity), got ${normType}`);
  if (Number.isNaN(maxNorm) || maxNorm < 0) throw new RangeError(`${where}: maxNorm must be ≥ 0, got ${maxNorm}`);
  const grads = gradientsOf(params, where);
  if (grads.length === 0) return 0;
  const total = totalNorm(grads, normType);
  if (options.errorIfNonfinite && !Number.isFinite(total)) {
    throw new RangeError(`${where}: the total ${normType}-norm of the gradients is ${total}; the gradients hold NaN or Inf`);
  }
  const scale = Math.min(maxNorm / (total + CLIP_NORM_EPS), 1);
  // A scale of exactly 1 leaves the gradients unchanged; NaN (from a NaN norm) propagates, as in PyTorch.
  if (!(scale >= 1)) for (const g of grads) kernels.affine(g, scale, 0, g);
  return total;
}

/** The total p-norm of all gradients, without clipping (for logging); 0 when no parameter has a gradient. */
export function gradNorm(params: Iterable<Tensor> | Tensor, normType = 2): number {
  if (!(normType > 0)) throw new RangeError(`gradNorm: normType must be > 0 (or Infinity), got ${normType}`);
  const grads = gradientsOf(params, 'gradNorm');
  return grads.length === 0 ? 0 : totalNorm(grads, normType);
}

/** The p-norm of all the arrays together (the p-norm of their p-norms); accumulated in double precision. */
function totalNorm(arrays: readonly FloatArray[], normType = 2): number {
  if (normType === Infinity) {
    let max = 0;
    for (const a of arrays) {
      for (let i = 0; i < a.length; i++) {
        const v = Math.abs(a[i]);
        if (v > max || Number.isNaN(v)) max = v;
        if (Number.isNaN(max)) return NaN;
      }
    }
    return max;
  }
  let sum = 0;
  for (const a of arrays) {
    if (normType === 2) {
      sum += kernels.dot(a, a);
    } else if (normType === 1) {
      for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]);
    } else {
      for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]) ** normType;
    }
  }
  return normType === 1 ? sum : normType === 2 ? Math.sqrt(sum) : sum ** (1 / normType);
}

/** Clamp every gradient entry to [−clipValue, clipValue] in place (torch.nn.utils.clip_grad_value_). */
export function clipGradValue(params: Iterable<Tensor> | Tensor, clipValue: number): void {
  const where = 'clipGradValue';
  if (!(clipValue >= 0) || !Number.isFinite(clipValue)) throw new RangeError(`${where}: clipValue must be a finite number ≥ 0, got ${clipValue}`);
  for (const g of gradientsOf(params, where)) kernels.clamp(g, -clipValue, clipValue, g);
}
