/**
 * Shape ops. reshape/view/squeeze/unsqueeze/flatten share storage (zero copy);
 * permute/transpose/expand/slice/cat materialize contiguous results through one
 * strided-copy kernel. All are differentiable; their VJPs are the adjoint moves.
 */
import { kernels } from '../backend/index.js';
import { allocate } from '../tensor/dtype.js';
import { contiguousStrides, formatShape, normalizeDim, ShapeError, sizeOf, type Shape } from '../tensor/shape.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { reshape } from './broadcast.js';
import { apply1, applyOp, defineOp, type OpDefinition } from './op.js';

// reshape and expand live with sum in ./broadcast.ts (each one's gradient is written with the others).
export { expand, reshape, view } from './broadcast.js';

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim('flatten', startDim, x.ndim), e = normalizeDim('flatten', endDim, x.ndim);
  if (s > e) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  return reshape(x, [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  if (dim === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const dims = (typeof dim === 'number' ? [dim] : dim).map((d) => normalizeDim('squeeze', d, x.ndim));
  return reshape(x, x.shape.filter((d, i) => !(dims.includes(i) && d === 1)));
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim('unsqueeze', dim, x.ndim + 1);
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

// ---------------------------------------------------------------- permute
const permuteOp = defineOp<{ dims: number[] }>({
  name: 'permute',
  forward: ([x], { dims }) => {
    const strides = contiguousStrides(x.shape);
    const shape = dims.map((d) => x.shape[d]);
    const out = emptyTensor(shape, x.dtype);
    kernels.stridedCopy(x.data, 0, dims.map((d) => strides[d]), shape, out.data);
    return out;
  },
  vjp: ({ attrs }, [g]) => [g ? permute(g, inversePermutation(attrs.dims)) : null],
  jvp: ({ attrs }, [t]) => [t ? permute(t, attrs.dims) : null],
});

function inversePermutation(dims: readonly number[]): number[] {
  const inv = new Array<number>(dims.length);
  dims.forEach((d, i) => { inv[d] = i; });
  return inv;
}

/** Reorder dims (materializes a contiguous copy; matmul takes transpose flags instead). */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) throw new ShapeError(`permute: got ${dims.length} dims ${formatShape(dims)} for a tensor of rank ${x.ndim}`);
  const norm = dims.map((d) => normalizeDim('permute', d, x.ndim));
  if (new Set(norm).size !== norm.length) throw new ShapeError(`permute: repeated dim in ${formatShape(dims)}`);
  if (norm.every((d, i) => d === i)) return x;
  return apply1(permuteOp, [x], { dims: norm });
}

export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  const a = normalizeDim('transpose', dim0, x.ndim), b = normalizeDim('transpose', dim1, x.ndim);
  const dims = x.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

// ---------------------------------------------------------------- slice
interface SliceAttrs { dim: number; start: number; step: number; length: number }

function sliceGeometry(shape: Shape, { dim, start, step, length }: SliceAttrs): { offset: number; strides: number[]; outShape: number[] } {
  const strides = contiguousStrides(shape);
  const outShape = [...shape];
  outShape[dim] = length;
  const offset = start * strides[dim];
  const sliced = [...strides];
  sliced[dim] = strides[dim] * step;
  return { offset, strides: sliced, outShape };
}

const sliceOp: OpDefinition<SliceAttrs> = defineOp<SliceAttrs>({
  name: 'slice',
  forward: ([x], attrs) => {
    const { offset, strides, outShape } = sliceGeometry(x.shape, attrs);
    // A step-1 slice of the leading dim is a contiguous range: share storage.
    if (attrs.step === 1 && x.shape.slice(0, attrs.dim).every((d) => d === 1)) {
      return new Tensor(x.data.subarray(offset, offset + sizeOf(outShape)), outShape);
    }
    const out = emptyTensor(outShape, x.dtype);
    kernels.stridedCopy(x.data, offset, strides, outShape, out.data);
    return out;
  },
  vjp: ({ inputs: [x], attrs }, [g]) => [g ? sliceBackward(g, x.shape, attrs) : null],
  jvp: ({ attrs }, [t]) => [t ? apply1(sliceOp, [t], attrs) : null],
});

// The adjoint of slicing: place g into zeros of the input's shape. Its own adjoint is the slice.
const sliceBackwardOp: OpDefinition<SliceAttrs & { inputShape: number[] }> = defineOp<SliceAttrs & { inputShape: number[] }>({
  name: 'sliceBackward',
  forward: ([g], attrs) => {
    const out = emptyTensor(attrs.inputShape, g.dtype);
    const { offset, strides } = sliceGeometry(attrs.inputShape, attrs);
    kernels.stridedAdd(g.data, out.data, offset, strides, g.shape);
    return out;
  },
  vjp: ({ attrs }, [g]) => [g ? apply1(sliceOp, [g], attrs) : null],
  jvp: ({ attrs }, [t]) => [t ? apply1(sliceBackwardOp, [t], attrs) : null],
});

function sliceBackward(g: Tensor, inputShape: Shape, attrs: SliceAttrs): Tensor {
  return apply1(sliceBackwardOp, [g], { ...attrs, inputShape: [...inputShape] });
}

/**
 * `x[..., start:end:step, ...]` along `dim`, with Python's rules: negative
 * indices count from the end, out-of-range bounds are clipped, step ≥ 1.
 */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  const d = normalizeDim('slice', dim, x.ndim);
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`slice: step must be a positive integer, got ${step}`);
  const n = x.shape[d];
  const clip = (v: number): number => Math.min(n, Math.max(0, v < 0 ? v + n : v));
  const s = start === null || start === undefined ? 0 : clip(start);
  const e = end === null || end === undefined ? n : clip(end);
  const length = e > s ? Math.ceil((e - s) / step) : 0;
  if (s === 0 && length === n && step === 1) return x;
  return apply1(sliceOp, [x], { dim: d, start: s, step, length });
}

/** `x[index]` along `dim`, removing that dim (negative index counts from the end). */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normalizeDim('select', dim, x.ndim);
  const n = x.shape[d];
  if (index < -n || index >= n) throw new RangeError(`select: index ${index} is out of range for dim ${dim} of size ${n}`);
  const i = index < 0 ? index + n : index;
  return squeeze(slice(x, d, i, i + 1), d);
}

// ---------------------------------------------------------------- cat / stack / split
const catOp = defineOp<{ dim: number }>({
  name: 'cat',
  forward: (inputs, { dim }) => {
    const first = inputs[0];
    const outShape = [...first.shape];
    outShape[dim] = inputs.reduce((s, t) => s + t.shape[dim], 0);
    const out = new Tensor(allocate(promoteAll(inputs), sizeOf(outShape)), outShape);
    const outer = sizeOf(outShape.slice(0, dim)), inner = sizeOf(outShape.slice(dim + 1));
    const rowOut = outShape[dim] * inner;
    let offset = 0;
    for (const t of inputs) {
      const rowIn = t.shape[dim] * inner;
      for (let o = 0; o < outer; o++) {
        const src = t.data.subarray(o * rowIn, (o + 1) * rowIn);
        out.data.set(src, o * rowOut + offset);
      }
      offset += rowIn;
    }
    return out;
  },
  vjp: ({ inputs, attrs }, [g]) => {
    if (!g) return inputs.map(() => null);
    let start = 0;
    return inputs.map((t) => {
      const part = slice(g, attrs.dim, start, start + t.shape[attrs.dim]);
      start += t.shape[attrs.dim];
      return part;
    });
  },
  jvp: ({ inputs, attrs }, tangents) => [cat(tangents.map((t, i) => t ?? emptyTensor(inputs[i].shape, inputs[i].dtype)), attrs.dim)],
});

function promoteAll(inputs: readonly Tensor[]): Tensor['dtype'] {
  const dtypes = new Set(inputs.map((t) => t.dtype));
  if (dtypes.has('float64')) return 'float64';
  if (dtypes.has('float32')) return 'float32';
  return 'int32';
}

/** Concatenate along an existing dim; all other dims must match. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('cat: expected a non-empty list of tensors');
  const first = tensors[0];
  const d = normalizeDim('cat', dim, first.ndim);
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== d && s !== first.shape[i])) {
      throw new ShapeError(`cat: shapes ${formatShape(first.shape)} and ${formatShape(t.shape)} differ outside dim ${dim}`);
    }
  }
  if (tensors.length === 1) return first;
  return applyOp(catOp, tensors, { dim: d })[0];
}

/** Stack along a new dim; all shapes must be equal. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('stack: expected a non-empty list of tensors');
  const first = tensors[0];
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => s !== first.shape[i])) {
      throw new ShapeError(`stack: all tensors must have the same shape, got ${formatShape(first.shape)} and ${formatShape(t.shape)}`);
    }
  }
  const d = normalizeDim('stack', dim, first.ndim + 1);
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

// One op with several outputs, whose VJP is a single concatenation. (One `slice` per piece would make
// each piece's VJP scatter into a zero tensor of the whole input: O(pieces²) work when an RNN unbinds
// its T timesteps.) Pieces along a dim with only size-1 dims before it are zero-copy views.
interface SplitAttrs { dim: number; sizes: number[]; squeeze: boolean }

const splitOp: OpDefinition<SplitAttrs> = defineOp<SplitAttrs>({
  name: 'split',
  forward: ([x], { dim, sizes, squeeze: drop }) => {
    const strides = contiguousStrides(x.shape);
    const contiguous = x.shape.slice(0, dim).every((d) => d === 1);
    const outputs: Tensor[] = [];
    let start = 0;
    for (const size of sizes) {
      const pieceShape = [...x.shape];
      pieceShape[dim] = size;
      const outShape = drop ? pieceShape.filter((_, i) => i !== dim) : pieceShape;
      const offset = start * strides[dim];
      if (contiguous) {
        outputs.push(new Tensor(x.data.subarray(offset, offset + sizeOf(pieceShape)), outShape));
      } else {
        const out = emptyTensor(outShape, x.dtype);
        kernels.stridedCopy(x.data, offset, strides, pieceShape, out.data);
        outputs.push(out);
      }
      start += size;
    }
    return { outputs, saved: undefined };
  },
  vjp: ({ outputs, attrs: { dim, squeeze: drop } }, grads) => {
    if (grads.every((g) => !g)) return [null];
    const pieces = grads.map((g, i) => g ?? emptyTensor(outputs[i].shape, outputs[i].dtype));
    return [drop ? stack(pieces, dim) : cat(pieces, dim)];
  },
  jvp: ({ attrs }, [t]) => (t ? applyOp(splitOp, [t], attrs) : attrs.sizes.map(() => null)),
});

/** Split into pieces of `splitSize` (the last may be smaller) or of the listed sizes (PyTorch's `split`). */
export function split(x: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim('split', dim, x.ndim);
  const n = x.shape[d];
  let sizes: number[];
  if (typeof splitSize === 'number') {
    if (!Number.isInteger(splitSize) || splitSize < 1) throw new RangeError(`split: splitSize must be a positive integer, got ${splitSize}`);
    sizes = [];
    for (let s = 0; s < n; s += splitSize) sizes.push(Math.min(splitSize, n - s));
    if (n === 0) sizes.push(0);
  } else {
    sizes = [...splitSize];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n || sizes.some((v) => !Number.isInteger(v) || v < 0)) {
      throw new ShapeError(`split: sizes ${formatShape(sizes)} do not partition dim ${dim} of size ${n} (tensor of shape ${formatShape(x.shape)})`);
    }
  }
  if (sizes.length === 1) return [x];
  return applyOp(splitOp, [x], { dim: d, sizes, squeeze: false });
}

/** Split into `chunks` nearly equal pieces (PyTorch's rule: size ⌈n/chunks⌉, possibly fewer pieces). */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks < 1) throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normalizeDim('chunk', dim, x.ndim);
  return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
}

/** Every index of `dim` as its own tensor, with `dim` removed (PyTorch's `unbind`). */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normalizeDim('unbind', dim, x.ndim);
  return applyOp(splitOp, [x], { dim: d, sizes: new Array<number>(x.shape[d]).fill(1), squeeze: true });
}
