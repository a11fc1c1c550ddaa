/**
 * Indexing ops: gather / indexSelect / take (adjoint: scatter-add), where and
 * maskedFill (adjoint: route the gradient by the condition), triu/tril, and the
 * order queries topk and sort (values differentiable through gather).
 */
import { kernels } from '../backend/index.js';
import { allocate } from '../tensor/dtype.js';
import { broadcastShapes, broadcastStrides, contiguousStrides, formatShape, normalizeDim, ShapeError, sizeOf } from '../tensor/shape.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { reshape, sumToShape } from './broadcast.js';
import { apply1, defineOp, type OpDefinition } from './op.js';
import { flatten } from './shape.js';
import { asTensor, requireInt, type TensorLike } from './util.js';

// ---------------------------------------------------------------- gather
/**
 * Flat offsets into x for a gather along `dim`: offsets[i] is where index element i
 * reads (gather) or writes (scatter-add). One odometer walk, no per-element calls.
 */
function gatherOffsets(op: string, xShape: readonly number[], index: Tensor, dim: number): Int32Array {
  const xStrides = contiguousStrides(xShape);
  const shape = index.shape;
  const rank = shape.length;
  const pos = new Array<number>(rank).fill(0);
  const n = xShape[dim];
  const idx = index.data;
  const offsets = new Int32Array(idx.length);
  let base = 0; // Σ_{d ≠ dim} pos[d]·stride[d], kept incrementally
  for (let flat = 0; flat < idx.length; flat++) {
    const target = idx[flat];
    // Negative indices are refused, not wrapped, as torch.gather / scatter_add do.
    if (target < 0 || target >= n) {
      throw new RangeError(`${op}: index ${target} is out of range for dim ${dim} of size ${n} (valid: 0..${n - 1})`);
    }
    offsets[flat] = base + target * xStrides[dim];
    for (let d = rank - 1; d >= 0; d--) {
      if (++pos[d] < shape[d]) { if (d !== dim) base += xStrides[d]; break; }
      if (d !== dim) base -= (shape[d] - 1) * xStrides[d];
      pos[d] = 0;
    }
  }
  return offsets;
}

/** out[i][j][k] = x[i][index[i][j][k]][k] for dim = 1 (index has x's rank; other dims ≤ x's). */
function gatherForward(x: Tensor, index: Tensor, dim: number): Tensor {
  const out = emptyTensor(index.shape, x.dtype);
  const offsets = gatherOffsets('gather', x.shape, index, dim);
  const src = x.data, dst = out.data;
  for (let i = 0; i < offsets.length; i++) dst[i] = src[offsets[i]];
  return out;
}

const gatherOp = defineOp<{ dim: number }>({
  name: 'gather',
  forward: ([x, index], { dim }) => gatherForward(x, index, dim),
  vjp: ({ inputs: [x, index], attrs }, [g]) => [g ? scatterAdd(g, index, attrs.dim, x.shape) : null, null],
  jvp: ({ inputs: [, index], attrs }, [t]) => [t ? gather(t, attrs.dim, index) : null],
});

// scatterAdd(g) into zeros(shape): the adjoint of gather; its own adjoint is gather.
const scatterAddOp: OpDefinition<{ dim: number; shape: number[] }> = defineOp<{ dim: number; shape: number[] }>({
  name: 'scatterAdd',
  forward: ([g, index], { dim, shape }) => {
    const out = emptyTensor(shape, g.dtype);
    const offsets = gatherOffsets('scatterAdd', shape, index, dim);
    const src = g.data, dst = out.data;
    for (let i = 0; i < offsets.length; i++) dst[offsets[i]] += src[i];
    return out;
  },
  vjp: ({ inputs: [, index], attrs }, [g]) => [g ? gather(g, attrs.dim, index) : null, null],
  jvp: ({ inputs: [, index], attrs }, [t]) => [t ? apply1(scatterAddOp, [t, index], attrs) : null],
});

function scatterAdd(g: Tensor, index: Tensor, dim: number, shape: readonly number[]): Tensor {
  return apply1(scatterAddOp, [g, index], { dim, shape: [...shape] });
}

/** PyTorch's `torch.gather(x, dim, index)`. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  requireInt('gather', index, 'index');
  const d = normalizeDim('gather', dim, x.ndim);
  if (index.ndim !== x.ndim || index.shape.some((s, i) => i !== d && s > x.shape[i])) {
    throw new ShapeError(`gather: index of shape ${formatShape(index.shape)} does not fit input of shape ${formatShape(x.shape)} along dim ${dim}`);
  }
  return apply1(gatherOp, [x, index], { dim: d });
}

/** Rows (or slices along `dim`) picked by a 1-D int32 index: `torch.index_select`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  requireInt('indexSelect', index, 'index');
  if (index.ndim !== 1) throw new ShapeError(`indexSelect: index must be 1-D, got shape ${formatShape(index.shape)}`);
  const d = normalizeDim('indexSelect', dim, x.ndim);
  // Expand the index to gather's layout: size of x everywhere except `dim`.
  for (let i = 0; i < index.size; i++) {
    const v = index.data[i];
    if (v < 0 || v >= x.shape[d]) throw new RangeError(`indexSelect: index ${v} is out of range for dim ${dim} of size ${x.shape[d]}`);
  }
  const shape = [...x.shape];
  shape[d] = index.size;
  const expanded = new Int32Array(sizeOf(shape));
  const inner = sizeOf(shape.slice(d + 1)), outer = sizeOf(shape.slice(0, d));
  for (let o = 0, p = 0; o < outer; o++) {
    for (let i = 0; i < index.size; i++) {
      const v = index.data[i];
      for (let k = 0; k < inner; k++) expanded[p++] = v;
    }
  }
  return gather(x, d, new Tensor(expanded, shape));
}

/** Elements of the flattened tensor at the given indices (output has the index's shape). */
export function take(x: Tensor, index: Tensor): Tensor {
  requireInt('take', index, 'index');
  // torch.take, unlike gather, counts negative indices from the end.
  const wrapped = new Int32Array(index.size);
  for (let i = 0; i < index.size; i++) {
    const v = index.data[i];
    if (v < -x.size || v >= x.size) throw new RangeError(`take: index ${v} is out of range for a tensor of ${x.size} elements`);
    wrapped[i] = v < 0 ? v + x.size : v;
  }
  return reshape(indexSelect(flatten(x), 0, new Tensor(wrapped, [index.size])), index.shape);
}

// ---------------------------------------------------------------- where
const whereOp = defineOp<null>({
  name: 'where',
  forward: ([cond, a, b]) => {
    const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, a.shape), b.shape);
    const dtype = a.dtype === b.dtype ? a.dtype : a.dtype === 'float64' || b.dtype === 'float64' ? 'float64' : 'float32';
    const out = emptyTensor(shape, dtype);
    kernels.where(cond.data, broadcastStrides(cond.shape, shape), a.data, broadcastStrides(a.shape, shape), b.data, broadcastStrides(b.shape, shape), out.data, shape);
    return out;
  },
  vjp: ({ inputs: [cond, a, b] }, [g]) => {
    if (!g) return [null, null, null];
    const zero = asTensor(0, g);
    return [null, sumToShape(where(cond, g, zero), a.shape), sumToShape(where(cond, zero, g), b.shape)];
  },
  jvp: ({ inputs: [cond, a, b], outputs: [y] }, [, ta, tb]) => {
    if (!ta && !tb) return [null];
    return [where(cond, ta ?? zerosOf(a, y), tb ?? zerosOf(b, y))];
  },
});

function zerosOf(t: Tensor, like: Tensor): Tensor {
  return new Tensor(allocate(like.dtype, t.size), t.shape);
}

/** Elementwise `cond ? a : b` with broadcasting (cond: any tensor, nonzero = true). */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const ta = a instanceof Tensor ? a : b instanceof Tensor ? asTensor(a, b) : asTensor(a, cond.dtype === 'int32' ? asTensor(0.5, cond) : cond);
  const tb = b instanceof Tensor ? b : asTensor(b, ta);
  return apply1(whereOp, [cond, ta, tb], null);
}

/** Fill positions where `mask` is nonzero with `value` (mask broadcasts to x). */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  const shape = broadcastShapes('maskedFill', x.shape, mask.shape);
  if (shape.length !== x.ndim || shape.some((d, i) => d !== x.shape[i])) {
    throw new ShapeError(`maskedFill: mask of shape ${formatShape(mask.shape)} must broadcast to the input's shape ${formatShape(x.shape)}`);
  }
  return where(mask, asTensor(value, x), x);
}

// ---------------------------------------------------------------- triu / tril
function triangleMask(rows: number, cols: number, diagonal: number, upper: boolean): Tensor {
  const mask = new Int32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) mask[i * cols + j] = (upper ? j - i >= diagonal : j - i <= diagonal) ? 1 : 0;
  }
  return new Tensor(mask, [rows, cols]);
}

/** Upper triangle of the last two dims (j − i ≥ diagonal kept), zeros elsewhere. */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle('triu', x, diagonal, true);
}

/** Lower triangle of the last two dims (j − i ≤ diagonal kept). */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle('tril', x, diagonal, false);
}

function triangle(op: string, x: Tensor, diagonal: number, upper: boolean): Tensor {
  if (x.ndim < 2) throw new ShapeError(`${op}: input must have at least 2 dims, got shape ${formatShape(x.shape)}`);
  const mask = triangleMask(x.shape[x.ndim - 2], x.shape[x.ndim - 1], diagonal, upper);
  return where(mask, x, asTensor(0, x));
}

// ---------------------------------------------------------------- topk / sort
function orderAlong(x: Tensor, dim: number, compare: (a: number, b: number) => number, k: number): { values: Tensor; indices: Tensor } {
  const shape = [...x.shape];
  const n = shape[dim];
  shape[dim] = k;
  const inner = sizeOf(x.shape.slice(dim + 1)), outer = sizeOf(x.shape.slice(0, dim));
  const indices = new Int32Array(sizeOf(shape));
  const order = new Int32Array(n);
  const column = new Float64Array(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let r = 0; r < n; r++) { order[r] = r; column[r] = x.data[base + r * inner]; }
      // Stable sort of positions by value; NaN sorts as the largest, as in PyTorch.
      order.sort((p, q) => compare(column[p], column[q]) || p - q);
      const outBase = o * k * inner + i;
      for (let r = 0; r < k; r++) indices[outBase + r * inner] = order[r];
    }
  }
  const idx = new Tensor(indices, shape);
  return { values: gather(x, dim, idx), indices: idx };
}

const ascending = (a: number, b: number): number => (a !== a ? (b !== b ? 0 : 1) : b !== b ? -1 : a - b);
const descending = (a: number, b: number): number => ascending(b, a);

/** The k largest (or smallest) values along `dim` with their int32 indices, sorted. */
export function topk(x: Tensor, k: number, dim = -1, largest = true): { values: Tensor; indices: Tensor } {
  const d = normalizeDim('topk', dim, x.ndim);
  if (!Number.isInteger(k) || k < 0 || k > x.shape[d]) {
    throw new RangeError(`topk: k = ${k} is out of range for dim ${dim} of size ${x.shape[d]}`);
  }
  return orderAlong(x, d, largest ? descending : ascending, k);
}

/** Sort along `dim` (stable); values and the int32 permutation indices. */
export function sort(x: Tensor, dim = -1, descendingOrder = false): { values: Tensor; indices: Tensor } {
  const d = normalizeDim('sort', dim, x.ndim);
  return orderAlong(x, d, descendingOrder ? descending : ascending, x.shape[d]);
}
