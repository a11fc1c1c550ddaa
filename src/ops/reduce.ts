/**
 * Reductions over any set of dims, with keepdim. A contiguous block of dims maps
 * onto the kernel's (outer, n, inner) view without copying; other sets are first
 * permuted so the reduced dims come last.
 */
import { kernels } from '../backend/index.js';
import { formatShape, normalizeDims, sizeOf } from '../tensor/shape.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { add, div, mul, sub } from './arithmetic.js';
import { reduceAttrs, sum, sumOp, unreduce, type Dims } from './broadcast.js';
import { apply1, defineOp } from './op.js';
import { exp, sqrt } from './unary.js';
import { binaryForward, reducedShape, reduceForward, reductionView, type ReduceAttrs } from './untracked.js';
import { requireFloat } from './util.js';

// sum lives with expand in ./broadcast.ts (each one's gradient is written with the other).
export { sum, sumToShape, type Dims } from './broadcast.js';
export { reductionView } from './untracked.js';

// max/min: the gradient goes to the elements equal to the extremum, split evenly among ties (PyTorch's amax rule).
function extremumOp(op: 'max' | 'min') {
  const share = (x: Tensor, y: Tensor, attrs: ReduceAttrs): Tensor => {
    const hits = binaryForward('eq', x, unreduce(y, x.shape, attrs));
    const count = reduceForward('sum', hits, { dims: attrs.dims, keepdim: true });
    return binaryForward('div', hits, count);
  };
  return defineOp<ReduceAttrs>({
    name: op,
    forward: ([x], attrs) => {
      if (x.size === 0) throw new RangeError(`${op}: cannot reduce an empty tensor of shape ${formatShape(x.shape)}`);
      return reduceForward(op, x, attrs);
    },
    vjp: ({ inputs: [x], outputs: [y], attrs }, [g]) => [g ? mul(unreduce(g, x.shape, attrs), share(x, y, attrs)) : null],
    jvp: ({ inputs: [x], outputs: [y], attrs }, [t]) => [t ? sum(mul(t, share(x, y, attrs)), attrs.dims, attrs.keepdim) : null],
  });
}
const maxOp = extremumOp('max');
const minOp = extremumOp('min');

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

/** Maximum values over `dim` (all dims when omitted). For indices use `argmax`. */
export function max(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return apply1(maxOp, [x], reduceAttrs('max', x, dim, keepdim));
}

export function min(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return apply1(minOp, [x], reduceAttrs('min', x, dim, keepdim));
}

export function logsumexp(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return apply1(logSumExpOp, [x], reduceAttrs('logsumexp', x, dim, keepdim));
}

export interface VarianceOptions {
  /** Bessel's correction: divide by N − correction. Default 1 (unbiased), as torch.var. */
  correction?: number;
  keepdim?: boolean;
}

/** Variance over `dim`: Σ(x − mean)² / (N − correction). */
export function variance(x: Tensor, dim?: Dims, options: VarianceOptions = {}): Tensor {
  requireFloat('var', x);
  const correction = options.correction ?? 1;
  const dims = normalizeDims('var', dim ?? null, x.ndim);
  const count = sizeOf(dims.map((d) => x.shape[d]));
  const centered = sub(x, mean(x, dims, true));
  return div(sum(mul(centered, centered), dims, options.keepdim ?? false), Math.max(0, count - correction));
}

/** Standard deviation: √var. */
export function std(x: Tensor, dim?: Dims, options: VarianceOptions = {}): Tensor {
  return sqrt(variance(x, dim, options));
}

/** Index of the maximum along `dim` (over the flattened tensor when omitted); int32. */
export function argmax(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argReduce('argmax', x, dim, keepdim);
}

export function argmin(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argReduce('argmin', x, dim, keepdim);
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  if (x.size === 0) throw new RangeError(`${op}: cannot reduce an empty tensor`);
  if (dim === null || dim === undefined) {
    const out = new Int32Array(1);
    kernels.argReduce(op, x.data, 1, x.size, 1, out);
    return new Tensor(out, keepdim ? x.shape.map(() => 1) : []);
  }
  const dims = normalizeDims(op, dim, x.ndim);
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
  return apply1(cumsumOp, [x], { dim: normalizeDims('cumsum', dim, x.ndim)[0] });
}
