/**
 * Every optimizer trajectory in test/fixtures/optim.json (PyTorch, float64) —
 * see scripts/fixtures/README.md "optim.json". Three parameters (3,4), (4,), ();
 * at step k each grad is set to gradients[k], step() runs once, and the
 * parameters must equal trajectory[k].
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type DType, type Tensor } from '../../src/index.js';
import { assertClose, readFixture, toTensor, TOLERANCE, type FixtureTensor } from '../helpers/fixtures.js';
import { describeEachBackend } from '../backend/backends.js';

interface OptimCase {
  name: string;
  optimizer: 'SGD' | 'Adagrad' | 'RMSprop' | 'Adam' | 'AdamW';
  options: Record<string, number | boolean | number[]>;
  initial: FixtureTensor[];
  gradients: FixtureTensor[][];
  trajectory: FixtureTensor[][];
}

interface Steppable {
  step(): void;
}

/** The fixture options are lmkit's camelCase names with every default written out. */
function makeOptimizer(c: OptimCase, params: Tensor[]): Steppable {
  const o = c.options as never;
  switch (c.optimizer) {
    case 'SGD': return new SGD(params, o);
    case 'Adagrad': return new Adagrad(params, o);
    case 'RMSprop': return new RMSprop(params, o);
    case 'Adam': return new Adam(params, o);
    case 'AdamW': return new AdamW(params, o);
  }
}

const fixture = readFixture<{ cases: OptimCase[] }>('optim.json');

/**
 * float64 updates are a handful of roundings per step, so they agree with PyTorch to
 * ~1e-15 relative (measured ≤ 7e-15): a much tighter bound than the op tolerance.
 * float32 runs compare against the float64 reference within TOLERANCE.float32.
 */
const FLOAT64_UPDATE_TOLERANCE = { atol: 1e-13, rtol: 1e-12 };

function runCase(c: OptimCase, dtype: DType): void {
  const tolerance = dtype === 'float64' ? FLOAT64_UPDATE_TOLERANCE : TOLERANCE.float32;
  const params = c.initial.map((t) => toTensor(t, dtype).requiresGrad_());
  const optimizer = makeOptimizer(c, params);
  for (let k = 0; k < c.gradients.length; k++) {
    params.forEach((p, i) => { p.grad = toTensor(c.gradients[k][i], dtype); });
    optimizer.step();
    params.forEach((p, i) => assertClose(p, c.trajectory[k][i], tolerance, `${c.name} (${dtype}) step ${k + 1} param ${i}`));
  }
}

// Every suite below runs once per available backend (js, and native / wasm when
// they load): the same PyTorch references for every set of kernels.
describeEachBackend(() => {
  describe('optimizers match PyTorch trajectories (test/fixtures/optim.json)', () => {
    test('the fixture covers every optimizer', () => {
      assert.deepEqual(new Set(fixture.cases.map((c) => c.optimizer)), new Set(['SGD', 'Adagrad', 'RMSprop', 'Adam', 'AdamW']));
      assert.equal(fixture.cases.length, 21);
    });
    for (const c of fixture.cases) {
      test(`${c.name} float64`, () => runCase(c, 'float64'));
      test(`${c.name} float32`, () => runCase(c, 'float32'));
    }
  });
});
