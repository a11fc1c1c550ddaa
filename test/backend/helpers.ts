/**
 * Shared helpers for the kernel tests: seeded random arrays, a max-error
 * comparison, and central finite differences in float64 for checking backward
 * kernels against their forwards.
 */
import assert from 'node:assert/strict';
import type { FloatArray } from '../../src/backend/backend.js';
import { Generator } from '../../src/tensor/random.js';

export type FloatArrayConstructor = Float32ArrayConstructor | Float64ArrayConstructor;

export function randomArray(generator: Generator, length: number, type: FloatArrayConstructor = Float64Array, scale = 1): FloatArray {
  const array = new type(length);
  for (let i = 0; i < length; i++) array[i] = (generator.random() * 2 - 1) * scale;
  return array;
}

/** Assert |actual − expected| ≤ atol + rtol·|expected| elementwise, naming the first failing index. */
export function assertClose(
  actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, label = '',
): void {
  assert.equal(actual.length, expected.length, `${label}: length ${actual.length} ≠ ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Object.is(a, e)) continue;
    const ok = Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) assert.fail(`${label}: index ${i}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

/**
 * Central differences of L(x) = Σ_i weights_i · f(x)_i with respect to every entry
 * of `input` (float64): (L(x + h·e_j) − L(x − h·e_j)) / 2h. `forward` must recompute
 * f from the current contents of `input` and return its output.
 */
export function finiteDifferenceGrad(
  input: Float64Array, weights: ArrayLike<number>, forward: () => ArrayLike<number>, step = 1e-6,
): Float64Array {
  const grad = new Float64Array(input.length);
  const weighted = (): number => {
    const out = forward();
    let sum = 0;
    for (let i = 0; i < weights.length; i++) sum += weights[i] * out[i];
    return sum;
  };
  for (let j = 0; j < input.length; j++) {
    const saved = input[j];
    input[j] = saved + step;
    const plus = weighted();
    input[j] = saved - step;
    const minus = weighted();
    input[j] = saved;
    grad[j] = (plus - minus) / (2 * step);
  }
  return grad;
}
