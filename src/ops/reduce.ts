/**
 * Reductions over any set of dims, with keepdim. A contiguous block of dims maps
 * onto the kernel's (outer, n, inner) view without copying; other sets are first
 * permuted so the reduced dims come last.
 */
import { kernels } from '../backend/index.js';
import { formatShape, normalizeDim, sizeOf } from '../tensor/shape.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { add, div, mul, sub } from './arithmetic.js';
import { reduceAttrs, reductionDims, sum, sumOp, unreduce, type Dims } from './broadcast.js';
import { where } from './indexing.js';
import { apply1, defineOp } from './op.js';
import { exp } from './unary.js';
import { binaryForward, reducedShape, reduceForward, reductionView, type ReduceAttrs } from './untracked.js';
import { requireFloat, scalarLike } from './util.js';

// sum lives with expand in ./broadcast.ts (each one's gradient is written with the other).
export { sum, sumToShape, type Dims } from './broadcast.js';
export { reductionView } from './untracked.js';

/**
 * The share of a max/min's gradient each element receives: 1/count for the
 * `count` elements equal to the extremum (ties split evenly, PyTorch's amax and
 * full-max rule), 0 elsewhere. Computed in x's dtype, so a float64 share of a
 * three-way tie is 1/3 to double precision. `nanSelects`: a NaN extremum
 * selects the NaN elements, as `torch.max(x)` (evenly_distribute_backward) does;
 * `torch.amax` compares NaN == NaN (false), so its share is 0/0 = NaN.
 */
function extremumShare(x: Tensor, y: Tensor, attrs: ReduceAttrs, nanSelects: boolean): Tensor {
  const hits = binaryForward('eq', x, unreduce(y, x.shape, attrs));
  if (nanSelects && Number.isNaN(y.data[0])) {
    const d = x.data, h = hits.data;
    for (let i = 0; i < d.length; i++) h[i] = Number.isNaN(d[i]) ? 1 : 0;
  }
  const mask = emptyTensor(x.shape, x.dtype);
  mask.data.set(hits.data);
  const count = reduceForward('sum', mask, { dims: attrs.dims, keepdim: true });
  return binaryForward('div', mask, count);
}

/** max/min over dims (`nanSelects` false: torch.amax/amin) or over the whole tensor with dim omitted (true: torch.max(x)'s VJP). */
function extremumOp(op: 'max' | 'min', nanSelects: boolean) {
  return defineOp<ReduceAttrs>({
    name: op,
    forward: ([x], attrs) => {
      requireNonEmptyReduction(op, x, attrs.dims);
      return reduceForward(op, x, attrs);
    },
    vjp: ({ inputs: [x], outputs: [y], attrs }, [g]) => [g ? mul(unreduce(g, x.shape, attrs), extremumShare(x, y, attrs, nanSelects)) : null],
    // torch's forward mode (evenly_read_jvp, amaxamin_jvp) compares x == result even for torch.max(x): a NaN extremum has tangent NaN.
    jvp: ({ inputs: [x], outputs: [y], attrs }, [t]) => [t ? sum(mul(t, extremumShare(x, y, attrs, false)), attrs.dims, attrs.keepdim) : null],
  });
}

/**
 * max/min/argmax/argmin have no identity element: like PyTorch they reduce an
 * empty tensor over non-empty dims (shape [0, 3] over dim 1 gives shape [0])
 * but refuse to reduce a dim of size 0.
 */
function requireNonEmptyReduction(op: string, x: Tensor, dims: readonly number[]): void {
  if (x.size !== 0) return;
  const empty = dims.find((d) => x.shape[d] === 0);
  if (empty !== undefined) {
    throw new RangeError(`${op}: cannot reduce dim ${empty} of size 0 (input shape ${formatShape(x.shape)}): the result has no identity element`);
  }
}

const maxOp = extremumOp('max', false);
const minOp = extremumOp('min', false);
const maxAllOp = extremumOp('max', true);
const minAllOp = extremumOp('min', true);

// logsumexp(x) = m + log Σ exp(x − m), m = max x (stable at ±1000); ∂/∂x = softmax(x) = exp(x − y).
const logSumExpOp = defineOp<ReduceAttrs>({
  name: 'logsumexp',
  forward: ([x], attrs) => {
    requireFloat('logsumexp', x);
    const keep = { dims: attrs.dims, keepdim: true };
    const m = reduceForward('max', x, keep);
    const md = m.data;
    for (let i = 0; i < md.length; i++) if (!Number.isFinite(md[i])) md[i] = 0; // all −∞ (or +∞) rows: shift by 0
    const shifted = binaryForward('sub', x, m);
    kernels.unary('exp', shifted.data, shifted.data);
    const s = reduceForward('sum', shifted, keep);
    kernels.unary('log', s.data, s.data);
    const y = binaryForward('add', s, m);
    return attrs.keepdim ? y : new Tensor(y.data, reducedShape(x.shape, attrs.dims, false));
  },
  vjp: ({ inputs: [x], outputs: [y], attrs }, [g]) => [g ? mul(unreduce(g, x.shape, attrs), softWeights(x, y, attrs)) : null],
  jvp: ({ inputs: [x], outputs: [y], attrs }, [t]) => [t ? sum(mul(t, softWeights(x, y, attrs)), attrs.dims, attrs.keepdim) : null],
});

function softWeights(x: Tensor, y: Tensor, attrs: ReduceAttrs): Tensor {
  return exp(sub(x, unreduce(y, x.shape, attrs)));
}

/** Mean over `dim` (all dims when omitted). */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  requireFloat('mean', x);
  const attrs = reduceAttrs('mean', x, dim, keepdim);
  const count = sizeOf(attrs.dims.map((d) => x.shape[d]));
  return mul(apply1(sumOp, [x], attrs), 1 / count);
}

/**
 * Maximum values over `dim` (all dims when omitted). For indices use `argmax`.
 * The gradient is split evenly among tied maxima, as `torch.amax` (with `dim`)
 * and `torch.max(x)` (without) do — not routed to one index as `torch.max(x, dim)`
 * does; `topk(x, 1, dim)` gives that form.
 */
export function max(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const op = dim === undefined || dim === null ? maxAllOp : maxOp;
  return apply1(op, [x], reduceAttrs('max', x, dim, keepdim));
}

export function min(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const op = dim === undefined || dim === null ? minAllOp : minOp;
  return apply1(op, [x], reduceAttrs('min', x, dim, keepdim));
}

export function logsumexp(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return apply1(logSumExpOp, [x], reduceAttrs('logsumexp', x, dim, keepdim));
}

export interface VarianceOptions {
  /** Bessel's correction: divide by N − correction. Default 1 (unbiased), as torch.var. */
  correction?: number;
  keepdim?: boolean;
}

interface VarianceAttrs extends ReduceAttrs {
  correction: number;
  /** N, the number of elements reduced into each result. */
  count: number;
  /** dim omitted or x 0-d: PyTorch's var_backward then has a special case for N = correction. */
  whole: boolean;
}

/** Σ(x − mean)² / max(0, N − correction), with the centered values kept for the gradient. */
function varianceForward(x: Tensor, attrs: VarianceAttrs): { variance: Tensor; centered: Tensor } {
  const keep = { dims: attrs.dims, keepdim: true };
  const mean = binaryForward('div', reduceForward('sum', x, keep), scalarLike(attrs.count, x));
  const centered = binaryForward('sub', x, mean);
  const squares = reduceForward('sum', binaryForward('mul', centered, centered), attrs);
  const variance = binaryForward('div', squares, scalarLike(Math.max(0, attrs.count - attrs.correction), x));
  return { variance, centered };
}

/**
 * PyTorch 1.13's var_backward: g ↦ (2 / (N − correction)) · g · (x − mean). The
 * factor is written as is, so N = correction gives ±∞ (or NaN where x equals
 * the mean) and N < correction a negative factor, exactly as torch does; with
 * dim omitted (or a 0-d x) and N = correction torch returns ∞ · g instead.
 */
function varianceBackward(g: Tensor, centered: Tensor, attrs: VarianceAttrs): Tensor {
  return varianceLinear(unreduce(g, centered.shape, attrs), centered, attrs);
}

// var's JVP is the same map summed (PyTorch's var_jvp): t ↦ Σ (2 / (N − correction)) · t · (x − mean).
function varianceTangent(t: Tensor, centered: Tensor, attrs: VarianceAttrs): Tensor {
  return sum(varianceLinear(t, centered, attrs), attrs.dims, attrs.keepdim);
}

/** v ↦ (2 / (N − correction)) · v · (x − mean) for v of x's shape (∞ · v in torch's whole-tensor N = correction case). */
function varianceLinear(v: Tensor, centered: Tensor, attrs: VarianceAttrs): Tensor {
  if (attrs.whole && attrs.count === attrs.correction) return mul(v, Infinity);
  return mul(mul(v, 2 / (attrs.count - attrs.correction)), centered);
}

const varianceOp = defineOp<VarianceAttrs, Tensor>({
  name: 'var',
  forward: ([x], attrs) => {
    const { variance, centered } = varianceForward(x, attrs);
    return { outputs: [variance], saved: centered };
  },
  vjp: ({ saved, attrs }, [g]) => [g ? varianceBackward(g, saved, attrs) : null],
  jvp: ({ saved, attrs }, [t]) => [t ? varianceTangent(t, saved, attrs) : null],
});

/** g / (2·std), taken as 0 where std = 0 (PyTorch's std_backward masks it there rather than give 0 · ∞ = NaN). */
function halfOverStd(g: Tensor, y: Tensor): Tensor {
  const scaled = div(g, mul(y, 2));
  return where(binaryForward('eq', y, scalarLike(0, y)), scalarLike(0, y), scaled);
}

const stdOp = defineOp<VarianceAttrs, Tensor>({
  name: 'std',
  forward: ([x], attrs) => {
    const { variance, centered } = varianceForward(x, attrs);
    kernels.unary('sqrt', variance.data, variance.data);
    return { outputs: [variance], saved: centered };
  },
  vjp: ({ outputs: [y], saved, attrs }, [g]) => [g ? varianceBackward(halfOverStd(g, y), saved, attrs) : null],
  jvp: ({ outputs: [y], saved, attrs }, [t]) => [t ? halfOverStd(varianceTangent(t, saved, attrs), y) : null],
});

function varianceAttrs(op: string, x: Tensor, dim: Dims | undefined, options: VarianceOptions): VarianceAttrs {
  requireFloat(op, x);
  const { dims, keepdim } = reduceAttrs(op, x, dim, options.keepdim ?? false);
  const whole = x.ndim === 0 || dim === undefined || dim === null;
  return { dims, keepdim, correction: options.correction ?? 1, count: sizeOf(dims.map((d) => x.shape[d])), whole };
}

/** Variance over `dim`: Σ(x − mean)² / (N − correction); gradients follow torch.var's, also at N ≤ correction. */
export function variance(x: Tensor, dim?: Dims, options: VarianceOptions = {}): Tensor {
  return apply1(varianceOp, [x], varianceAttrs('var', x, dim, options));
}

/** Standard deviation: √var; its gradient is 0 where the result is 0, as torch.std's. */
export function std(x: Tensor, dim?: Dims, options: VarianceOptions = {}): Tensor {
  return apply1(stdOp, [x], varianceAttrs('std', x, dim, options));
}

/** Index of the maximum along `dim` (over the flattened tensor when omitted); int32. */
export function argmax(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argReduce('argmax', x, dim, keepdim);
}

export function argmin(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argReduce('argmin', x, dim, keepdim);
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  if (dim === null || dim === undefined) {
    if (x.size === 0) throw new RangeError(`${op}: cannot reduce an empty tensor of shape ${formatShape(x.shape)} over all dims; give a dim`);
    const out = new Int32Array(1);
    kernels.argReduce(op, x.data, 1, x.size, 1, out);
    return new Tensor(out, keepdim ? x.shape.map(() => 1) : []);
  }
  const dims = reductionDims(op, dim, x.ndim);
  requireNonEmptyReduction(op, x, dims);
  const view = reductionView(x, dims);
  const out = new Int32Array(view.outer * view.inner);
  kernels.argReduce(op, view.data, view.outer, view.n, view.inner, out);
  return new Tensor(out, reducedShape(x.shape, dims, keepdim));
}

// cumsum's adjoint is the reverse cumulative sum: Σ_{j ≥ i} g_j = total − cumsum(g) + g.
const cumsumOp = defineOp<{ dim: number }>({
  name: 'cumsum',
  forward: ([x], { dim }) => {
    const out = emptyTensor(x.shape, x.dtype);
    const view = reductionView(x, [dim]);
    kernels.cumsum(view.data, view.outer, view.n, view.inner, out.data);
    return out;
  },
  vjp: ({ attrs }, [g]) => [g ? add(sub(sum(g, attrs.dim, true), cumsum(g, attrs.dim)), g) : null],
  jvp: ({ attrs }, [t]) => [t ? cumsum(t, attrs.dim) : null],
});

export function cumsum(x: Tensor, dim: number): Tensor {
  // A 0-d tensor takes dim 0 / −1 as in PyTorch; its one element is its own cumulative sum.
  return apply1(cumsumOp, [x], { dim: normalizeDim('cumsum', dim, Math.max(1, x.ndim)) });
}
