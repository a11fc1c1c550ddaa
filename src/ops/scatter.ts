/**
 * Writing into a tensor at indexed positions: PyTorch's `scatter`, `scatter_add`
 * and `index_add` (https://pytorch.org/docs/1.13/generated/torch.Tensor.scatter_.html).
 * Two primitives — assign and add — with explicit rules; indexAdd is scatterAdd
 * with its 1-D index spread over the source's shape.
 *
 * For `dim = 1`: out = input, then out[i][index[i][j][k]][k] = src[i][j][k]
 * (scatter) or += src[i][j][k] (scatterAdd), for every position of `index`.
 * `src` may be larger than `index`; only its leading corner of index's shape is read.
 *
 * Duplicate indices: scatterAdd sums them (deterministic). For scatter PyTorch
 * leaves the winner unspecified (its CUDA kernels race); here the last write in
 * row-major order of `index` wins, and — by PyTorch's own rule, grad_src =
 * grad.gather(dim, index) — every src element aimed at a position gets that
 * position's gradient, winner or not. Use unique indices for scatter.
 */
import { formatShape, normalizeDim, ShapeError, sizeOf } from '../tensor/shape.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { reshape } from './broadcast.js';
import { mul } from './binary.js';
import { gather } from './indexing.js';
import { apply1, defineOp, type OpDefinition } from './op.js';
import { fullTensor, requireInt, zerosLikeTensor } from './util.js';

// ---------------------------------------------------------------- offsets
/** For every element of a tensor of `shape` (row-major): its coordinate along `dim`. */
function coordinatesAlong(shape: readonly number[], dim: number): Int32Array {
  const inner = sizeOf(shape.slice(dim + 1)), n = shape[dim];
  const out = new Int32Array(sizeOf(shape));
  for (let flat = 0; flat < out.length; flat++) out[flat] = Math.floor(flat / inner) % n;
  return out;
}

// PyTorch's scatter, scatter_add and index_add reject negative indices (unlike Python indexing).
function outOfRange(op: string, index: number, dim: number, size: number): RangeError {
  return new RangeError(`${op}: index ${index} is out of range for dim ${dim} of size ${size} (indices must be in 0..${size - 1}; negative ones are not allowed, as in PyTorch)`);
}

/**
 * Flat offsets for each element of `index`: into the output (the index value along
 * `dim`, the element's own coordinate elsewhere) and into `src` (its own coordinate).
 * Checks every index value against the size of `dim`, naming the op.
 */
function scatterOffsets(op: string, outShape: readonly number[], srcShape: readonly number[], index: Tensor, dim: number): { out: Int32Array; src: Int32Array } {
  const shape = index.shape, rank = shape.length, n = outShape[dim];
  const out = new Int32Array(index.size), src = new Int32Array(index.size);
  const pos = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < index.size; flat++) {
    const target = index.data[flat];
    if (target < 0 || target >= n) throw outOfRange(op, target, dim, n);
    let o = 0, s = 0;
    for (let d = 0; d < rank; d++) {
      o = o * outShape[d] + (d === dim ? target : pos[d]);
      s = s * srcShape[d] + pos[d];
    }
    out[flat] = o;
    src[flat] = s;
    for (let d = rank - 1; d >= 0 && ++pos[d] === shape[d]; d--) pos[d] = 0;
  }
  return { out, src };
}

function scatterForward(op: string, input: Tensor, index: Tensor, src: Tensor, dim: number, add: boolean): Tensor {
  const offsets = scatterOffsets(op, input.shape, src.shape, index, dim);
  const result = emptyTensor(input.shape, input.dtype);
  const dst = result.data, values = src.data;
  dst.set(input.data);
  if (add) for (let i = 0; i < offsets.out.length; i++) dst[offsets.out[i]] += values[offsets.src[i]];
  else for (let i = 0; i < offsets.out.length; i++) dst[offsets.out[i]] = values[offsets.src[i]];
  return result;
}

// ---------------------------------------------------------------- primitives
interface ScatterAttrs { dim: number }

/**
 * d out / d src: the output's cotangent gathered at the scattered positions, in
 * src's shape (zeros where src is larger than index and was never read). PyTorch
 * 1.13 raises "invalid gradient … got [index shape] but expected [src shape]" there.
 */
function srcGradient(g: Tensor, index: Tensor, dim: number, src: Tensor): Tensor {
  if (index.size === 0) return zerosLikeTensor(src);
  const picked = gather(g, dim, index);
  if (src.shape.every((s, d) => s === index.shape[d])) return picked;
  const identity = new Tensor(coordinatesAlong(index.shape, dim), index.shape);
  return apply1(scatterAssignOp, [zerosLikeTensor(src), identity, picked], { dim });
}

const scatterAssignOp: OpDefinition<ScatterAttrs> = defineOp<ScatterAttrs>({
  name: 'scatter',
  forward: ([input, index, src], { dim }) => scatterForward('scatter', input, index, src, dim, false),
  // Overwritten positions take nothing from the input.
  vjp: ({ inputs: [, index, src], attrs: { dim } }, [g]) =>
    (g ? [apply1(scatterAssignOp, [g, index, fullTensor(index.shape, 0, g.dtype)], { dim }), null, srcGradient(g, index, dim, src)] : [null, null, null]),
  jvp: ({ inputs: [input, index, src], attrs }, [ti, , ts]) =>
    (ti || ts ? [apply1(scatterAssignOp, [ti ?? zerosLikeTensor(input), index, ts ?? zerosLikeTensor(src)], attrs)] : [null]),
});

const scatterAddOp: OpDefinition<ScatterAttrs> = defineOp<ScatterAttrs>({
  name: 'scatterAdd',
  forward: ([input, index, src], { dim }) => scatterForward('scatterAdd', input, index, src, dim, true),
  vjp: ({ inputs: [, index, src], attrs: { dim } }, [g]) => (g ? [g, null, srcGradient(g, index, dim, src)] : [null, null, null]),
  jvp: ({ inputs: [input, index, src], attrs }, [ti, , ts]) =>
    (ti || ts ? [apply1(scatterAddOp, [ti ?? zerosLikeTensor(input), index, ts ?? zerosLikeTensor(src)], attrs)] : [null]),
});

// ---------------------------------------------------------------- checks
/** PyTorch's rules: same rank for all three; index no larger than src anywhere, nor than input outside `dim`. */
function checkScatterShapes(op: string, input: Tensor, index: Tensor, src: Tensor, dim: number): void {
  if (index.ndim !== input.ndim || src.ndim !== input.ndim) {
    throw new ShapeError(`${op}: index ${formatShape(index.shape)} and src ${formatShape(src.shape)} must have as many dims as the input ${formatShape(input.shape)}`);
  }
  // An empty index writes nothing; PyTorch then skips the size checks too.
  if (index.size > 0 && index.shape.some((s, d) => s > src.shape[d] || (d !== dim && s > input.shape[d]))) {
    throw new ShapeError(`${op}: index of shape ${formatShape(index.shape)} must be no larger than src ${formatShape(src.shape)} in every dim and no larger than the input ${formatShape(input.shape)} outside dim ${dim}`);
  }
  if (src.dtype !== input.dtype) throw new TypeError(`${op}: src is ${src.dtype} but the input is ${input.dtype}; they must match`);
}

/** Run a scatter primitive; a 0-d input (with 0-d index and src) is treated as one element along dim 0, as PyTorch does. */
function runScatter(op: OpDefinition<ScatterAttrs>, input: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  requireInt(op.name, index, 'index');
  if (input.ndim === 0) {
    normalizeDim(op.name, dim, 1);
    const lift = (t: Tensor): Tensor => (t.ndim === 0 ? reshape(t, [1]) : t);
    return reshape(runScatter(op, reshape(input, [1]), 0, lift(index), lift(src)), []);
  }
  const d = normalizeDim(op.name, dim, input.ndim);
  checkScatterShapes(op.name, input, index, src, d);
  return apply1(op, [input, index, src], { dim: d });
}

// ---------------------------------------------------------------- public API
export interface ScatterOptions {
  /**
   * PyTorch's `reduce`: 'add' is scatterAdd. 'multiply' is rejected: PyTorch 1.13
   * deprecates it (for scatter_reduce) and defines no derivative for it.
   */
  reduce?: 'add' | 'multiply';
}

/** `torch.scatter(input, dim, index, src)`: a copy of input with src (a tensor or one number) written at index along dim. */
export function scatter(input: Tensor, dim: number, index: Tensor, src: Tensor | number, options: ScatterOptions = {}): Tensor {
  const srcTensor = typeof src === 'number' ? fullTensor(index.shape, src, input.dtype) : src;
  if (options.reduce === 'add') return runScatter(scatterAddOp, input, dim, index, srcTensor);
  if (options.reduce !== undefined) {
    throw new RangeError(`scatter: reduce '${String(options.reduce)}' is not supported (PyTorch 1.13 deprecates it and has no derivative for it); use reduce: 'add' or scatterAdd`);
  }
  return runScatter(scatterAssignOp, input, dim, index, srcTensor);
}

/** `torch.scatter_add(input, dim, index, src)`: src summed into a copy of input at index along dim (duplicates add up). */
export function scatterAdd(input: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  return runScatter(scatterAddOp, input, dim, index, src);
}

export interface IndexAddOptions {
  /** Scale of source (PyTorch's `alpha`), default 1. */
  alpha?: number;
}

/** `torch.index_add(input, dim, index, source, alpha=)`: out.select(dim, index[i]) += alpha · source.select(dim, i). */
export function indexAdd(input: Tensor, dim: number, index: Tensor, source: Tensor, options: IndexAddOptions = {}): Tensor {
  requireInt('indexAdd', index, 'index');
  if (index.ndim > 1) throw new ShapeError(`indexAdd: index must be 0-d or 1-D, got shape ${formatShape(index.shape)}`);
  if (input.ndim === 0) {
    normalizeDim('indexAdd', dim, 1);
    const lifted = indexAdd(reshape(input, [1]), 0, reshape(index, [index.size]), source.ndim === 0 ? reshape(source, [1]) : source, options);
    return reshape(lifted, []);
  }
  const d = normalizeDim('indexAdd', dim, input.ndim);
  if (source.ndim !== input.ndim || source.shape[d] !== index.size || source.shape.some((s, i) => i !== d && s !== input.shape[i])) {
    throw new ShapeError(`indexAdd: source of shape ${formatShape(source.shape)} must match the input ${formatShape(input.shape)} outside dim ${dim} and have ${index.size} (the number of indices) along it`);
  }
  const n = input.shape[d];
  for (const i of index.data) if (i < 0 || i >= n) throw outOfRange('indexAdd', i, dim, n);
  // Spread index over source's shape: element i along dim goes to row index[i].
  const along = coordinatesAlong(source.shape, d);
  const spread = new Int32Array(along.length);
  for (let i = 0; i < along.length; i++) spread[i] = index.data[along[i]];
  const alpha = options.alpha ?? 1;
  const scaled = alpha === 1 ? source : mul(source, alpha);
  return runScatter(scatterAddOp, input, d, new Tensor(spread, source.shape), scaled);
}
