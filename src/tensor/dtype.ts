import { noteAllocation, POOL_MIN_ELEMENTS, takePooled } from './buffer-pool.js';

/** Element types. float32 is the default; float64 for gradient checks; int32 for indices and token ids. */
export type DType = 'float32' | 'float64' | 'int32';
export type FloatDType = 'float32' | 'float64';
export type TypedArray = Float32Array | Float64Array | Int32Array;

/**
 * A zero-filled array, reused from the buffer pool (./buffer-pool.ts) when one of
 * this size is free. `zeroed = false` skips the fill for a pooled buffer — only for
 * a kernel output every element of which is written before it is read.
 */
export function allocate(dtype: DType, size: number, zeroed = true): TypedArray {
  if (size < POOL_MIN_ELEMENTS) return allocateFresh(dtype, size);
  const array = takePooled(dtype === 'float32' ? 'f' : dtype === 'float64' ? 'd' : 'i', size, zeroed) ?? allocateFresh(dtype, size);
  noteAllocation(array);
  return array;
}

function allocateFresh(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
  }
}

export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  return 'int32';
}

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype !== 'int32';
}

/** Type promotion for binary ops, as PyTorch does for these three types. */
export function promote(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === 'float64' || b === 'float64') return 'float64';
  return 'float32';
}
