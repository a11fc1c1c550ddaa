/**
 * The loss options against PyTorch (test/fixtures/losses-options.json, written by
 * scripts/fixtures/losses_options.py): class weights of crossEntropy / nllLoss with
 * ignoreIndex and label smoothing, `weight` and `posWeight` of the binary
 * cross-entropies, probabilities exactly 0 and 1 — outputs and vector–Jacobian
 * products in float64 and float32 on every backend, then gradcheck in both modes.
 * Then what PyTorch does not record: the errors for broadcast targets, unknown
 * options and weights that require a gradient, and BCE's target gradient at p ∈ {0, 1}.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import { Tensor, type DType } from '../../src/index.js';
import { rejectUnknownOptions } from '../../src/options.js';
import { assertClose, fitsFloat32, readFixture, toTensor, TOLERANCE, type FixtureTensor } from '../helpers/fixtures.js';
import { describeEachBackend } from '../backend/backends.js';

interface LossCase {
  name: string;
  op: string;
  inputs: FixtureTensor[];
  attrs: Record<string, unknown>;
  outputs: [FixtureTensor];
  upstream: [FixtureTensor];
  grads: (FixtureTensor | null)[];
}

type Attrs = Record<string, unknown>;
type Loss = (input: Tensor, target: Tensor) => Tensor;

const constant = (v: unknown, dtype: DType): Tensor | undefined => (v === undefined ? undefined : toTensor(v as FixtureTensor, dtype));
const reductionOf = (a: Attrs): lm.Reduction => a.reduction as lm.Reduction;

/** Each fixture op as lmkit's call, the weights decoded in the inputs' dtype. */
function lossOf(c: LossCase, dtype: DType): Loss {
  const a = c.attrs;
  const weight = constant(a.weight, dtype);
  switch (c.op) {
    case 'crossEntropy':
      return (x, t) => lm.crossEntropy(x, t, { reduction: reductionOf(a), ignoreIndex: a.ignoreIndex as number, labelSmoothing: a.labelSmoothing as number, weight });
    case 'nllLoss':
      return (x, t) => lm.nllLoss(x, t, { reduction: reductionOf(a), ignoreIndex: a.ignoreIndex as number, weight });
    case 'binaryCrossEntropy':
      return (x, t) => lm.binaryCrossEntropy(x, t, { reduction: reductionOf(a), weight });
    case 'binaryCrossEntropyWithLogits':
      return (x, t) => lm.binaryCrossEntropyWithLogits(x, t, { reduction: reductionOf(a), weight, posWeight: constant(a.posWeight, dtype) });
    default:
      throw new Error(`no runner for ${c.op}`);
  }
}

/** The loss as a function of the inputs PyTorch differentiated (the others fixed). */
function differentiableLoss(c: LossCase, dtype: DType): { f: (...xs: Tensor[]) => Tensor; inputs: Tensor[]; differentiable: number[] } {
  const all = c.inputs.map((t) => toTensor(t, dtype));
  const differentiable = c.grads.flatMap((g, i) => (g ? [i] : []));
  const loss = lossOf(c, dtype);
  const f = (...xs: Tensor[]): Tensor => {
    const args = all.map((x, i) => (differentiable.includes(i) ? xs[differentiable.indexOf(i)] : x));
    return loss(args[0], args[1]);
  };
  return { f, inputs: differentiable.map((i) => all[i]), differentiable };
}

/** Cases at numerical edges (±1000 logits, clamped logs, 0/0 means): finite differences mean nothing there. */
const extreme = /extreme|huge|clampedLog/;

const { cases } = readFixture<{ cases: LossCase[] }>('losses-options.json');

describeEachBackend(() => {
  for (const dtype of ['float64', 'float32'] as const) {
    describe(`loss options match PyTorch (${dtype})`, () => {
      for (const c of cases) {
        if (dtype === 'float32' && ![...c.inputs, ...c.outputs].every(fitsFloat32)) continue;
        test(c.name, () => {
          const tolerance = TOLERANCE[dtype];
          const { f, inputs, differentiable } = differentiableLoss(c, dtype);
          const [output, grads] = lm.vjp(f, inputs, toTensor(c.upstream[0], dtype));
          assertClose(output, c.outputs[0], tolerance, 'output');
          (grads as Tensor[]).forEach((g, k) => assertClose(g, c.grads[differentiable[k]] as FixtureTensor, tolerance, `grad of input ${differentiable[k]}`));
        });
      }
    });
  }

  describe('loss options: gradcheck (finite differences, forward and reverse mode)', () => {
    for (const c of cases) {
      if (extreme.test(c.name)) continue;
      test(c.name, () => {
        const { f, inputs } = differentiableLoss(c, 'float64');
        lm.gradcheck(f, inputs, { eps: 1e-6, atol: 1e-6, rtol: 1e-4 });
      });
    }
  });
});

const vector = (values: number[]): Tensor => new Tensor(Float64Array.from(values), [values.length]);
const matrix = (rows: number, cols: number, values: number[]): Tensor => new Tensor(Float64Array.from(values), [rows, cols]);
const labels = (values: number[]): Tensor => new Tensor(Int32Array.from(values), [values.length]);

describe('broadcast targets are refused (PyTorch broadcasts them with a warning)', () => {
  const column = matrix(3, 1, [0.1, 0.2, 0.3]);
  const flat = vector([0.1, 0.2, 0.3]);
  for (const [name, loss] of [['mseLoss', lm.mseLoss], ['l1Loss', lm.l1Loss], ['binaryCrossEntropy', lm.binaryCrossEntropy],
    ['binaryCrossEntropyWithLogits', lm.binaryCrossEntropyWithLogits]] as const) {
    test(`${name}: (3, 1) against (3) names both shapes`, () => {
      assert.throws(() => loss(column, flat), (e: Error) => e.message.includes(`${name}: input [3, 1] and target [3] must have the same shape`));
    });
  }
});

describe('unknown options are rejected, naming the option and the known ones', () => {
  const logits = matrix(2, 3, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), targets = labels([0, 2]);
  const probs = vector([0.25, 0.5]), soft = vector([0, 1]);
  const calls: [string, (options: object) => Tensor, string][] = [
    ['crossEntropy', (o) => lm.crossEntropy(logits, targets, o), "'reduction', 'ignoreIndex', 'labelSmoothing', 'weight'"],
    ['nllLoss', (o) => lm.nllLoss(logits, targets, o), "'reduction', 'ignoreIndex', 'weight'"],
    ['mseLoss', (o) => lm.mseLoss(probs, soft, o), "'reduction'"],
    ['l1Loss', (o) => lm.l1Loss(probs, soft, o), "'reduction'"],
    ['binaryCrossEntropy', (o) => lm.binaryCrossEntropy(probs, soft, o), "'reduction', 'weight'"],
    ['binaryCrossEntropyWithLogits', (o) => lm.binaryCrossEntropyWithLogits(probs, soft, o), "'reduction', 'weight', 'posWeight'"],
  ];
  for (const [name, call, known] of calls) {
    test(name, () => {
      assert.throws(() => call({ reduction: 'sum', pos_weight: vector([2, 2]) }),
        { name: 'TypeError', message: `${name}: unknown option 'pos_weight'; known options are ${known}` });
      assert.doesNotThrow(() => call({ reduction: 'sum' }));
    });
  }
  test('rejectUnknownOptions lists every unknown key and refuses a non-object', () => {
    assert.throws(() => rejectUnknownOptions('f', { a: 1, b: 2, c: 3 }, ['a']), { message: "f: unknown options 'b', 'c'; known options are 'a'" });
    assert.throws(() => rejectUnknownOptions('f', { a: 1 }, []), { message: "f: unknown option 'a'; known options are (none)" });
    assert.throws(() => rejectUnknownOptions('f', null as unknown as object, ['a']), { message: 'f: options must be an object, got null' });
  });
});

describe('weights are checked constants', () => {
  const logits = matrix(2, 3, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), targets = labels([0, 2]);
  test('a class weight that requires grad is refused, as PyTorch\'s autograd does', () => {
    const weight = vector([1, 2, 3]);
    weight.requiresGrad = true;
    assert.throws(() => lm.crossEntropy(logits, targets, { weight }), /crossEntropy: weight must not require a gradient.*weight\.detach\(\)/);
    assert.throws(() => lm.nllLoss(logits, targets, { weight }), /nllLoss: weight must not require a gradient/);
    assert.doesNotThrow(() => lm.crossEntropy(logits, targets, { weight: weight.detach() }));
  });
  test('a class weight must have one entry per class and the logits\' dtype', () => {
    assert.throws(() => lm.crossEntropy(logits, targets, { weight: vector([1, 2]) }), /crossEntropy: weight must have shape \[3\] \(one per class\), got \[2\]/);
    assert.throws(() => lm.crossEntropy(logits, targets, { weight: new Tensor(Float32Array.from([1, 2, 3]), [3]) }), /weight is float32 but the input is float64/);
    assert.throws(() => lm.nllLoss(logits, targets, { weight: [1, 2, 3] as unknown as Tensor }), /nllLoss: weight must be a Tensor or null, got object/);
  });
  test('a target outside the classes is an error, not a lookup past the weights', () => {
    const weight = vector([1, 2, 3]);
    assert.throws(() => lm.crossEntropy(logits, labels([0, 3]), { weight }), /crossEntropy: target 3 is out of range for 3 classes/);
    assert.throws(() => lm.nllLoss(logits, labels([-1, 0]), { weight }), /nllLoss: target -1 is out of range for 3 classes/);
  });
  test('elementwise weights must broadcast to the input without enlarging it', () => {
    const x = vector([0.25, 0.5, 0.75]), y = vector([0, 1, 1]);
    assert.throws(() => lm.binaryCrossEntropy(x, y, { weight: matrix(2, 3, [1, 1, 1, 1, 1, 1]) }),
      /binaryCrossEntropy: weight \[2, 3\] does not broadcast to the input's shape \[3\]/);
    assert.throws(() => lm.binaryCrossEntropyWithLogits(x, y, { posWeight: vector([1, 2]) }),
      /binaryCrossEntropyWithLogits: posWeight \[2\] does not broadcast to the input's shape \[3\]/);
    const posWeight = vector([2]);
    posWeight.requiresGrad = true;
    assert.throws(() => lm.binaryCrossEntropyWithLogits(x, y, { posWeight }), /posWeight must not require a gradient/);
  });
  test('the unweighted cross-entropy stays on the fused kernel', () => {
    const x = logits.detach();
    x.requiresGrad = true;
    assert.equal(lm.crossEntropy(x, targets, { reduction: 'none' }).node?.opName, 'crossEntropy');
    assert.notEqual(lm.crossEntropy(x, targets, { reduction: 'none', weight: vector([1, 1, 1]) }).node?.opName, 'crossEntropy');
  });
});

describe('binaryCrossEntropy at p ∈ {0, 1}', () => {
  const p = vector([0, 1, 0, 1]), y = vector([0.3, 0.6, 0, 1]);
  test('the loss is finite (logs clamped at −100) and linear in y with slope ±100', () => {
    assertClose(lm.binaryCrossEntropy(p, y, { reduction: 'none' }), vector([30, 40, 0, 0]), TOLERANCE.float64, 'loss');
    const [, grads] = lm.vjp((a, b) => lm.binaryCrossEntropy(a, b, { reduction: 'sum' }), [p, y]);
    // PyTorch 1.13 returns ±inf for the target here (unclamped logs); the derivative of its own loss is ±100.
    assertClose((grads as Tensor[])[1], vector([100, -100, 100, -100]), TOLERANCE.float64, 'target gradient');
  });
  test('finite differences agree with the target gradient in both modes', () => {
    lm.gradcheck((b) => lm.binaryCrossEntropy(p, b, { reduction: 'sum' }), [y], { eps: 1e-6, atol: 1e-6, rtol: 1e-4 });
  });
});
