/**
 * Loss functions (seed 004's MSE, L1, BCE, cross-entropy; seed 000's per-step
 * cross-entropy). crossEntropy is one fused primitive — log-softmax and the
 * negative log-likelihood in a single pass over the logits, backward
 * softmax − target in another (llm.c's fused classifier) — stable at ±1000.
 */
import { kernels } from '../backend/index.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { add, mul, sub } from './arithmetic.js';
import { gather, where } from './indexing.js';
import { apply1, defineOp } from './op.js';
import { mean, sum } from './reduce.js';
import { flatten, permute, reshape } from './shape.js';
import { abs, neg, sigmoid, square } from './unary.js';
import { requireFloat, requireInt, scalarLike } from './util.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface CrossEntropyOptions {
  reduction?: Reduction;
  /** Targets equal to this are skipped (no loss, no gradient); default −100 as in PyTorch. */
  ignoreIndex?: number;
  /** ε in [0, 1]: the target distribution is (1−ε)·onehot + ε/C (Szegedy et al. 2016). */
  labelSmoothing?: number;
}

interface CrossEntropyAttrs { ignoreIndex: number; labelSmoothing: number }
interface CrossEntropySaved { logSumExp: Tensor }

// Per-row loss over (N, C) logits. VJP: g_r · (softmax − q_r); JVP: Σ_j (softmax − q)_rj · t_rj.
const crossEntropyRowsOp = defineOp<CrossEntropyAttrs, CrossEntropySaved>({
  name: 'crossEntropy',
  forward: ([logits, targets], { ignoreIndex, labelSmoothing }) => {
    const [rows, classes] = logits.shape;
    const loss = emptyTensor([rows], logits.dtype);
    const logSumExp = emptyTensor([rows], logits.dtype);
    kernels.crossEntropyForward(
      logits.data as Float32Array, targets.data as Int32Array, rows, classes, ignoreIndex, labelSmoothing,
      loss.data as Float32Array, logSumExp.data as Float32Array,
    );
    return { outputs: [loss], saved: { logSumExp } };
  },
  vjp: ({ inputs: [logits, targets], attrs, saved }, [g]) => [g ? crossEntropyGrad(logits, targets, saved.logSumExp, attrs, g) : null, null],
  jvp: ({ inputs: [logits, targets], attrs, saved }, [t]) => {
    if (!t) return [null];
    const coefficients = crossEntropyGrad(logits, targets, saved.logSumExp, attrs, null);
    return [sum(mul(coefficients, t), -1)];
  },
});

/** (softmax − smoothed target) per row, times the row's upstream gradient (1 when `rowScale` is null). */
function crossEntropyGrad(logits: Tensor, targets: Tensor, logSumExp: Tensor, attrs: CrossEntropyAttrs, rowScale: Tensor | null): Tensor {
  const [rows, classes] = logits.shape;
  const scaleArray = logits.dtype === 'float32' ? new Float32Array(rows) : new Float64Array(rows);
  if (rowScale) scaleArray.set(rowScale.data);
  else scaleArray.fill(1);
  const out = emptyTensor(logits.shape, logits.dtype);
  kernels.crossEntropyBackward(
    logits.data as Float32Array, targets.data as Int32Array, logSumExp.data as Float32Array, rows, classes,
    attrs.ignoreIndex, attrs.labelSmoothing, scaleArray as Float32Array, out.data as Float32Array,
  );
  return out;
}

/** Move PyTorch's class dim 1 of (N, C, d1, …) logits last and flatten to (rows, C). */
function classesLast(op: string, input: Tensor, target: Tensor): { logits: Tensor; targets: Tensor; targetShape: readonly number[] } {
  if (input.ndim < 1) throw new ShapeError(`${op}: input must have at least 1 dim`);
  if (input.ndim === 1) {
    if (target.ndim !== 0) throw new ShapeError(`${op}: for 1-D input ${formatShape(input.shape)} the target must be 0-d, got ${formatShape(target.shape)}`);
    return { logits: reshape(input, [1, input.size]), targets: reshape(target, [1]), targetShape: [] };
  }
  const expected = [input.shape[0], ...input.shape.slice(2)];
  if (target.ndim !== expected.length || target.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(`${op}: input ${formatShape(input.shape)} (N, C, …) needs target of shape ${formatShape(expected)}, got ${formatShape(target.shape)}`);
  }
  if (input.ndim === 2) return { logits: input, targets: target, targetShape: target.shape };
  const dims = [0, ...Array.from({ length: input.ndim - 2 }, (_, i) => i + 2), 1];
  const moved = permute(input, dims);
  return { logits: reshape(moved, [-1, input.shape[1]]), targets: flatten(target), targetShape: target.shape };
}

function checkTargets(op: string, targets: Tensor, classes: number, ignoreIndex: number): number {
  let counted = 0;
  for (let i = 0; i < targets.size; i++) {
    const t = targets.data[i];
    if (t === ignoreIndex) continue;
    if (t < 0 || t >= classes) throw new RangeError(`${op}: target ${t} is out of range for ${classes} classes`);
    counted++;
  }
  return counted;
}

function reduceLoss(perElement: Tensor, reduction: Reduction, shape: readonly number[], count: number): Tensor {
  switch (reduction) {
    case 'none': return reshape(perElement, shape);
    case 'sum': return sum(perElement);
    // PyTorch divides by the number of non-ignored targets (NaN when all are ignored).
    case 'mean': return mul(sum(perElement), 1 / count);
    default: throw new RangeError(`loss: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
}

/**
 * Cross-entropy from unnormalized logits and int32 class indices: (N, C) with (N),
 * (N, C, d…) with (N, d…), or (C) with a 0-d target.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  requireFloat('crossEntropy', input, 'logits');
  requireInt('crossEntropy', target, 'target');
  const ignoreIndex = options.ignoreIndex ?? -100;
  const labelSmoothing = options.labelSmoothing ?? 0;
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  const { logits, targets, targetShape } = classesLast('crossEntropy', input, target);
  const count = checkTargets('crossEntropy', targets, logits.shape[1], ignoreIndex);
  const perRow = apply1(crossEntropyRowsOp, [logits, targets], { ignoreIndex, labelSmoothing });
  return reduceLoss(perRow, options.reduction ?? 'mean', targetShape, count);
}

/** Negative log-likelihood of log-probabilities (the output of logSoftmax), same layouts as crossEntropy. */
export function nllLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction; ignoreIndex?: number } = {}): Tensor {
  requireFloat('nllLoss', input, 'log-probabilities');
  requireInt('nllLoss', target, 'target');
  const ignoreIndex = options.ignoreIndex ?? -100;
  const { logits, targets, targetShape } = classesLast('nllLoss', input, target);
  const count = checkTargets('nllLoss', targets, logits.shape[1], ignoreIndex);
  const keep = new Int32Array(targets.size), safe = new Int32Array(targets.size);
  for (let i = 0; i < targets.size; i++) {
    keep[i] = targets.data[i] === ignoreIndex ? 0 : 1;
    safe[i] = keep[i] ? targets.data[i] : 0;
  }
  const picked = reshape(gather(logits, 1, new Tensor(safe, [targets.size, 1])), [targets.size]);
  const perRow = where(new Tensor(keep, [targets.size]), neg(picked), scalarLike(0, picked));
  return reduceLoss(perRow, options.reduction ?? 'mean', targetShape, count);
}

function checkSameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.ndim !== b.ndim || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(`${op}: input ${formatShape(a.shape)} and target ${formatShape(b.shape)} must have the same shape`);
  }
}

function reduceElementwise(loss: Tensor, reduction: Reduction): Tensor {
  switch (reduction) {
    case 'none': return loss;
    case 'sum': return sum(loss);
    case 'mean': return mean(loss);
    default: throw new RangeError(`loss: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
}

/** Mean squared error (seed 004): (x − y)². */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkSameShape('mseLoss', input, target);
  return reduceElementwise(square(sub(input, target)), options.reduction ?? 'mean');
}

/** Mean absolute error: |x − y|. */
export function l1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkSameShape('l1Loss', input, target);
  return reduceElementwise(abs(sub(input, target)), options.reduction ?? 'mean');
}

// BCE on probabilities, PyTorch's definition: logs clamped at −100 so p ∈ {0, 1} stays finite, and
// ∂/∂p = (p − y) / max(p(1 − p), 1e−12), ∂/∂y = log(1 − p) − log p (both logs clamped).
const BCE_EPSILON = 1e-12;
const clampedLog = (v: number): number => Math.max(Math.log(v), -100);

function bceProbabilityGrad(p: Tensor, y: Tensor): Tensor {
  const out = emptyTensor(p.shape, p.dtype);
  const pd = p.data, yd = y.data, o = out.data;
  for (let i = 0; i < pd.length; i++) o[i] = (pd[i] - yd[i]) / Math.max(pd[i] * (1 - pd[i]), BCE_EPSILON);
  return out;
}

function bceTargetGrad(p: Tensor): Tensor {
  const out = emptyTensor(p.shape, p.dtype);
  const pd = p.data, o = out.data;
  for (let i = 0; i < pd.length; i++) o[i] = clampedLog(1 - pd[i]) - clampedLog(pd[i]);
  return out;
}

const bceOp = defineOp<null>({
  name: 'binaryCrossEntropy',
  forward: ([p, y]) => {
    const out = emptyTensor(p.shape, p.dtype);
    const pd = p.data, yd = y.data, o = out.data;
    for (let i = 0; i < pd.length; i++) {
      const v = pd[i];
      if (!(v >= 0 && v <= 1)) throw new RangeError(`binaryCrossEntropy: input probabilities must be in [0, 1], got ${v} at index ${i}`);
      o[i] = -(yd[i] * clampedLog(v) + (1 - yd[i]) * clampedLog(1 - v));
    }
    return out;
  },
  vjp: ({ inputs: [p, y] }, [g]) => (g ? [mul(g, bceProbabilityGrad(p, y)), y.requiresGrad ? mul(g, bceTargetGrad(p)) : null] : [null, null]),
  jvp: ({ inputs: [p, y] }, [tp, ty]) => {
    const a = tp ? mul(tp, bceProbabilityGrad(p, y)) : null;
    const b = ty ? mul(ty, bceTargetGrad(p)) : null;
    return [a && b ? add(a, b) : a ?? b];
  },
});

/** Binary cross-entropy on probabilities: −(y log p + (1 − y) log(1 − p)), logs clamped at −100 as in PyTorch. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkSameShape('binaryCrossEntropy', input, target);
  requireFloat('binaryCrossEntropy', input);
  requireFloat('binaryCrossEntropy', target, 'target');
  return reduceElementwise(apply1(bceOp, [input, target], null), options.reduction ?? 'mean');
}

// BCE on logits, stable form: max(x, 0) − x·y + log(1 + e^(−|x|)); ∂/∂x = σ(x) − y, ∂/∂y = −x.
const bceWithLogitsOp = defineOp<null>({
  name: 'binaryCrossEntropyWithLogits',
  forward: ([x, y]) => {
    const out = emptyTensor(x.shape, x.dtype);
    const xd = x.data, yd = y.data, o = out.data;
    for (let i = 0; i < xd.length; i++) {
      const v = xd[i];
      o[i] = Math.max(v, 0) - v * yd[i] + Math.log1p(Math.exp(-Math.abs(v)));
    }
    return out;
  },
  vjp: ({ inputs: [x, y] }, [g]) => (g ? [mul(g, sub(sigmoid(x), y)), y.requiresGrad ? mul(g, neg(x)) : null] : [null, null]),
  jvp: ({ inputs: [x, y] }, [tx, ty]) => {
    const a = tx ? mul(tx, sub(sigmoid(x), y)) : null;
    const b = ty ? mul(ty, neg(x)) : null;
    return [a && b ? add(a, b) : a ?? b];
  },
});

/** Binary cross-entropy on logits, numerically stable for any logit (±1000 included). */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkSameShape('binaryCrossEntropyWithLogits', input, target);
  requireFloat('binaryCrossEntropyWithLogits', input);
  requireFloat('binaryCrossEntropyWithLogits', target, 'target');
  return reduceElementwise(apply1(bceWithLogitsOp, [input, target], null), options.reduction ?? 'mean');
}
