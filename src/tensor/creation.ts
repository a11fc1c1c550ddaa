/**
 * Tensor creation: from nested arrays or typed arrays, constant fills, ranges,
 * identity, and random tensors drawn from the seeded generator.
 */
import { allocate, dtypeOf, type DType, type TypedArray } from './dtype.js';
import { defaultGenerator, type Generator } from './random.js';
import { formatShape, sizeOf, type Shape } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';

export interface CreationOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends CreationOptions {
  generator?: Generator;
}

function finish(t: Tensor, options: CreationOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Infer the shape of a nested array, checking it is rectangular. */
function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0] as NestedArray;
  }
  return shape;
}

/** Where flat element `index` sits in a nested array of `shape`, as [i][j]… (for error messages). */
function position(shape: readonly number[], index: number): string {
  const parts: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    parts.unshift(index % shape[d]);
    index = Math.floor(index / shape[d]);
  }
  return parts.length ? parts.map((i) => `[${i}]`).join('') : '(the scalar)';
}

/**
 * One element of a nested array: a number or a boolean (1/0), never silently
 * coerced — a string, undefined or an object is an error naming its position.
 * An int32 element must be finite and in range (PyTorch would wrap 3e10 or turn
 * NaN into garbage); a fractional value is truncated toward zero, as torch.tensor
 * does for an integer dtype.
 */
function leafValue(value: unknown, int32: boolean, shape: readonly number[], index: number): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'number') {
    const what = value === null || value === undefined ? String(value) : typeof value === 'object' ? 'an object' : `a ${typeof value} (${JSON.stringify(value)?.slice(0, 20)})`;
    throw new TypeError(`tensor: element ${position(shape, index)} is ${what}, expected a number or a boolean`);
  }
  if (int32 && !(Number.isFinite(value) && value >= -2147483648 && value < 2147483648)) {
    throw new RangeError(`tensor: element ${position(shape, index)} is ${value}, which int32 cannot hold (finite values in [-2147483648, 2147483647])`);
  }
  return value;
}

function flattenInto(values: NestedArray, shape: readonly number[], dim: number, out: TypedArray, offset: { i: number }): void {
  if (dim === shape.length) {
    if (Array.isArray(values)) throw new RangeError('tensor: ragged nested array (deeper than the first element suggests)');
    out[offset.i] = leafValue(values as unknown, out instanceof Int32Array, shape, offset.i);
    offset.i++;
    return;
  }
  if (!Array.isArray(values) || values.length !== shape[dim]) {
    throw new RangeError(`tensor: ragged nested array: expected length ${shape[dim]} at depth ${dim}, got ${Array.isArray(values) ? values.length : 'a number'}`);
  }
  for (const v of values as readonly NestedArray[]) flattenInto(v, shape, dim + 1, out, offset);
}

/**
 * Make a tensor from a number, nested arrays or a typed array (whose dtype it keeps
 * unless `dtype` is given). `shape` is required for flat typed arrays of rank ≠ 1.
 */
export function tensor(values: NestedArray | TypedArray, options: CreationOptions & { shape?: Shape } = {}): Tensor {
  if (ArrayBuffer.isView(values)) {
    const source = values as TypedArray;
    const dtype = options.dtype ?? dtypeOf(source);
    const data = dtype === dtypeOf(source) ? source : allocateFrom(dtype, source);
    const shape = options.shape ?? [data.length];
    if (sizeOf(shape) !== data.length) throw new RangeError(`tensor: ${data.length} values do not fit shape ${formatShape(shape)}`);
    return finish(new Tensor(data, shape), options);
  }
  const shape = inferShape(values as NestedArray);
  const data = allocate(options.dtype ?? 'float32', sizeOf(shape));
  flattenInto(values as NestedArray, shape, 0, data, { i: 0 });
  const t = new Tensor(data, options.shape ?? shape);
  return finish(t, options);
}

function allocateFrom(dtype: DType, source: ArrayLike<number>): TypedArray {
  const out = allocate(dtype, source.length);
  for (let i = 0; i < source.length; i++) out[i] = source[i];
  return out;
}

export function zeros(shape: Shape, options: CreationOptions = {}): Tensor {
  return finish(new Tensor(allocate(options.dtype ?? 'float32', sizeOf(shape)), shape), options);
}

export function ones(shape: Shape, options: CreationOptions = {}): Tensor {
  return full(shape, 1, options);
}

export function full(shape: Shape, value: number, options: CreationOptions = {}): Tensor {
  const data = allocate(options.dtype ?? 'float32', sizeOf(shape));
  data.fill(value);
  return finish(new Tensor(data, shape), options);
}

export function zerosLike(t: Tensor, options: CreationOptions = {}): Tensor {
  return zeros(t.shape, { dtype: t.dtype, ...options });
}

export function onesLike(t: Tensor, options: CreationOptions = {}): Tensor {
  return ones(t.shape, { dtype: t.dtype, ...options });
}

export function fullLike(t: Tensor, value: number, options: CreationOptions = {}): Tensor {
  return full(t.shape, value, { dtype: t.dtype, ...options });
}

/**
 * Values start, start+step, … below end (PyTorch's `arange`). With one argument,
 * 0..end−1. The dtype defaults to int32 when all arguments are integers.
 */
export function arange(start: number, end?: number, step = 1, options: CreationOptions = {}): Tensor {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  if (step === 0) throw new RangeError('arange: step must be nonzero');
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const integral = Number.isInteger(lo) && Number.isInteger(hi) && Number.isInteger(step);
  const data = allocate(options.dtype ?? (integral ? 'int32' : 'float32'), n);
  for (let i = 0; i < n; i++) data[i] = lo + i * step;
  return finish(new Tensor(data, [n]), options);
}

/** `steps` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number, options: CreationOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const data = allocate(options.dtype ?? 'float32', steps);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Fill from both ends so the last value is exactly `end`, as in PyTorch.
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) data[i] = i < half ? start + i * delta : end - (steps - 1 - i) * delta;
  return finish(new Tensor(data, [steps]), options);
}

/** Identity matrix (n × m, m defaults to n). */
export function eye(n: number, m = n, options: CreationOptions = {}): Tensor {
  const data = allocate(options.dtype ?? 'float32', n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return finish(new Tensor(data, [n, m]), options);
}

/** Uniform [0, 1) values from the seeded generator. */
export function rand(shape: Shape, options: RandomOptions = {}): Tensor {
  return uniform(shape, 0, 1, options);
}

/** Uniform [low, high) values from the seeded generator. */
export function uniform(shape: Shape, low: number, high: number, options: RandomOptions = {}): Tensor {
  const g = options.generator ?? defaultGenerator;
  const data = allocate(options.dtype ?? 'float32', sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = g.uniform(low, high);
  return finish(new Tensor(data, shape), options);
}

/** Standard normal values (mean 0, std 1) from the seeded generator. */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const g = options.generator ?? defaultGenerator;
  const mean = options.mean ?? 0, std = options.std ?? 1;
  const data = allocate(options.dtype ?? 'float32', sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = g.normal(mean, std);
  return finish(new Tensor(data, shape), options);
}

/** Integers uniform in [low, high) (int32 by default). */
export function randint(low: number, high: number, shape: Shape, options: RandomOptions = {}): Tensor {
  const g = options.generator ?? defaultGenerator;
  const data = allocate(options.dtype ?? 'int32', sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = g.randint(low, high);
  return finish(new Tensor(data, shape), options);
}

/** Same values converted to another dtype (a new, untracked tensor; use `.to()` on tensors for a tracked cast). */
export function castData(t: Tensor, dtype: DType): Tensor {
  return new Tensor(t.dtype === dtype ? t.data.slice() : allocateFrom(dtype, t.data), t.shape);
}
