/**
 * `splitInto` / `unbind`: cut a tensor along a dim as ONE op with several
 * outputs, whose VJP is a single concatenation. The recurrent layers need it
 * to hand each timestep its slice of the all-timesteps input projection, and
 * to separate the stacked gates (i, f, g, o) and q/k/v.
 *
 * Why not `split`/`select` from src/ops: those are one `slice` op per piece,
 * and each slice's VJP scatters into a zero tensor of the whole input's size —
 * unbinding T timesteps that way costs O(T²) time and memory in backward.
 * Pieces along the leading dim are zero-copy views (as `slice` makes them).
 *
 * Note for the lead: this is an op (forward kernel + VJP + JVP) and belongs in
 * src/ops/shape.ts next to `split`; it lives here only because nn may not edit ops.
 */
import { kernels } from '../backend/index.js';
import { cat, stack } from '../ops/shape.js';
import { applyOp, defineOp, type OpDefinition } from '../ops/op.js';
import { contiguousStrides, formatShape, normalizeDim, ShapeError, sizeOf } from '../tensor/shape.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';

interface SplitAttrs {
  dim: number;
  sizes: number[];
  /** Remove `dim` from each piece (unbind; every size is 1). */
  squeeze: boolean;
}

const splitIntoOp: OpDefinition<SplitAttrs> = defineOp<SplitAttrs>({
  name: 'splitInto',
  forward: ([x], { dim, sizes, squeeze }) => {
    const strides = contiguousStrides(x.shape);
    // Pieces of a dim with only size-1 dims before it are contiguous ranges: share storage.
    const contiguous = x.shape.slice(0, dim).every((d) => d === 1);
    const outputs: Tensor[] = [];
    let start = 0;
    for (const size of sizes) {
      const pieceShape = [...x.shape];
      pieceShape[dim] = size;
      const outShape = squeeze ? pieceShape.filter((_, i) => i !== dim) : pieceShape;
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
  vjp: ({ outputs, attrs: { dim, squeeze } }, grads) => {
    if (grads.every((g) => !g)) return [null];
    const pieces = grads.map((g, i) => g ?? emptyTensor(outputs[i].shape, outputs[i].dtype));
    return [squeeze ? stack(pieces, dim) : cat(pieces, dim)];
  },
  jvp: ({ attrs }, [t]) => (t ? applyOp(splitIntoOp, [t], attrs) : attrs.sizes.map(() => null)),
});

/** Pieces of the given sizes along `dim` (sizes must sum to the dim's length). */
export function splitInto(x: Tensor, sizes: readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim('splitInto', dim, x.ndim);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== x.shape[d] || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new ShapeError(`splitInto: sizes ${formatShape(sizes)} do not partition dim ${dim} of a tensor of shape ${formatShape(x.shape)}`);
  }
  return applyOp(splitIntoOp, [x], { dim: d, sizes: [...sizes], squeeze: false });
}

/** `count` equal pieces along `dim`. */
export function chunkInto(x: Tensor, count: number, dim = 0): Tensor[] {
  const d = normalizeDim('chunkInto', dim, x.ndim);
  if (x.shape[d] % count !== 0) throw new ShapeError(`chunkInto: dim ${dim} of ${formatShape(x.shape)} does not divide into ${count} equal pieces`);
  return splitInto(x, new Array<number>(count).fill(x.shape[d] / count), d);
}

/** Every index of `dim` as its own tensor, with `dim` removed (PyTorch's `unbind`). */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normalizeDim('unbind', dim, x.ndim);
  return applyOp(splitIntoOp, [x], { dim: d, sizes: new Array<number>(x.shape[d]).fill(1), squeeze: true });
}
