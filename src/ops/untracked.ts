/**
 * Untracked forward computations: results computed straight by the kernels,
 * recorded on no tape. Op rules use them for constants inside a gradient — a
 * mask, a local derivative, a shifted copy — and the differentiable ops use them
 * as their forward pass. This module imports no other op, so any op may use it.
 */
import type { AnyArray, BinaryOpName, ReduceOpName, UnaryOpName } from '../backend/backend.js';
import { kernels } from '../backend/index.js';
import { allocate, promote, type DType } from '../tensor/dtype.js';
import { broadcastShapes, broadcastStrides, contiguousStrides, sizeOf, type Shape } from '../tensor/shape.js';
import { emptyTensor, outputTensor, type Tensor } from '../tensor/tensor.js';

function binaryResultDtype(op: BinaryOpName, a: DType, b: DType): DType {
  if (op === 'eq' || op === 'ne' || op === 'lt' || op === 'le' || op === 'gt' || op === 'ge') return 'int32';
  const t = promote(a, b);
  // True division and real powers of integers give floats, as in PyTorch.
  if (t === 'int32' && op === 'div') return 'float32';
  return t;
}

/** a ∘ b with broadcasting. */
export function binaryForward(op: BinaryOpName, a: Tensor, b: Tensor): Tensor {
  const shape = a.ndim === b.ndim && a.shape.every((d, i) => d === b.shape[i]) ? a.shape : broadcastShapes(op, a.shape, b.shape);
  const out = outputTensor(shape, binaryResultDtype(op, a.dtype, b.dtype));
  kernels.binary(op, a.data, broadcastStrides(a.shape, shape), b.data, broadcastStrides(b.shape, shape), out.data, shape);
  return out;
}

/** f(x) elementwise. */
export function unaryForward(name: UnaryOpName, x: Tensor): Tensor {
  const out = emptyTensor(x.shape, x.dtype);
  kernels.unary(name, x.data, out.data);
  return out;
}

/** Which dims a reduction reduces and whether it keeps them as size 1. */
export interface ReduceAttrs { dims: number[]; keepdim: boolean }

/** Shape of a reduction's result. */
export function reducedShape(shape: Shape, dims: readonly number[], keepdim: boolean): number[] {
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

/** Reduce `dims` of `x` with the kernel's sum, max or min. */
export function reduceForward(op: ReduceOpName, x: Tensor, { dims, keepdim }: ReduceAttrs): Tensor {
  const view = reductionView(x, dims);
  const out = emptyTensor(reducedShape(x.shape, dims, keepdim), x.dtype);
  kernels.reduce(op, view.data, view.outer, view.n, view.inner, out.data);
  return out;
}
