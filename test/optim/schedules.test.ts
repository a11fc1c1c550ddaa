/** Learning-rate schedules at key steps (values worked out by hand). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applySchedule, constantSchedule, exponentialSchedule, inverseSqrtSchedule, inverseTimeSchedule, SGD,
  setLearningRate, stepSchedule, tensor, warmupCosineSchedule,
} from '../../src/index.js';

const close = (actual: number, expected: number, label: string): void => {
  assert.ok(Math.abs(actual - expected) <= 1e-15 + 1e-12 * Math.abs(expected), `${label}: got ${actual}, expected ${expected}`);
};

describe('schedules (step k = 0 is the first update)', () => {
  test('constant', () => {
    const s = constantSchedule(0.5);
    for (const k of [0, 1, 1e6]) assert.equal(s(k), 0.5);
  });

  test('α0/(1 + k): seed 002 Robbins–Monro', () => {
    const s = inverseTimeSchedule(0.5);
    assert.equal(s(0), 0.5);
    assert.equal(s(1), 0.25);
    assert.equal(s(3), 0.125);
    assert.equal(s(9), 0.05);
    // decayRate 0.1: 1/(1 + 0.1·10) = 1/2.
    close(inverseTimeSchedule(2, 0.1)(10), 1, 'decayRate 0.1 at k = 10');
  });

  test('α0/√(1 + k): seed 002 α0/√k counted from k = 1', () => {
    const s = inverseSqrtSchedule(0.6);
    assert.equal(s(0), 0.6);
    assert.equal(s(3), 0.3);
    assert.equal(s(99), 0.06);
  });

  test('step decay: ×γ every stepSize updates (PyTorch StepLR)', () => {
    const s = stepSchedule(1, 30, 0.1);
    assert.equal(s(0), 1);
    assert.equal(s(29), 1);
    close(s(30), 0.1, 'k = 30');
    close(s(59), 0.1, 'k = 59');
    close(s(60), 0.01, 'k = 60');
  });

  test('exponential: α0·γ^k (PyTorch ExponentialLR)', () => {
    const s = exponentialSchedule(0.1, 0.5);
    assert.equal(s(0), 0.1);
    assert.equal(s(1), 0.05);
    assert.equal(s(3), 0.0125);
  });

  test("warmup + cosine: nanoGPT's get_lr with its GPT-2 settings", () => {
    // learning_rate 6e-4, min_lr 6e-5, warmup_iters 2000, lr_decay_iters 600000.
    const s = warmupCosineSchedule({ maxLr: 6e-4, minLr: 6e-5, warmupSteps: 2000, decaySteps: 600000 });
    close(s(0), 6e-4 / 2001, 'first warmup step (it + 1)/(warmup + 1)');
    close(s(999), 6e-4 * 1000 / 2001, 'mid-warmup');
    close(s(1999), 6e-4 * 2000 / 2001, 'last warmup step');
    assert.equal(s(2000), 6e-4, 'peak at k = warmupSteps (cos 0 = 1)');
    // Halfway through the decay, cos(π/2) = 0: the mean of max and min, 3.3e-4.
    close(s(301000), 3.3e-4, 'halfway');
    // A quarter of the way: ½(1 + cos(π/4)) = ½ + √2/4 ≈ 0.853553390593.
    close(s(151500), 6e-5 + (0.5 + Math.SQRT2 / 4) * 5.4e-4, 'a quarter');
    close(s(600000), 6e-5, 'end of decay');
    assert.equal(s(600001), 6e-5);
    assert.equal(s(10_000_000), 6e-5);
  });

  test('warmup + cosine: no warmup, and a decay of length 0', () => {
    const s = warmupCosineSchedule({ maxLr: 1, minLr: 0, warmupSteps: 0, decaySteps: 4 });
    assert.equal(s(0), 1);
    close(s(2), 0.5, 'half');
    close(s(1), 0.5 + Math.SQRT2 / 4, 'quarter');
    assert.equal(s(4), 0);
    const flat = warmupCosineSchedule({ maxLr: 1, minLr: 0.1, warmupSteps: 3, decaySteps: 3 });
    assert.deepEqual([0, 1, 2, 3, 4].map(flat), [0.25, 0.5, 0.75, 0.1, 0.1]);
  });

  test('bad arguments throw errors naming the schedule and argument', () => {
    assert.throws(() => stepSchedule(1, 0), /stepSchedule: stepSize must be an integer ≥ 1, got 0/);
    assert.throws(() => inverseTimeSchedule(-1), /inverseTimeSchedule: initialLr must be a finite number ≥ 0, got -1/);
    assert.throws(() => warmupCosineSchedule({ maxLr: 1, minLr: 0, warmupSteps: 10, decaySteps: 5 }), /decaySteps must be an integer ≥ warmupSteps \(10\), got 5/);
    assert.throws(() => constantSchedule(1)(-1), /constantSchedule: step must be a finite number ≥ 0, got -1/);
  });
});

describe('applying a schedule to an optimizer', () => {
  test('applySchedule sets every group to schedule(step) and returns it', () => {
    const a = tensor([1], { requiresGrad: true });
    const b = tensor([2], { requiresGrad: true });
    const optimizer = new SGD([{ params: [a] }, { params: [b], lr: 7 }], { lr: 1 });
    const schedule = inverseTimeSchedule(0.5);
    assert.equal(applySchedule(optimizer, schedule, 3), 0.125);
    assert.deepEqual(optimizer.paramGroups.map((g) => g.lr), [0.125, 0.125]);
    setLearningRate(optimizer, 0.01);
    assert.deepEqual(optimizer.paramGroups.map((g) => g.lr), [0.01, 0.01]);
    assert.throws(() => setLearningRate(optimizer, NaN), /setLearningRate: lr must be a finite number ≥ 0, got NaN/);
  });
});
