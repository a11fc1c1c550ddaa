/**
 * Reductions over any set of dims, with keepdim. A contiguous block of dims maps
 * onto the kernel's (outer, n, inner) view without copying; other sets are first
 * permuted so the reduced dims come last.
 */
import type { AnyArray, ReduceOpName } from '../backend/backend.js';
import { kernels } from '../backend/index.js';
import { allocate } from '../tensor/dtype.js';
import { contiguousStrides, formatShape, normalizeDims, shapesEqual, sizeOf, type Shape } from '../tensor/shape.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { add, binaryForward, div, mul, sub } from './binary.js';
import { apply1, defineOp } from './op.js';
import { expand, reshape } from './shape.js';
import { exp, log, sqrt } from './unary.js';
import { requireFloat } from './util.js';

export type Dims = number | readonly number[] | null;

interface ReduceAttrs { dims: number[]; keepdim: boolean }

/** Shape of a reduction's result. */
function reducedShape(shape: Shape, dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (dims.includes(i)) { if (keepdim) out.push(1); } else out.push(shape[i]);
  }
  return out;
}

/** The data and (outer, n, inner) view to reduce `dims` of `x`, permuting when they are not contiguous. */
export function reductionView(x: Tensor, dims: readonly number[]): { data: AnyArray; outer: number; n: number; inner: number } {
  const shape = x.shape;
  if (dims.length === 0) return { data: x.data, outer: x.size, n: 1, inner: 1 };
  const first = dims[0], last = dims[dims.length - 1];
  if (last - first + 1 === dims.length) {
    return {
      data: x.data,
      outer: sizeOf(shape.slice(0, first)),
      n: sizeOf(shape.slice(first, last + 1)),
      inner: sizeOf(shape.slice(last + 1)),
    };
  }
  const kept = shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const order = [...kept, ...dims];
  const strides = contiguousStrides(shape);
  const permutedShape = order.map((i) => shape[i]);
  const data = allocate(x.dtype, x.size);
  kernels.stridedCopy(x.data, 0, order.map((i) => strides[i]), permutedShape, data);
  return { data, outer: sizeOf(kept.map((i) => shape[i])), n: sizeOf(dims.map((i) => shape[i])), inner: 1 };
}

function reduceForward(op: ReduceOpName, x: Tensor, { dims, keepdim }: ReduceAttrs): Tensor {
  const view = reductionView(x, dims);
  const out = emptyTensor(reducedShape(x.shape, dims, keepdim), x.dtype);
  kernels.reduce(op, view.data, view.outer, view.n, view.inner, out.data);
  return out;
}

/** Bring a reduced gradient back to the input's shape (reinsert dims, then broadcast). */
function unreduce(g: Tensor, inputShape: Shape, { dims, keepdim }: ReduceAttrs): Tensor {
  const kept = keepdim ? g : reshape(g, reducedShape(inputShape, dims, true));
  return expand(kept, inputShape);
}

const sumOp = defineOp<ReduceAttrs>({
  name: 'sum',
  forward: ([x], attrs) => reduceForward('sum', x, attrs),
  vjp: ({ inputs: [x], attrs }, [g]) => [g ? unreduce(g, x.shape, attrs) : null],
  jvp: ({ attrs }, [t]) => [t ? sum(t, attrs.dims, attrs.keepdim) : null],
});

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

function attrsFor(op: string, x: Tensor, dim: Dims | undefined, keepdim: boolean): ReduceAttrs {
  return { dims: normalizeDims(op, dim ?? null, x.ndim), keepdim };
}

/** Sum over `dim` (all dims when omitted). */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return apply1(sumOp, [x], attrsFor('sum', x, dim, keepdim));
}

/** Mean over `dim` (all dims when omitted). */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  requireFloat('mean', x);
  const attrs = attrsFor('mean', x, dim, keepdim);
  const count = sizeOf(attrs.dims.map((d) => x.shape[d]));
  return mul(apply1(sumOp, [x], attrs), 1 / count);
}

/** Maximum values over `dim` (all dims when omitted). For indices use `argmax`. */
export function max(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return apply1(maxOp, [x], attrsFor('max', x, dim, keepdim));
}

export function min(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return apply1(minOp, [x], attrsFor('min', x, dim, keepdim));
}

export function logsumexp(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return apply1(logSumExpOp, [x], attrsFor('logsumexp', x, dim, keepdim));
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

/** Sum `g` down to `shape` — the adjoint of broadcasting. */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  const summed = dims.length ? sum(g, dims, true) : g;
  return reshape(summed, shape);
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
