/** Small helpers shared by op definitions: argument checks and scalar lifting. */
import { allocate, isFloat, type DType } from '../tensor/dtype.js';
import { formatShape, sizeOf, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

export type TensorLike = Tensor | number;

export function requireFloat(op: string, t: Tensor, role = 'input'): void {
  if (!isFloat(t.dtype)) {
    throw new TypeError(`${op}: ${role} must be a float tensor (float32 or float64), got ${t.dtype}; convert it with .float() or .double()`);
  }
}

export function requireInt(op: string, t: Tensor, role = 'indices'): void {
  if (t.dtype !== 'int32') throw new TypeError(`${op}: ${role} must be an int32 tensor, got ${t.dtype}`);
}

export function requireRank(op: string, t: Tensor, rank: number | readonly number[], role = 'input'): void {
  const ranks = typeof rank === 'number' ? [rank] : rank;
  if (!ranks.includes(t.ndim)) {
    throw new RangeError(`${op}: ${role} must have ${ranks.join(' or ')} dims, got shape ${formatShape(t.shape)}`);
  }
}

/** Lift a JS number to a 0-d tensor whose dtype follows PyTorch's scalar rules against `like`. */
export function scalarLike(value: number, like: Tensor): Tensor {
  const dtype: DType = isFloat(like.dtype) ? like.dtype : Number.isInteger(value) ? 'int32' : 'float32';
  const data = allocate(dtype, 1);
  data[0] = value;
  return new Tensor(data, []);
}

export function asTensor(value: TensorLike, like: Tensor): Tensor {
  return typeof value === 'number' ? scalarLike(value, like) : value;
}

export function fullTensor(shape: Shape, value: number, dtype: DType): Tensor {
  const data = allocate(dtype, sizeOf(shape));
  if (value !== 0) data.fill(value);
  return new Tensor(data, shape);
}

export function zerosLikeTensor(t: Tensor): Tensor {
  return new Tensor(allocate(t.dtype, t.size), t.shape);
}
