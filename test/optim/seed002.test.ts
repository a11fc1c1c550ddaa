/**
 * Seed 002's worked examples (Columbia STAT GR5242, weeks 4–7): Adam's algorithm
 * box with Kingma & Ba's default constants, and SGD on the toy problem that
 * bounces with a constant step and converges with the Robbins–Monro α0/(1 + k).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Adam, batches, constantSchedule, Generator, inverseTimeSchedule, applySchedule, mul, SGD, sub, tensor,
  type Schedule, type Tensor,
} from '../../src/index.js';

const f64 = (values: number[] | number): Tensor => tensor(values, { dtype: 'float64' });

describe('seed 002: Adam (Kingma & Ba 2015, Algorithm 1)', () => {
  const alpha = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;

  test('the defaults are the algorithm box constants', () => {
    const group = new Adam([f64([1]).requiresGrad_()]).paramGroups[0];
    assert.equal(group.lr, alpha);
    assert.deepEqual([...group.betas], [beta1, beta2]);
    assert.equal(group.eps, epsilon);
    assert.equal(group.weightDecay, 0);
  });

  test('first step: θ1 = θ0 − α·g/(|g| + ε), i.e. ≈ −α·sign(g) for |g| ≫ ε', () => {
    // t = 1: m1 = (1−β1)g, v1 = (1−β2)g², m̂1 = m1/(1−β1) = g, v̂1 = v1/(1−β2) = g²,
    // so θ1 = θ0 − α·g/(√(g²) + ε) = θ0 − α·g/(|g| + ε): the first step has length ≈ α
    // whatever the gradient's scale (only |g| ~ ε is damped; g = 0 does not move).
    const theta0 = [0.3, -1.2, 2.5, 0.7, -0.4, 1.1, 0];
    const g = [0.5, -2, 1e-3, -3e-7, 1e-9, 0, 1e4];
    const theta = f64(theta0).requiresGrad_();
    const adam = new Adam([theta]);
    theta.grad = f64(g);
    adam.step();
    for (let i = 0; i < g.length; i++) {
      const expected = theta0[i] - (alpha * g[i]) / (Math.abs(g[i]) + epsilon);
      assert.ok(Math.abs(theta.data[i] - expected) <= 1e-15, `θ[${i}]: got ${theta.data[i]}, expected ${expected}`);
      if (Math.abs(g[i]) > 1e-6) {
        // |step − α·sign(g)| = α·ε/(|g| + ε) ≤ α·ε/|g|.
        const step = theta.data[i] - theta0[i];
        assert.ok(Math.abs(step + alpha * Math.sign(g[i])) <= (alpha * epsilon) / Math.abs(g[i]) + 1e-15, `step ${i} = ${step}`);
      }
    }
    assert.equal(theta.data[5], theta0[5], 'g = 0 leaves θ unchanged');
  });

  test('20 steps equal the algorithm box written out literally (m̂, v̂ explicit)', () => {
    const generator = new Generator(2025);
    const n = 6;
    const theta = f64(Array.from({ length: n }, () => generator.normal())).requiresGrad_();
    const reference = Array.from(theta.data);
    const m = new Array<number>(n).fill(0), v = new Array<number>(n).fill(0);
    const adam = new Adam([theta]);
    for (let t = 1; t <= 20; t++) {
      const g = Array.from({ length: n }, () => generator.normal(0, 10 ** (t % 3 - 1)));
      for (let i = 0; i < n; i++) {
        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        const mHat = m[i] / (1 - beta1 ** t);
        const vHat = v[i] / (1 - beta2 ** t);
        reference[i] = reference[i] - (alpha * mHat) / (Math.sqrt(vHat) + epsilon);
      }
      theta.grad = f64(g);
      adam.step();
      for (let i = 0; i < n; i++) {
        assert.ok(Math.abs(theta.data[i] - reference[i]) <= 1e-13, `t=${t} θ[${i}]: ${theta.data[i]} vs ${reference[i]}`);
      }
    }
  });
});

/**
 * Seed 002, "DANGER! SGD REQUIRES CARE": data x = −10, −9, …, 10 (21 points), loss
 * (x_i − θ)², batch size 1, θ0 = −20, α = 0.5. The minimizer is the mean, θ* = 0.
 * ∂L/∂θ = 2(θ − x), so a step is θ ← θ − 2α(θ − x):
 *  - α = 0.5 gives θ ← x: θ jumps to whichever point was drawn, forever;
 *  - α_k = 0.5/(1 + k) gives θ_{k+1} = θ_k − (θ_k − x_k)/(1 + k), the running mean
 *    of the points drawn so far (θ0 is forgotten at k = 0), which tends to 0.
 */
describe('seed 002: SGD on the toy problem (x = −10…10, loss (x − θ)², θ0 = −20)', () => {
  const data = Array.from({ length: 21 }, (_, i) => i - 10);
  const epochs = 50;

  /** Run SGD with gradients from autograd; returns θ after every step and the points drawn. */
  function run(schedule: Schedule): { iterates: number[]; drawn: number[] } {
    const theta = f64(-20).requiresGrad_();
    const optimizer = new SGD([theta], { lr: schedule(0) });
    const generator = new Generator(42);
    const iterates: number[] = [], drawn: number[] = [];
    let step = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      // Batch size M = 1, sampling without replacement within each epoch.
      for (const [index] of batches(data.length, 1, { shuffle: true, generator })) {
        const x = data[index];
        applySchedule(optimizer, schedule, step);
        optimizer.zeroGrad();
        const residual = sub(f64(x), theta);
        mul(residual, residual).backward();
        const expectedGrad = 2 * ((step === 0 ? -20 : iterates[step - 1]) - x);
        // === rather than Object.is: the gradient at θ = x may be −0.
        assert.ok(theta.grad?.item() === expectedGrad, `autograd gives ∂L/∂θ = 2(θ − x) = ${expectedGrad}, got ${theta.grad?.item()}`);
        optimizer.step();
        drawn.push(x);
        iterates.push(theta.item());
        step++;
      }
    }
    return { iterates, drawn };
  }

  test('constant α = 0.5 bounces around and never converges', () => {
    const { iterates, drawn } = run(constantSchedule(0.5));
    // Each step lands exactly on the point drawn: θ_{k+1} = x_k.
    assert.deepEqual(iterates, drawn);
    // So every epoch (a permutation of the data) sweeps θ over the whole range −10…10.
    const lastEpoch = iterates.slice(-data.length);
    assert.equal(Math.max(...lastEpoch) - Math.min(...lastEpoch), 20);
    const rms = Math.sqrt(lastEpoch.reduce((s, t) => s + t * t, 0) / lastEpoch.length);
    assert.ok(rms > 6, `root-mean-square distance from θ* = 0 over the last epoch is ${rms}`);
  });

  test('α_k = α0/(1 + k) with α0 = 0.5 converges to the mean, θ* = 0', () => {
    const { iterates, drawn } = run(inverseTimeSchedule(0.5));
    // θ_K is the mean of the first K points drawn.
    let sum = 0;
    for (let k = 0; k < drawn.length; k++) {
      sum += drawn[k];
      assert.ok(Math.abs(iterates[k] - sum / (k + 1)) <= 1e-12, `θ_${k + 1} = ${iterates[k]}, running mean ${sum / (k + 1)}`);
    }
    // After whole epochs every point has been drawn equally often: the mean is exactly 0.
    assert.ok(Math.abs(iterates[iterates.length - 1]) < 1e-12, `final θ = ${iterates[iterates.length - 1]}`);
    const lastEpoch = iterates.slice(-data.length);
    assert.ok(Math.max(...lastEpoch.map(Math.abs)) < 0.2, `|θ| over the last epoch ≤ ${Math.max(...lastEpoch.map(Math.abs))}`);
  });
});
