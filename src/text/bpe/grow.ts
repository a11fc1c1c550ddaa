/**
 * Growing the trainer's typed arrays (./pair-counts.ts, ./word-occurrences.ts):
 * a longer copy, new entries set to `fill`. Typed arrays keep the hot loops on
 * unboxed numbers; they cannot grow in place.
 */
export function grownInt32(array: Int32Array, length: number, fill = 0): Int32Array {
  const grown = new Int32Array(length);
  if (fill !== 0) grown.fill(fill, array.length);
  grown.set(array);
  return grown;
}

export function grownFloat64(array: Float64Array, length: number): Float64Array {
  const grown = new Float64Array(length);
  grown.set(array);
  return grown;
}
