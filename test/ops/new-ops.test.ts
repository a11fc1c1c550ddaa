/**
 * scatter, scatterAdd, indexAdd, flip, roll and einsum against PyTorch
 * (test/fixtures/ops-new.json, written by scripts/fixtures/ops_new.py): outputs
 * and VJPs in float64 and float32 on every backend, gradcheck in both modes on
 * every case (including those PyTorch cannot differentiate: src larger than
 * index, scatter with reduce 'add'), then the errors PyTorch raises.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import { Tensor } from '../../src/index.js';
import { describeEachBackend } from '../backend/backends.js';
import { assertClose, readFixture, toTensor, TOLERANCE, type OpFixtureCase } from '../helpers/fixtures.js';

type Runner = (inputs: Tensor[], attrs: Record<string, unknown>) => Tensor;
type DimList = number | number[];

const runners: Record<string, Runner> = {
  scatter: ([x, index, src], a) =>
    lm.scatter(x, a.dim as number, index, src ?? (a.value as number), a.reduce === undefined ? {} : { reduce: a.reduce as 'add' }),
  scatterAdd: ([x, index, src], a) => lm.scatterAdd(x, a.dim as number, index, src),
  indexAdd: ([x, index, source], a) => lm.indexAdd(x, a.dim as number, index, source, { alpha: a.alpha as number | undefined }),
  flip: ([x], a) => lm.flip(x, a.dims as DimList),
  roll: ([x], a) => lm.roll(x, a.shifts as DimList, a.dims as DimList | undefined),
  einsum: (xs, a) => lm.einsum(a.equation as string, ...xs),
};

const { cases } = readFixture<{ cases: OpFixtureCase[] }>('ops-new.json');

/** Forward, then the VJP of Σ out ⊙ upstream for the inputs PyTorch differentiated. */
function compareWithTorch(c: OpFixtureCase, dtype: keyof typeof TOLERANCE): void {
  const inputs = c.inputs.map((t, i) => {
    const x = toTensor(t, dtype);
    if (c.grads[i]) x.requiresGrad = true;
    return x;
  });
  const out = runners[c.op](inputs, c.attrs);
  const tol = TOLERANCE[dtype];
  assertClose(out, c.outputs[0], tol, 'output');
  const upstream = c.upstream[0];
  if (!upstream || !c.grads.some((g) => g)) return;
  lm.sum(lm.mul(out, toTensor(upstream, dtype))).backward();
  c.grads.forEach((expected, i) => {
    if (!expected) return;
    assert.ok(inputs[i].grad, `input ${i} received no gradient`);
    assertClose(inputs[i].grad as Tensor, expected, tol, `grad of input ${i}`);
  });
}

/** Finite differences against both modes, over every float input (index tensors held fixed). */
function gradcheckCase(c: OpFixtureCase): void {
  const inputs = c.inputs.map((t) => toTensor(t, 'float64'));
  const isFloat = inputs.map((x) => x.dtype === 'float64');
  const f = (...floats: Tensor[]): Tensor => {
    let k = 0;
    return runners[c.op](inputs.map((x, i) => (isFloat[i] ? floats[k++] : x)), c.attrs);
  };
  lm.gradcheck(f, inputs.filter((_, i) => isFloat[i]), { eps: 1e-6, atol: 1e-6, rtol: 1e-4 });
}

describeEachBackend((backend) => {

  test('every fixture op has a runner and every op has fixtures', () => {
    assert.deepEqual([...new Set(cases.map((c) => c.op))].sort(), Object.keys(runners).sort());
  });
  for (const dtype of ['float64', 'float32'] as const) {
    describe(dtype, () => {
      for (const c of cases) test(c.name, () => compareWithTorch(c, dtype));
    });
  }
  describe('gradcheck (finite differences, forward and reverse mode)', () => {
    for (const c of cases) {
      if (/nonFinite/.test(c.name) || !c.inputs.some((t) => t.dtype === 'float64')) continue;
      test(c.name, () => gradcheckCase(c));
    }
  });
});

const f64 = (values: number[], shape: number[]): Tensor => new Tensor(Float64Array.from(values), shape);
const i32 = (values: number[], shape: number[] = [values.length]): Tensor => new Tensor(Int32Array.from(values), shape);

describe('new ops: behaviour beyond the fixtures', () => {
  test('the gradient of src larger than index is zero where src was not read (PyTorch 1.13 raises instead)', () => {
    const src = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    src.requiresGrad = true;
    lm.sum(lm.scatterAdd(lm.zeros([2, 2], { dtype: 'float64' }), 1, i32([1, 1], [2, 1]), src)).backward();
    assert.deepEqual(Array.from((src.grad as Tensor).data), [1, 0, 0, 1, 0, 0]);
  });

  test('an empty index writes nothing, skips the size checks (as PyTorch) and gives src a zero gradient', () => {
    const src = f64([1, 2, 3, 4], [2, 2]);
    src.requiresGrad = true;
    const y = lm.scatter(f64([5, 6, 7, 8], [2, 2]), 0, i32([], [0, 5]), src);
    assert.deepEqual(Array.from(y.data), [5, 6, 7, 8]);
    lm.sum(y).backward();
    assert.deepEqual(Array.from((src.grad as Tensor).data), [0, 0, 0, 0]);
  });

  test('scatter with a number fills the indexed positions and blocks their gradient', () => {
    const x = f64([1, 2, 3, 4], [2, 2]);
    x.requiresGrad = true;
    const y = lm.scatter(x, 1, i32([0, 1], [2, 1]), 9);
    assert.deepEqual(Array.from(y.data), [9, 2, 3, 9]);
    lm.sum(y).backward();
    assert.deepEqual(Array.from((x.grad as Tensor).data), [0, 1, 1, 0]);
  });

  test('methods are the free functions', () => {
    const x = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    const index = i32([2, 0], [1, 2]);
    const src = f64([7, 8], [1, 2]);
    assert.deepEqual(Array.from(x.scatter(0, i32([1, 0], [1, 2]), src).data), Array.from(lm.scatter(x, 0, i32([1, 0], [1, 2]), src).data));
    assert.deepEqual(Array.from(x.scatterAdd(1, index, src).data), Array.from(lm.scatterAdd(x, 1, index, src).data));
    assert.deepEqual(Array.from(x.indexAdd(1, i32([2]), f64([1, 1], [2, 1]), { alpha: 2 }).data), [1, 2, 5, 4, 5, 8]);
    assert.deepEqual(Array.from(x.flip([0, 1]).data), [6, 5, 4, 3, 2, 1]);
    assert.deepEqual(Array.from(x.roll(1, 1).data), [3, 1, 2, 6, 4, 5]);
  });

  test('int32 tensors flip, roll and scatter too (no gradient)', () => {
    const x = i32([1, 2, 3, 4]);
    assert.deepEqual(Array.from(lm.flip(x, 0).data), [4, 3, 2, 1]);
    assert.deepEqual(Array.from(lm.roll(x, -1).data), [2, 3, 4, 1]);
    assert.deepEqual(Array.from(lm.scatterAdd(x, 0, i32([0, 0]), i32([5, 5])).data), [11, 2, 3, 4]);
  });

  test('einsum of float32 operands stays float32', () => {
    const a = lm.ones([2, 3]), b = lm.ones([3, 2]);
    const y = lm.einsum('ij,jk->ik', a, b);
    assert.equal(y.dtype, 'float32');
    assert.deepEqual(Array.from(y.data), [3, 3, 3, 3]);
  });
});

describe('new ops: errors as PyTorch raises them', () => {
  const x = f64([1, 2, 3, 4, 5, 6], [2, 3]);
  test('scatter / scatterAdd: index out of range, negative index, shapes, dtypes, reduce', () => {
    assert.throws(() => lm.scatter(x, 1, i32([3], [1, 1]), f64([1], [1, 1])), /scatter: index 3 is out of range for dim 1 of size 3/);
    assert.throws(() => lm.scatterAdd(x, 0, i32([-1], [1, 1]), f64([1], [1, 1])), /scatterAdd: index -1 is out of range for dim 0 of size 2.*negative/);
    assert.throws(() => lm.scatterAdd(x, 0, i32([0], [1]), f64([1], [1])), /scatterAdd: index \[1\] and src \[1\] must have as many dims as the input \[2, 3\]/);
    assert.throws(() => lm.scatter(x, 0, i32([0, 0, 0, 0], [1, 4]), f64([1, 1, 1, 1], [1, 4])), /scatter: index of shape \[1, 4\] must be no larger than src \[1, 4\] in every dim and no larger than the input \[2, 3\] outside dim 0/);
    assert.throws(() => lm.scatter(x, 0, i32([0, 0], [1, 2]), f64([1], [1, 1])), /no larger than src \[1, 1\]/);
    assert.throws(() => lm.scatter(x, 0, i32([0], [1, 1]), lm.ones([1, 1])), /scatter: src is float32 but the input is float64/);
    assert.throws(() => lm.scatter(x, 0, lm.zeros([1, 1]), 1), /scatter: index must be an int32 tensor/);
    assert.throws(() => lm.scatter(x, 2, i32([0], [1, 1]), 1), /scatter: dim 2 is out of range/);
    assert.throws(() => lm.scatter(x, 0, i32([0], [1, 1]), 1, { reduce: 'multiply' }), /scatter: reduce 'multiply' is not supported/);
  });

  test('indexAdd: index out of range, count and shape mismatches', () => {
    assert.throws(() => lm.indexAdd(x, 0, i32([2]), f64([1, 1, 1], [1, 3])), /indexAdd: index 2 is out of range for dim 0 of size 2/);
    assert.throws(() => lm.indexAdd(x, 0, i32([-1]), f64([1, 1, 1], [1, 3])), /indexAdd: index -1 is out of range/);
    assert.throws(() => lm.indexAdd(x, 0, i32([0]), f64([1, 1, 1, 1, 1, 1], [2, 3])), /indexAdd: source of shape \[2, 3\] must match the input \[2, 3\] outside dim 0 and have 1 \(the number of indices\) along it/);
    assert.throws(() => lm.indexAdd(x, 1, i32([0]), f64([1, 1, 1], [3, 1])), /indexAdd: source of shape \[3, 1\]/);
    assert.throws(() => lm.indexAdd(x, 0, i32([0, 1], [1, 2]), x), /indexAdd: index must be 0-d or 1-D/);
  });

  test('flip and roll: dims', () => {
    assert.throws(() => lm.flip(x, [0, -2]), /flip: dim -2 appears more than once in dims \[0, -2\]/);
    assert.throws(() => lm.flip(x, 2), /flip: dim 2 is out of range for a tensor of rank 2/);
    assert.throws(() => lm.roll(x, [1, 2], [0]), /roll: shifts \[1, 2\] and dims \[0\] must have the same length/);
    assert.throws(() => lm.roll(x, [1, 2]), /roll: without dims, shifts must be a single number/);
    assert.throws(() => lm.roll(x, []), /roll: shifts must not be empty/);
    assert.throws(() => lm.roll(x, 0.5, 0), /roll: shifts must be integers, got 0.5/);
    assert.throws(() => lm.roll(f64([1], []), 1, 0), /roll: dim 0 is out of range for a tensor of rank 0/);
  });

  test('einsum: the equation and the problem are named', () => {
    const a = lm.ones([2, 3], { dtype: 'float64' });
    assert.throws(() => lm.einsum('i1', a), /einsum\('i1'\): invalid subscript '1' at index 1/);
    assert.throws(() => lm.einsum('ij', lm.ones([2, 3, 4])), /einsum\('ij'\): operand 0 has shape \[2, 3, 4\] \(3 dims\) but its term has 2 subscript\(s\) and no ellipsis/);
    assert.throws(() => lm.einsum('ii', a), /einsum\('ii'\): subscript i is repeated in one operand with different sizes 2 and 3/);
    assert.throws(() => lm.einsum('ij,jk', a, lm.ones([4, 5], { dtype: 'float64' })), /einsum\('ij,jk'\): subscript j has size 4 .* does not broadcast with size 3/);
    assert.throws(() => lm.einsum('ij->ii', a), /output subscript i appears more than once/);
    assert.throws(() => lm.einsum('ij->k', a), /output subscript k does not appear in any operand/);
    assert.throws(() => lm.einsum('i,i', a), /the equation has 2 operand term\(s\) but 1 tensor\(s\) were given/);
    assert.throws(() => lm.einsum('...i...', a), /'...' appears more than once in the term/);
    assert.throws(() => lm.einsum('ij'), /expected at least one operand/);
  });
});
