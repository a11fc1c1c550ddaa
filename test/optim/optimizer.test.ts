/**
 * The optimizer machinery around the update rules: exact resume through
 * stateDict/loadStateDict, parameter groups, skipped parameters, zeroGrad,
 * and clear errors for bad options and bad state.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Adagrad, Adam, AdamW, Generator, mul, RMSprop, SGD, sum, tensor,
  type DType, type OptimizerStateDict, type Tensor,
} from '../../src/index.js';

interface AnyOptimizer {
  step(): void;
  zeroGrad(setToNone?: boolean): void;
  stateDict(): OptimizerStateDict;
  loadStateDict(dict: OptimizerStateDict): void;
  readonly paramGroups: readonly { lr: number; params: Tensor[] }[];
}

const SHAPES = [[3, 4], [5], []];

function makeParams(dtype: DType, seed = 7): Tensor[] {
  const generator = new Generator(seed);
  return SHAPES.map((shape) => tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => generator.normal()), { dtype }).reshape(shape).detach().requiresGrad_());
}

/** Gradients for step k: a pure function of (k, i), so two runs see the same ones. Param 1 has no grad on odd steps. */
function setGradients(params: Tensor[], k: number): void {
  const generator = new Generator(1000 + k);
  params.forEach((p, i) => {
    if (i === 1 && k % 2 === 1) { p.grad = null; return; }
    const values = Array.from({ length: p.size }, () => generator.normal(0, 1 + k));
    p.grad = tensor(values, { dtype: p.dtype }).reshape(p.shape);
  });
}

const CONFIGS: { name: string; make: (p: Tensor[]) => AnyOptimizer }[] = [
  { name: 'SGD nesterov + weight decay', make: (p) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 }) },
  { name: 'SGD momentum + dampening', make: (p) => new SGD(p, { lr: 0.05, momentum: 0.8, dampening: 0.3 }) },
  { name: 'Adagrad', make: (p) => new Adagrad(p, { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1, weightDecay: 0.01 }) },
  { name: 'RMSprop centered + momentum', make: (p) => new RMSprop(p, { lr: 0.01, centered: true, momentum: 0.5, weightDecay: 0.1 }) },
  { name: 'Adam amsgrad + L2', make: (p) => new Adam(p, { lr: 0.01, amsgrad: true, weightDecay: 0.1 }) },
  { name: 'Adam L2 (kernel path)', make: (p) => new Adam(p, { lr: 0.01, weightDecay: 0.1 }) },
  {
    name: 'AdamW with two groups',
    make: (p) => new AdamW([{ params: [p[0]], weightDecay: 0.1 }, { params: [p[1], p[2]], weightDecay: 0, lr: 0.02 }], { lr: 0.01, betas: [0.8, 0.95] }),
  },
];

const bitsEqual = (a: Tensor, b: Tensor): boolean => a.data.every((v, i) => Object.is(v, b.data[i]));

/** What a checkpoint writer might do: scalars stay JSON, buffers become plain arrays. */
function throughJson(dict: OptimizerStateDict): OptimizerStateDict {
  const replacer = (_key: string, value: unknown): unknown => (ArrayBuffer.isView(value) ? Array.from(value as Float64Array) : value);
  return JSON.parse(JSON.stringify(dict, replacer)) as OptimizerStateDict;
}

describe('stateDict / loadStateDict give bit-identical resumed trajectories', () => {
  const total = 10, pause = 4;
  for (const config of CONFIGS) {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const viaJson of [false, true]) {
        test(`${config.name} (${dtype}${viaJson ? ', through JSON' : ''})`, () => {
          // Uninterrupted run.
          const straight = makeParams(dtype);
          const opt1 = config.make(straight);
          for (let k = 0; k < total; k++) { setGradients(straight, k); opt1.step(); }

          // Run to `pause`, snapshot params + optimizer, restore into fresh objects, finish.
          const first = makeParams(dtype);
          const opt2 = config.make(first);
          for (let k = 0; k < pause; k++) { setGradients(first, k); opt2.step(); }
          const saved = opt2.stateDict();
          const savedParams = first.map((p) => p.clone());
          // Keep stepping the original: the snapshot must not change.
          for (let k = pause; k < total; k++) { setGradients(first, k); opt2.step(); }

          const resumed = savedParams.map((p) => p.requiresGrad_());
          const opt3 = config.make(resumed);
          // A schedule might have changed lr; loading must restore the saved one.
          for (const group of opt3.paramGroups) group.lr = 123;
          opt3.loadStateDict(viaJson ? throughJson(saved) : saved);
          assert.deepEqual(opt3.paramGroups.map((g) => g.lr), opt2.paramGroups.map((g) => g.lr));
          for (let k = pause; k < total; k++) { setGradients(resumed, k); opt3.step(); }

          straight.forEach((p, i) => {
            assert.ok(bitsEqual(first[i], p), `param ${i}: continuing after stateDict() changed the run`);
            assert.ok(bitsEqual(resumed[i], p), `param ${i}: resumed ${resumed[i].toString()} vs straight ${p.toString()}`);
          });
          assert.deepEqual(throughJson(opt3.stateDict()), throughJson(opt1.stateDict()));
        });
      }
    }
  }

  test('the state dict format: indices across groups, typed-array buffers, per-parameter steps', () => {
    const params = makeParams('float32');
    const optimizer = new AdamW([{ params: [params[0]], weightDecay: 0.1 }, { params: [params[1], params[2]], weightDecay: 0 }], { lr: 0.01 });
    for (let k = 0; k < 3; k++) { setGradients(params, k); optimizer.step(); }
    const dict = optimizer.stateDict();
    assert.equal(dict.optimizer, 'AdamW');
    assert.deepEqual(dict.paramGroups, [
      { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.1, amsgrad: false, params: [0] },
      { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, params: [1, 2] },
    ]);
    assert.deepEqual(Object.keys(dict.state), ['0', '1', '2']);
    // Param 1 had no gradient at step 2 (k = 1): its step count lags, as in PyTorch.
    assert.deepEqual([dict.state['0'].step, dict.state['1'].step, dict.state['2'].step], [3, 2, 3]);
    assert.ok(dict.state['0'].expAvg instanceof Float32Array);
    assert.equal((dict.state['0'].expAvg as Float32Array).length, 12);
    assert.equal(dict.state['0'].maxExpAvgSq, null);
  });
});

describe('parameter groups', () => {
  test('groups behave exactly like separate optimizers with those options', () => {
    const grouped = makeParams('float64');
    const separate = makeParams('float64');
    const together = new AdamW([{ params: [grouped[0]], weightDecay: 0.1 }, { params: [grouped[1], grouped[2]], weightDecay: 0, lr: 0.05 }], { lr: 0.01 });
    const a = new AdamW([separate[0]], { lr: 0.01, weightDecay: 0.1 });
    const b = new AdamW([separate[1], separate[2]], { lr: 0.05, weightDecay: 0 });
    for (let k = 0; k < 6; k++) {
      setGradients(grouped, k); setGradients(separate, k);
      together.step(); a.step(); b.step();
    }
    grouped.forEach((p, i) => assert.ok(bitsEqual(p, separate[i]), `param ${i}`));
  });

  test('a group inherits unspecified options from the defaults; lr is per group', () => {
    const [w, bias] = makeParams('float32');
    const optimizer = new SGD([{ params: [w] }, { params: [bias], lr: 0.5, momentum: 0 }], { lr: 0.1, momentum: 0.9 });
    assert.equal(optimizer.paramGroups[0].lr, 0.1);
    assert.equal(optimizer.paramGroups[0].momentum, 0.9);
    assert.equal(optimizer.paramGroups[1].lr, 0.5);
    assert.equal(optimizer.paramGroups[1].momentum, 0);
    optimizer.addParamGroup({ params: [makeParams('float32', 3)[2]] });
    assert.equal(optimizer.paramGroups[2].lr, 0.1);
  });

  test('groups do not share the betas array', () => {
    const p = makeParams('float32');
    const optimizer = new Adam([{ params: [p[0]] }, { params: [p[1]] }]);
    (optimizer.paramGroups[0].betas as unknown as number[])[0] = 0.5;
    assert.equal(optimizer.paramGroups[1].betas[0], 0.9);
  });
});

describe('stepping', () => {
  test('parameters whose grad is null are skipped and get no state', () => {
    const [a, b] = makeParams('float64');
    const before = b.clone();
    const optimizer = new Adam([a, b], { lr: 0.1 });
    a.grad = tensor(new Float64Array(a.size).fill(1)).reshape(a.shape);
    optimizer.step();
    assert.ok(bitsEqual(b, before));
    assert.deepEqual(Object.keys(optimizer.stateDict().state), ['0']);
  });

  test('zeroGrad sets grads to null by default, or fills them with zeros', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const optimizer = new SGD([x], { lr: 0.1 });
    sum(mul(x, x)).backward();
    assert.deepEqual(Array.from(x.grad?.data ?? []), [2, 4, 6]);
    optimizer.zeroGrad(false);
    assert.deepEqual(Array.from(x.grad?.data ?? []), [0, 0, 0]);
    optimizer.zeroGrad();
    assert.equal(x.grad, null);
  });

  test('a training loop: backward → step → zeroGrad minimizes a quadratic', () => {
    // f(x) = Σ (x − 3)² ⇒ ∇f = 2(x − 3); plain SGD with lr 0.25 halves the error every step.
    const x = tensor([0, 10], { dtype: 'float64', requiresGrad: true });
    const optimizer = new SGD([x], { lr: 0.25 });
    for (let k = 0; k < 30; k++) {
      optimizer.zeroGrad();
      const d = x.sub(3);
      sum(mul(d, d)).backward();
      optimizer.step();
    }
    assert.ok(Math.abs(x.data[0] - 3) < 1e-8 && Math.abs(x.data[1] - 3) < 1e-8, `x = ${x.toString()}`);
  });
});

describe('clear errors', () => {
  const p = (): Tensor[] => makeParams('float32');
  const cases: [string, () => unknown, RegExp][] = [
    ['empty parameter list', () => new SGD([]), /SGD: got an empty parameter list/],
    ['unknown option', () => new AdamW(p(), { weight_decay: 0.1 } as never), /AdamW: unknown option 'weight_decay' in the options \(known: lr, betas, eps, weightDecay, amsgrad\)/],
    ['wrong option type', () => new SGD(p(), { nesterov: 1 } as never), /SGD: option 'nesterov' in the options must be a boolean, got 1/],
    ['betas out of range', () => new Adam(p(), { betas: [0.9, 1] }), /Adam: invalid betas\[1\] 1 in the options \(must be ≥ 0 and < 1\)/],
    ['negative lr in a group', () => new Adam([{ params: p(), lr: -1 }]), /Adam: invalid lr -1 in parameter group 0/],
    ['Nesterov without momentum', () => new SGD(p(), { nesterov: true }), /Nesterov momentum needs momentum > 0 and dampening 0/],
    ['a parameter twice', () => { const q = p(); return new SGD([q[0], q[0]]); }, /parameter group 0 lists params\[1\] twice/],
    ['a parameter in two groups', () => { const q = p(); return new SGD([{ params: [q[0]] }, { params: [q[0]] }]); }, /params\[0\] is already in parameter group 0/],
    ['an int32 parameter', () => new SGD([tensor([1, 2], { dtype: 'int32' })]), /params\[0\] has dtype int32/],
    ['a non-leaf parameter', () => new SGD([mul(tensor([1, 2], { requiresGrad: true }), 2)]), /params\[0\] is not a leaf tensor/],
  ];
  for (const [name, make, message] of cases) test(name, () => assert.throws(make, message));

  test('a gradient of the wrong shape names the parameter and both shapes', () => {
    const [w] = p();
    const optimizer = new SGD([w]);
    w.grad = tensor(new Float32Array(4));
    assert.throws(() => optimizer.step(), /SGD: parameter group 0, params\[0\] is float32 \[3, 4\] but its grad is float32 \[4\]/);
  });

  test('a NaN lr set by hand is caught at step()', () => {
    const [w] = p();
    const optimizer = new SGD([w]);
    optimizer.paramGroups[0].lr = NaN;
    w.grad = tensor(new Float32Array(12)).reshape([3, 4]);
    assert.throws(() => optimizer.step(), /SGD: parameter group 0 has lr NaN/);
  });

  test('loadStateDict rejects mismatched dicts and leaves the optimizer unchanged', () => {
    const params = p();
    const optimizer = new Adam(params, { lr: 0.01 });
    setGradients(params, 0);
    optimizer.step();
    const good = optimizer.stateDict();
    const before = JSON.stringify(good, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v));
    const bad: [string, OptimizerStateDict, RegExp][] = [
      ['other optimizer', { ...good, optimizer: 'SGD' }, /written by SGD, not Adam/],
      ['group count', { ...good, paramGroups: [...good.paramGroups, good.paramGroups[0]] }, /has 2 parameter groups, this optimizer 1/],
      ['group size', { ...good, paramGroups: [{ ...good.paramGroups[0], params: [0, 1] }] }, /parameter group 0 has 2 params in the state dict, 3 here/],
      ['buffer length', { ...good, state: { ...good.state, '0': { ...good.state['0'], expAvg: new Float32Array(5) } } }, /state\['0'\]\.expAvg has 5 values but the parameter \[3, 4\] has 12/],
      ['unknown entry', { ...good, state: { ...good.state, '2': { ...good.state['2'], momentum: 1 } } }, /state\['2'\] has unknown entry 'momentum'/],
      ['bad index', { ...good, state: { ...good.state, '7': good.state['0'] } }, /state key '7' is not a parameter index in \[0, 3\)/],
      ['bad hyperparameter', { ...good, paramGroups: [{ ...good.paramGroups[0], eps: 'small' as never }] }, /option 'eps' in parameter group 0 of the state dict must be a number/],
    ];
    for (const [name, dict, message] of bad) assert.throws(() => optimizer.loadStateDict(dict), message, name);
    const after = JSON.stringify(optimizer.stateDict(), (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v));
    assert.equal(after, before);
  });
});
