/**
 * Loss functions (seed 004's MSE, L1, BCE, cross-entropy; seed 000's per-step
 * cross-entropy). crossEntropy is one fused primitive — log-softmax and the
 * negative log-likelihood in a single pass over the logits, backward
 * softmax − target in another (llm.c's fused classifier) — stable at ±1000.
 * With class weights it is composed of differentiable ops instead (PyTorch's
 * weighted mean and weighted label smoothing). Weights and posWeight are
 * constants everywhere, as in PyTorch.
 */
import { kernels } from '../backend/index.js';
import { rejectUnknownOptions } from '../options.js';
import { allocate, type DType } from '../tensor/dtype.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { logSoftmax } from './activations.js';
import { add, div, mul, sub } from './arithmetic.js';
import { expand } from './broadcast.js';
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
  /**
   * Class weights (C), a constant (no gradient, as in PyTorch). Each row's loss is scaled by
   * w[target] (the smoothing term by w_c per class) and 'mean' divides by the summed weight
   * of the non-ignored targets, PyTorch's weighted mean.
   */
  weight?: Tensor | null;
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

/** A weight must be a constant: PyTorch's autograd refuses a weight that requires grad in every loss here. */
function checkWeightTensor(op: string, role: string, weight: unknown, dtype: DType): Tensor {
  if (!(weight instanceof Tensor)) throw new TypeError(`${op}: ${role} must be a Tensor or null, got ${typeof weight}`);
  requireFloat(op, weight, role);
  if (weight.dtype !== dtype) throw new TypeError(`${op}: ${role} is ${weight.dtype} but the input is ${dtype}; they must match`);
  if (weight.requiresGrad || weight.tangent) {
    throw new TypeError(`${op}: ${role} must not require a gradient — it is a constant, as in PyTorch (whose autograd refuses it too); pass ${role}.detach()`);
  }
  return weight;
}

/** Class weights: one per class, shape (C), as PyTorch's `weight` of cross_entropy / nll_loss. */
function classWeight(op: string, weight: Tensor | null | undefined, classes: number, dtype: DType): Tensor | null {
  if (weight === undefined || weight === null) return null;
  const checked = checkWeightTensor(op, 'weight', weight, dtype);
  if (checked.ndim !== 1 || checked.shape[0] !== classes) {
    throw new ShapeError(`${op}: weight must have shape [${classes}] (one per class), got ${formatShape(checked.shape)}`);
  }
  return checked;
}

interface RowWeights {
  /** 1 for counted rows, 0 for ignored ones (int32, (rows)). */
  keep: Tensor;
  /** The target of each row, 0 for ignored ones (int32, (rows, 1)) — a valid gather index. */
  safeTargets: Tensor;
  /** w[target] per row, 0 for ignored rows; null without class weights. */
  weights: Tensor | null;
  /** The 'mean' divisor: Σ w[target] over non-ignored rows (their count when unweighted). */
  total: number;
}

/** Check every target is ignored or a class, and gather what the per-row losses and the 'mean' need. */
function rowWeights(op: string, targets: Tensor, classes: number, ignoreIndex: number, weight: Tensor | null, dtype: DType): RowWeights {
  const rows = targets.size;
  const keep = new Int32Array(rows), safe = new Int32Array(rows);
  const weights = weight ? allocate(dtype, rows) : null;
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const t = targets.data[i];
    if (t === ignoreIndex) continue;
    if (t < 0 || t >= classes) throw new RangeError(`${op}: target ${t} is out of range for ${classes} classes`);
    keep[i] = 1;
    safe[i] = t;
    const w = weight ? weight.data[t] : 1;
    if (weights) weights[i] = w;
    total += w;
  }
  return {
    keep: new Tensor(keep, [rows]), safeTargets: new Tensor(safe, [rows, 1]),
    weights: weights ? new Tensor(weights, [rows]) : null, total,
  };
}

/** Per row: −w[target]·logProbs[target], 0 where the target is ignored (a −inf log-prob there does not leak). */
function weightedNll(logProbs: Tensor, rows: RowWeights): Tensor {
  const picked = neg(reshape(gather(logProbs, 1, rows.safeTargets), [rows.keep.size]));
  const weighted = rows.weights ? mul(picked, rows.weights) : picked;
  return where(rows.keep, weighted, scalarLike(0, weighted));
}

function reduceLoss(perElement: Tensor, reduction: Reduction, shape: readonly number[], total: number): Tensor {
  switch (reduction) {
    case 'none': return reshape(perElement, shape);
    case 'sum': return sum(perElement);
    // PyTorch divides by the summed weight of the non-ignored targets — their number
    // without class weights — so it is NaN when every target is ignored.
    case 'mean': return div(sum(perElement), scalarLike(total, perElement));
    default: throw new RangeError(`loss: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
}

const CROSS_ENTROPY_OPTIONS = ['reduction', 'ignoreIndex', 'labelSmoothing', 'weight'] as const;

/**
 * Cross-entropy from unnormalized logits and int32 class indices: (N, C) with (N),
 * (N, C, d…) with (N, d…), or (C) with a 0-d target.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  rejectUnknownOptions('crossEntropy', options, CROSS_ENTROPY_OPTIONS);
  requireFloat('crossEntropy', input, 'logits');
  requireInt('crossEntropy', target, 'target');
  const ignoreIndex = options.ignoreIndex ?? -100;
  const labelSmoothing = options.labelSmoothing ?? 0;
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  const { logits, targets, targetShape } = classesLast('crossEntropy', input, target);
  const classes = logits.shape[1];
  const weight = classWeight('crossEntropy', options.weight, classes, input.dtype);
  const rows = rowWeights('crossEntropy', targets, classes, ignoreIndex, weight, input.dtype);
  // Unweighted: the fused kernel. Weighted: composed of differentiable ops (both modes).
  const perRow = weight
    ? weightedCrossEntropyRows(logits, rows, weight, labelSmoothing)
    : apply1(crossEntropyRowsOp, [logits, targets], { ignoreIndex, labelSmoothing });
  return reduceLoss(perRow, options.reduction ?? 'mean', targetShape, rows.total);
}

/**
 * PyTorch's weighted cross-entropy with label smoothing ε over C classes
 * (cross_entropy_loss_label_smoothing in ATen's LossNLL.cpp):
 * (1 − ε)·(−w[y]·log p_y) + ε/C · (−Σ_c w_c·log p_c), each 0 for ignored rows.
 * The 'mean' divisor of both terms is Σ w[y] over non-ignored rows.
 */
function weightedCrossEntropyRows(logits: Tensor, rows: RowWeights, weight: Tensor, labelSmoothing: number): Tensor {
  const logProbs = logSoftmax(logits, -1);
  const nll = weightedNll(logProbs, rows);
  if (labelSmoothing === 0) return nll;
  const smoothing = neg(sum(mul(logProbs, weight), -1));
  const smoothingKept = where(rows.keep, smoothing, scalarLike(0, smoothing));
  return add(mul(nll, 1 - labelSmoothing), mul(smoothingKept, labelSmoothing / logits.shape[1]));
}

export interface NllLossOptions {
  reduction?: Reduction;
  /** Targets equal to this are skipped; default −100 as in PyTorch. */
  ignoreIndex?: number;
  /** Class weights (C), a constant; 'mean' divides by the summed weight of the non-ignored targets. */
  weight?: Tensor | null;
}

/** Negative log-likelihood of log-probabilities (the output of logSoftmax), same layouts as crossEntropy. */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  rejectUnknownOptions('nllLoss', options, ['reduction', 'ignoreIndex', 'weight']);
  requireFloat('nllLoss', input, 'log-probabilities');
  requireInt('nllLoss', target, 'target');
  const ignoreIndex = options.ignoreIndex ?? -100;
  const { logits, targets, targetShape } = classesLast('nllLoss', input, target);
  const classes = logits.shape[1];
  const weight = classWeight('nllLoss', options.weight, classes, input.dtype);
  const rows = rowWeights('nllLoss', targets, classes, ignoreIndex, weight, input.dtype);
  return reduceLoss(weightedNll(logits, rows), options.reduction ?? 'mean', targetShape, rows.total);
}

function checkSameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.ndim !== b.ndim || a.shape.some((d, i) => d !== b.shape[i])) {
    // PyTorch broadcasts here with a UserWarning ("This will likely lead to incorrect results");
    // a (N, 1) prediction against an (N) target silently becomes an (N, N) loss, so we refuse.
    throw new ShapeError(
      `${op}: input ${formatShape(a.shape)} and target ${formatShape(b.shape)} must have the same shape ` +
      '(PyTorch would broadcast them with a warning, almost always a bug; expand() one explicitly if broadcasting is meant)',
    );
  }
}

/** An elementwise weight (PyTorch's `weight`, `pos_weight`): it must broadcast to the input's shape without enlarging it. */
function elementWeight(op: string, role: string, weight: Tensor | null | undefined, input: Tensor): Tensor | null {
  if (weight === undefined || weight === null) return null;
  const checked = checkWeightTensor(op, role, weight, input.dtype);
  const lead = input.ndim - checked.ndim;
  if (lead < 0 || checked.shape.some((d, i) => d !== 1 && d !== input.shape[i + lead])) {
    throw new ShapeError(`${op}: ${role} ${formatShape(checked.shape)} does not broadcast to the input's shape ${formatShape(input.shape)}`);
  }
  return checked;
}

function reduceElementwise(loss: Tensor, reduction: Reduction): Tensor {
  switch (reduction) {
    case 'none': return loss;
    case 'sum': return sum(loss);
    case 'mean': return mean(loss);
    default: throw new RangeError(`loss: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
}

/** Scale each element's loss by a constant weight (PyTorch applies it before the reduction; 'mean' stays a plain mean). */
function weighted(loss: Tensor, weight: Tensor | null): Tensor {
  return weight ? mul(loss, weight) : loss;
}

export interface LossOptions {
  reduction?: Reduction;
}

/** Mean squared error (seed 004): (x − y)². */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  rejectUnknownOptions('mseLoss', options, ['reduction']);
  checkSameShape('mseLoss', input, target);
  return reduceElementwise(square(sub(input, target)), options.reduction ?? 'mean');
}

/** Mean absolute error: |x − y|. */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  rejectUnknownOptions('l1Loss', options, ['reduction']);
  checkSameShape('l1Loss', input, target);
  return reduceElementwise(abs(sub(input, target)), options.reduction ?? 'mean');
}

// BCE on probabilities, PyTorch's definition: logs clamped at −100 so p ∈ {0, 1} stays finite, and
// ∂/∂p = (p − y) / max(p(1 − p), 1e−12) as in PyTorch's binary_cross_entropy_backward.
// ∂/∂y = log(1 − p) − log p with both logs clamped: the derivative of the clamped forward.
// PyTorch 1.13 leaves these logs unclamped, so at p ∈ {0, 1} its target gradient is ±inf while
// its loss is linear in y with slope ±100; we return the finite slope (finite differences agree).
// PyTorch's EPSILON is the float 1e-12f (9.99999996e-13), which shows in the gradient's 9th digit.
const BCE_EPSILON = Math.fround(1e-12);
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

/** g·∂/∂a + (the same for b), skipping absent tangents: the JVP of a two-input elementwise loss. */
function sumOfProducts(ta: Tensor | null, da: () => Tensor, tb: Tensor | null, db: () => Tensor): Tensor | null {
  const a = ta ? mul(ta, da()) : null;
  const b = tb ? mul(tb, db()) : null;
  return a && b ? add(a, b) : a ?? b;
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
  jvp: ({ inputs: [p, y] }, [tp, ty]) => [sumOfProducts(tp, () => bceProbabilityGrad(p, y), ty, () => bceTargetGrad(p))],
});

export interface BinaryCrossEntropyOptions {
  reduction?: Reduction;
  /** A constant rescaling of each element's loss, broadcast to the input's shape (PyTorch's `weight`). */
  weight?: Tensor | null;
}

/** Binary cross-entropy on probabilities: −w·(y log p + (1 − y) log(1 − p)), logs clamped at −100 as in PyTorch. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BinaryCrossEntropyOptions = {}): Tensor {
  rejectUnknownOptions('binaryCrossEntropy', options, ['reduction', 'weight']);
  checkSameShape('binaryCrossEntropy', input, target);
  requireFloat('binaryCrossEntropy', input);
  requireFloat('binaryCrossEntropy', target, 'target');
  const weight = elementWeight('binaryCrossEntropy', 'weight', options.weight, input);
  return reduceElementwise(weighted(apply1(bceOp, [input, target], null), weight), options.reduction ?? 'mean');
}

// BCE on logits with PyTorch's pos_weight p (1 without it): with L = 1 + (p − 1)·y,
// loss = (1 − y)·x + L·softplus(−x), softplus(−x) = max(−x, 0) + log(1 + e^(−|x|)) (stable at ±1000);
// without p this is max(x, 0) − x·y + log(1 + e^(−|x|)).
// ∂/∂x = L·σ(x) − p·y (σ(x) − y without p); ∂/∂y = (p − 1)·softplus(−x) − x.
const softplusOfNegative = (v: number): number => Math.max(-v, 0) + Math.log1p(Math.exp(-Math.abs(v)));

function bceLogitsForward([x, y, posWeight]: readonly Tensor[]): Tensor {
  const out = emptyTensor(x.shape, x.dtype);
  const xd = x.data, yd = y.data, o = out.data;
  if (!posWeight) {
    for (let i = 0; i < xd.length; i++) o[i] = Math.max(xd[i], 0) - xd[i] * yd[i] + Math.log1p(Math.exp(-Math.abs(xd[i])));
    return out;
  }
  const pd = posWeight.data;
  for (let i = 0; i < xd.length; i++) o[i] = (1 - yd[i]) * xd[i] + (1 + (pd[i] - 1) * yd[i]) * softplusOfNegative(xd[i]);
  return out;
}

function bceLogitsInputGrad([x, y, posWeight]: readonly Tensor[]): Tensor {
  if (!posWeight) return sub(sigmoid(x), y);
  const scale = add(mul(sub(posWeight, 1), y), 1);
  return sub(mul(scale, sigmoid(x)), mul(posWeight, y));
}

function bceLogitsTargetGrad([x, , posWeight]: readonly Tensor[]): Tensor {
  if (!posWeight) return neg(x);
  const softplus = emptyTensor(x.shape, x.dtype);
  for (let i = 0; i < x.size; i++) softplus.data[i] = softplusOfNegative(x.data[i]);
  return sub(mul(sub(posWeight, 1), softplus), x);
}

// Inputs [logits, target] or [logits, target, posWeight] (posWeight a constant of the logits' shape).
const bceWithLogitsOp = defineOp<null>({
  name: 'binaryCrossEntropyWithLogits',
  forward: (inputs) => bceLogitsForward(inputs),
  vjp: ({ inputs }, [g]) => [
    g ? mul(g, bceLogitsInputGrad(inputs)) : null,
    g && inputs[1].requiresGrad ? mul(g, bceLogitsTargetGrad(inputs)) : null,
    null,
  ],
  jvp: ({ inputs }, [tx, ty]) => [sumOfProducts(tx, () => bceLogitsInputGrad(inputs), ty, () => bceLogitsTargetGrad(inputs))],
});

export interface BinaryCrossEntropyWithLogitsOptions {
  reduction?: Reduction;
  /** A constant rescaling of each element's loss, broadcast to the input's shape (PyTorch's `weight`). */
  weight?: Tensor | null;
  /**
   * A constant weight of the positive term, −p·y·log σ(x), broadcast to the input's shape —
   * usually one per class, (C), with p = #negatives / #positives (PyTorch's `pos_weight`).
   */
  posWeight?: Tensor | null;
}

/** Binary cross-entropy on logits, numerically stable for any logit (±1000 included). */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BinaryCrossEntropyWithLogitsOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  rejectUnknownOptions(op, options, ['reduction', 'weight', 'posWeight']);
  checkSameShape(op, input, target);
  requireFloat(op, input);
  requireFloat(op, target, 'target');
  const weight = elementWeight(op, 'weight', options.weight, input);
  const posWeight = elementWeight(op, 'posWeight', options.posWeight, input);
  const inputs = posWeight ? [input, target, expand(posWeight, input.shape)] : [input, target];
  return reduceElementwise(weighted(apply1(bceWithLogitsOp, inputs, null), weight), options.reduction ?? 'mean');
}
