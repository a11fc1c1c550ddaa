/**
 * Op edge cases against PyTorch 1.13 (test/fixtures/ops-edges.json, written by
 * scripts/fixtures/ops_edges.py): var/std at N ≤ correction, 0-d and empty
 * reductions, ties and NaN in extrema, maximum/minimum with NaN, pow at base 0,
 * sign/floor/ceil/round, clamp with min > max, index checks. Each case is
 * checked in float64 and float32 on every backend: the outputs, the VJP
 * (backward of Σ sum(out ⊙ upstream)) and the JVP (lm.jvp with the recorded
 * tangents); a case PyTorch refuses must throw an error naming the op.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import { Tensor, type DType } from '../../src/index.js';
import { describeEachBackend } from '../backend/backends.js';
import { assertClose, decodeNumber, readFixture, toTensor, TOLERANCE, type FixtureTensor } from '../helpers/fixtures.js';

interface EdgeCase {
  name: string;
  op: string;
  inputs: FixtureTensor[];
  attrs: Record<string, unknown>;
  raises?: string;
  outputs?: FixtureTensor[];
  upstream?: (FixtureTensor | null)[];
  grads?: (FixtureTensor | null)[];
  tangents?: (FixtureTensor | null)[];
  jvps?: (FixtureTensor | null)[];
}

type Attrs = Record<string, unknown>;
type Runner = (inputs: Tensor[], attrs: Attrs) => Tensor;

const dimList = (a: Attrs): number[] | null => (a.dim === null || a.dim === undefined ? null : (a.dim as number[]));
const reduction = (f: (x: Tensor, dim: number[] | null, keepdim: boolean) => Tensor): Runner =>
  ([x], a) => f(x, dimList(a), a.keepdim as boolean);
const varianceOptions = (a: Attrs): lm.VarianceOptions => ({ keepdim: a.keepdim as boolean, correction: a.correction as number });

/** Fixture op name → lmkit call ("max" with a dim list is torch.amax, with dim null torch.max(x)). */
const runners: Record<string, Runner> = {
  var: ([x], a) => lm.variance(x, dimList(a), varianceOptions(a)),
  std: ([x], a) => lm.std(x, dimList(a), varianceOptions(a)),
  sum: reduction(lm.sum), mean: reduction(lm.mean), max: reduction(lm.max), min: reduction(lm.min),
  logsumexp: reduction(lm.logsumexp),
  cumsum: ([x], a) => lm.cumsum(x, a.dim as number),
  softmax: ([x], a) => lm.softmax(x, a.dim as number),
  logSoftmax: ([x], a) => lm.logSoftmax(x, a.dim as number),
  argmax: ([x], a) => lm.argmax(x, a.dim as number | null, a.keepdim as boolean),
  argmin: ([x], a) => lm.argmin(x, a.dim as number | null, a.keepdim as boolean),
  maximum: ([a, b]) => lm.maximum(a, b), minimum: ([a, b]) => lm.minimum(a, b), pow: ([a, b]) => lm.pow(a, b),
  sign: ([x]) => lm.sign(x), floor: ([x]) => lm.floor(x), ceil: ([x]) => lm.ceil(x), round: ([x]) => lm.round(x),
  clamp: ([x], a) => lm.clamp(x, decodeNumber(a.min as number), decodeNumber(a.max as number)),
  gather: ([x, i], a) => lm.gather(x, a.dim as number, i),
  indexSelect: ([x, i], a) => lm.indexSelect(x, a.dim as number, i),
  take: ([x, i]) => lm.take(x, i),
};

const { cases } = readFixture<{ cases: EdgeCase[] }>('ops-edges.json');

function reverseMode(c: EdgeCase, dtype: DType): { output: Tensor; grads: (Tensor | null)[] } {
  const grads = c.grads ?? [];
  const inputs = c.inputs.map((t, i) => {
    const x = toTensor(t, dtype);
    if (grads[i]) x.requiresGrad = true;
    return x;
  });
  const output = runners[c.op](inputs, c.attrs);
  const upstream = c.upstream?.[0];
  if (upstream && output.requiresGrad) lm.sum(lm.mul(output, toTensor(upstream, dtype))).backward();
  return { output, grads: inputs.map((x, i) => (grads[i] ? x.grad : null)) };
}

function forwardMode(c: EdgeCase, dtype: DType): Tensor {
  const primals = c.inputs.map((t) => toTensor(t, dtype));
  const tangents = primals.map((x, i) => {
    const t = c.tangents?.[i];
    return t ? toTensor(t, dtype) : new Tensor(new Int32Array(x.size), x.shape);
  });
  return lm.jvp((...xs: Tensor[]) => runners[c.op](xs, c.attrs), primals, tangents)[1];
}

function checkCase(c: EdgeCase, dtype: 'float64' | 'float32'): void {
  const inputs = (): Tensor[] => c.inputs.map((t) => toTensor(t, dtype));
  if (c.raises !== undefined) {
    assert.throws(() => runners[c.op](inputs(), c.attrs), (e: unknown) => e instanceof Error && e.message.startsWith(`${c.op}:`),
      `${c.op} must refuse this input (torch: ${c.raises})`);
    return;
  }
  const tol = TOLERANCE[dtype];
  const { output, grads } = reverseMode(c, dtype);
  assertClose(output, (c.outputs ?? [])[0], tol, 'output');
  (c.grads ?? []).forEach((expected, i) => {
    if (!expected) return;
    const got = grads[i];
    assert.ok(got, `input ${i} received no gradient`);
    assertClose(got, expected, tol, `grad of input ${i}`);
  });
  const expectedTangent = c.jvps?.[0];
  if (expectedTangent) assertClose(forwardMode(c, dtype), expectedTangent, tol, 'jvp');
}

describeEachBackend((backend) => {

  test('every fixture op has a runner', () => {
    assert.deepEqual([...new Set(cases.map((c) => c.op))].filter((op) => !runners[op]), []);
  });
  for (const dtype of ['float64', 'float32'] as const) {
    describe(dtype, () => {
      for (const c of cases) test(c.name, () => checkCase(c, dtype));
    });
  }
});

// torch 1.13 cannot be asked here: with dim omitted and N = correction its
// var_backward returns a 0-d ∞·g that autograd rejects for an n-d input. lmkit
// gives that ∞·g, broadcast (what torch returns for a 0-d input).
describe('var/std over the whole tensor with N = correction', () => {
  test('var: the gradient is ∞ · g for every element', () => {
    const x = lm.tensor([1, 3], { dtype: 'float64', requiresGrad: true });
    const y = lm.variance(x, null, { correction: 2 });
    assert.equal(y.item(), Infinity);
    y.backward();
    assert.deepEqual(Array.from(x.grad!.data), [Infinity, Infinity]);
  });
  test('std: g / (2 · ∞) = 0 times ∞ is NaN, as torch\'s std_backward composes it', () => {
    const x = lm.tensor([1, 3], { dtype: 'float64', requiresGrad: true });
    lm.std(x, null, { correction: 2 }).backward();
    assert.ok(Array.from(x.grad!.data).every(Number.isNaN));
  });
});
