/**
 * Element reorderings along dims: PyTorch's `flip` and `roll`
 * (https://pytorch.org/docs/1.13/generated/torch.flip.html, …/torch.roll.html).
 * Both are permutations of the elements, so each one's VJP is its inverse
 * (flip is its own, roll rolls back) and its JVP is itself applied to the tangent.
 */
import { formatShape, normalizeDim, ShapeError, sizeOf } from '../tensor/shape.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { reshape } from './broadcast.js';
import { apply1, defineOp, type OpDefinition } from './op.js';
import { flatten } from './shape.js';

/**
 * out[p] = x[q] where q_d = sources[d][p_d]: every dim's output coordinate maps
 * to one source coordinate, so a per-dim lookup table describes the whole move.
 */
function remapCopy(x: Tensor, sources: readonly Int32Array[]): Tensor {
  const out = emptyTensor(x.shape, x.dtype);
  const rank = x.ndim, shape = x.shape;
  const strides = shape.map((_, d) => sizeOf(shape.slice(d + 1)));
  const pos = new Array<number>(rank).fill(0);
  const src = x.data, dst = out.data;
  for (let flat = 0; flat < out.size; flat++) {
    let offset = 0;
    for (let d = 0; d < rank; d++) offset += sources[d][pos[d]] * strides[d];
    dst[flat] = src[offset];
    for (let d = rank - 1; d >= 0 && ++pos[d] === shape[d]; d--) pos[d] = 0;
  }
  return out;
}

/** Source coordinate of each output coordinate along a dim of size n, shifted by `shift` (mod n) and optionally reversed. */
function coordinateTable(n: number, shift: number, reversed: boolean): Int32Array {
  const table = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    const q = reversed ? n - 1 - p : p;
    table[p] = (((q - shift) % n) + n) % n;
  }
  return table;
}

// ---------------------------------------------------------------- flip
const flipOp: OpDefinition<{ dims: number[] }> = defineOp<{ dims: number[] }>({
  name: 'flip',
  forward: ([x], { dims }) => remapCopy(x, x.shape.map((n, d) => coordinateTable(n, 0, dims.includes(d)))),
  vjp: ({ attrs }, [g]) => [g ? apply1(flipOp, [g], attrs) : null],
  jvp: ({ attrs }, [t]) => [t ? apply1(flipOp, [t], attrs) : null],
});

/** `torch.flip(x, dims)`: reverse the order of elements along each listed dim (a copy, as in PyTorch). */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  // PyTorch wraps dims of a 0-d tensor as if it had one dim (0 and -1 are valid).
  const list = typeof dims === 'number' ? [dims] : dims;
  const seen = new Set<number>();
  for (const dim of list) {
    const d = normalizeDim('flip', dim, Math.max(x.ndim, 1));
    if (seen.has(d)) throw new RangeError(`flip: dim ${dim} appears more than once in dims ${formatShape(list)}`);
    seen.add(d);
  }
  return apply1(flipOp, [x], { dims: [...seen] });
}

// ---------------------------------------------------------------- roll
/** `shifts[d]`: how far dim d moves towards higher indices (0 for dims not rolled). */
const rollOp: OpDefinition<{ shifts: number[] }> = defineOp<{ shifts: number[] }>({
  name: 'roll',
  forward: ([x], { shifts }) => remapCopy(x, x.shape.map((n, d) => coordinateTable(n, shifts[d], false))),
  vjp: ({ attrs }, [g]) => [g ? apply1(rollOp, [g], { shifts: attrs.shifts.map((s) => -s) }) : null],
  jvp: ({ attrs }, [t]) => [t ? apply1(rollOp, [t], attrs) : null],
});

/**
 * `torch.roll(x, shifts, dims)`: elements shifted along each dim, wrapping around.
 * Without dims the tensor is flattened, rolled and given back its shape, as in
 * PyTorch. A dim listed twice is rolled twice (its shifts add up), as in PyTorch.
 */
export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  const shiftList = typeof shifts === 'number' ? [shifts] : shifts;
  if (shiftList.length === 0) throw new RangeError('roll: shifts must not be empty');
  const badShift = shiftList.find((s) => !Number.isInteger(s));
  if (badShift !== undefined) throw new RangeError(`roll: shifts must be integers, got ${badShift}`);
  if (dims === undefined) {
    if (shiftList.length !== 1) throw new ShapeError(`roll: without dims, shifts must be a single number, got ${formatShape(shiftList)}`);
    return reshape(roll(flatten(x), shiftList[0], 0), x.shape);
  }
  const dimList = typeof dims === 'number' ? [dims] : dims;
  if (dimList.length !== shiftList.length) {
    throw new ShapeError(`roll: shifts ${formatShape(shiftList)} and dims ${formatShape(dimList)} must have the same length`);
  }
  const perDim = new Array<number>(x.ndim).fill(0);
  dimList.forEach((dim, i) => { perDim[normalizeDim('roll', dim, x.ndim)] += shiftList[i]; });
  return apply1(rollOp, [x], { shifts: perDim });
}
