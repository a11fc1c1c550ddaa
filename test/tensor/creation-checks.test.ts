/**
 * tensor() never coerces silently: a string, undefined, null or an object in a
 * nested array is an error naming its position, and an int32 element must be
 * finite and in range (3e10 used to wrap to −64771072, NaN to become 0).
 * Booleans are 1/0 and fractions truncate toward zero for int32, as torch.tensor does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, type NestedArray } from '../../src/index.js';

const bad = (values: unknown): NestedArray => values as NestedArray;

test('non-numbers are errors naming the element', () => {
  assert.throws(() => tensor(bad(['a', 1])), { name: 'TypeError', message: 'tensor: element [0] is a string ("a"), expected a number or a boolean' });
  assert.throws(() => tensor(bad([1, undefined])), /element \[1\] is undefined/);
  assert.throws(() => tensor(bad([[1, 2], [3, null]])), /element \[1\]\[1\] is null/);
  assert.throws(() => tensor(bad([[1, 2], [3, {}]])), /element \[1\]\[1\] is an object/);
  assert.throws(() => tensor(bad('7')), /element \(the scalar\) is a string/);
});

test('int32 elements must be finite and in range; fractions truncate, booleans are 1/0', () => {
  assert.throws(() => tensor([3e10], { dtype: 'int32' }), { name: 'RangeError', message: /element \[0\] is 30000000000, which int32 cannot hold/ });
  assert.throws(() => tensor([[0], [Number.NaN]], { dtype: 'int32' }), /element \[1\]\[0\] is NaN/);
  assert.throws(() => tensor([2147483648], { dtype: 'int32' }), /int32 cannot hold/);
  assert.deepEqual(Array.from(tensor([2147483647, -2147483648, 1.7, -2.5, true, false], { dtype: 'int32' }).data), [2147483647, -2147483648, 1, -2, 1, 0]);
  assert.deepEqual(Array.from(tensor([Number.NaN, Infinity, 1e300]).data), [Number.NaN, Infinity, Infinity], 'float tensors hold any number');
});
