/**
 * Broadcasting and its adjoint. `expand` stretches size-1 dims, `sum` (and
 * `sumToShape`) adds them back up, `reshape` moves between the shapes in between.
 * They live together because each one's gradient is written with the others —
 * expand's VJP is a sum, sum's VJP a reshape and an expand — so no other op
 * module is needed to differentiate them, and every other op can build on them.
 */
import { kernels } from '../backend/index.js';
import { broadcastStrides, formatShape, normalizeDims, ShapeError, shapesEqual, sizeOf, type Shape } from '../tensor/shape.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { apply1, defineOp } from './op.js';
import { reducedShape, reduceForward, type ReduceAttrs } from './untracked.js';

// ---------------------------------------------------------------- reshape
const reshapeOp = defineOp<{ shape: number[] }>({
  name: 'reshape',
  forward: ([x], { shape }) => new Tensor(x.data, shape),
  vjp: ({ inputs: [x] }, [g]) => [g ? reshape(g, x.shape) : null],
  jvp: ({ attrs }, [t]) => [t ? reshape(t, attrs.shape) : null],
});

/** Resolve one −1 entry and check the element count. */
function resolveShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  const out = [...shape];
  const unknown = out.indexOf(-1);
  if (unknown !== out.lastIndexOf(-1)) throw new ShapeError(`${op}: only one dimension can be -1, got ${formatShape(shape)}`);
  if (unknown >= 0) {
    const known = sizeOf(out.filter((_, i) => i !== unknown));
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(`${op}: cannot infer -1 in ${formatShape(shape)} for a tensor of shape ${formatShape(x.shape)} (${x.size} elements)`);
    }
    out[unknown] = x.size / known;
  }
  if (sizeOf(out) !== x.size || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`${op}: shape ${formatShape(shape)} is invalid for a tensor of shape ${formatShape(x.shape)} (${x.size} elements)`);
  }
  return out;
}

/** A view with a new shape (one dim may be −1). Shares storage. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const resolved = resolveShape('reshape', x, shape);
  if (resolved.length === x.ndim && resolved.every((d, i) => d === x.shape[i])) return x;
  return apply1(reshapeOp, [x], { shape: resolved });
}

export const view = reshape;

// ---------------------------------------------------------------- expand
const expandOp = defineOp<{ shape: number[] }>({
  name: 'expand',
  forward: ([x], { shape }) => {
    const out = emptyTensor(shape, x.dtype);
    kernels.stridedCopy(x.data, 0, broadcastStrides(x.shape, shape), shape, out.data);
    return out;
  },
  vjp: ({ inputs: [x] }, [g]) => [g ? sumToShape(g, x.shape) : null],
  jvp: ({ attrs }, [t]) => [t ? expand(t, attrs.shape) : null],
});

/** Broadcast to a larger shape (−1 keeps a dim). Materializes the result. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.ndim;
  if (lead < 0) throw new ShapeError(`expand: target ${formatShape(shape)} has fewer dims than the input ${formatShape(x.shape)}`);
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
  for (let i = 0; i < x.ndim; i++) {
    const from = x.shape[i], to = target[i + lead];
    if (from !== to && from !== 1) {
      throw new ShapeError(`expand: cannot expand shape ${formatShape(x.shape)} to ${formatShape(shape)} (dim ${i + lead}: ${from} → ${to})`);
    }
  }
  if (lead === 0 && target.every((d, i) => d === x.shape[i])) return x;
  return apply1(expandOp, [x], { shape: target });
}

// ---------------------------------------------------------------- sum
export type Dims = number | readonly number[] | null;

/**
 * The dims reduction `op` reduces, sorted. As in PyTorch 1.13: omitted, null
 * and `[]` all mean every dim (`torch.sum(x, [])` sums everything), and a 0-d
 * tensor accepts dim 0 or −1 (it is treated as having one dim of size 1), which
 * reduces nothing.
 */
export function reductionDims(op: string, dim: Dims | undefined, rank: number): number[] {
  const list = dim === null || dim === undefined || (typeof dim !== 'number' && dim.length === 0) ? null : dim;
  if (rank > 0 || list === null) return normalizeDims(op, list, rank);
  normalizeDims(op, list, 1); // range-checks 0 / −1 against the one implied dim
  return [];
}

/** The attrs of reduction `op` over `dim` (all dims when omitted). */
export function reduceAttrs(op: string, x: Tensor, dim: Dims | undefined, keepdim: boolean): ReduceAttrs {
  return { dims: reductionDims(op, dim, x.ndim), keepdim };
}

/** Bring a reduced gradient back to the input's shape (reinsert dims, then broadcast). */
export function unreduce(g: Tensor, inputShape: Shape, { dims, keepdim }: ReduceAttrs): Tensor {
  const kept = keepdim ? g : reshape(g, reducedShape(inputShape, dims, true));
  return expand(kept, inputShape);
}

export const sumOp = defineOp<ReduceAttrs>({
  name: 'sum',
  forward: ([x], attrs) => reduceForward('sum', x, attrs),
  vjp: ({ inputs: [x], attrs }, [g]) => [g ? unreduce(g, x.shape, attrs) : null],
  jvp: ({ attrs }, [t]) => [t ? sum(t, attrs.dims, attrs.keepdim) : null],
});

/** Sum over `dim` (all dims when omitted). */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return apply1(sumOp, [x], reduceAttrs('sum', x, dim, keepdim));
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
