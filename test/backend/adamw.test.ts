// AdamW as torch.optim.AdamW defines it (decoupled decay first, then the Adam step
// with bias corrections), checked step by step against a direct transcription and
// against a hand-computed first step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '../../src/tensor/random.js';
import { testBackends } from './backends.js';
import { assertClose, randomArray } from './helpers.js';

for (const backend of testBackends()) {
  test(`${backend.name}: first AdamW step by hand: p=1, g=0.5, lr=0.1, wd=0.01`, () => {
    // p ← 1·(1 − 0.001) = 0.999; m = 0.1·0.5 = 0.05; v = 0.001·0.25 = 0.00025;
    // m̂ = 0.05/0.1 = 0.5, v̂ = 0.00025/0.001 = 0.25 → p ← 0.999 − 0.1·0.5/(0.5 + 1e-8).
    const param = Float64Array.from([1]);
    const expAvg = new Float64Array(1);
    const expAvgSq = new Float64Array(1);
    backend.adamwUpdate({
      param, grad: Float64Array.from([0.5]), expAvg, expAvgSq, lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8,
      weightDecay: 0.01, biasCorrection1: 1 - 0.9, biasCorrection2: 1 - 0.999,
    });
    assertClose(param, [0.999 - (0.1 * 0.5) / (0.5 + 1e-8)], 1e-15, 0, 'param');
    assertClose(expAvg, [0.05], 1e-15, 0, 'm');
    assertClose(expAvgSq, [0.00025], 1e-15, 0, 'v');
  });

  test(`${backend.name}: AdamW over several steps matches the PyTorch formula (float64 and float32 state)`, () => {
    const generator = new Generator(80);
    const n = 37;
    for (const type of [Float64Array, Float32Array]) {
      const param = randomArray(generator, n, type);
      const expAvg = new type(n);
      const expAvgSq = new type(n);
      const refParam = Float64Array.from(param);
      const refM = new Float64Array(n);
      const refV = new Float64Array(n);
      const lr = 3e-3, beta1 = 0.9, beta2 = 0.95, eps = 1e-8, weightDecay = 0.1;
      for (let step = 1; step <= 5; step++) {
        const grad = randomArray(generator, n, type);
        const bc1 = 1 - beta1 ** step;
        const bc2 = 1 - beta2 ** step;
        backend.adamwUpdate({ param, grad, expAvg, expAvgSq, lr, beta1, beta2, eps, weightDecay, biasCorrection1: bc1, biasCorrection2: bc2 });
        for (let i = 0; i < n; i++) {
          refParam[i] -= lr * weightDecay * refParam[i];
          refM[i] = beta1 * refM[i] + (1 - beta1) * grad[i];
          refV[i] = beta2 * refV[i] + (1 - beta2) * grad[i] ** 2;
          refParam[i] -= (lr * (refM[i] / bc1)) / (Math.sqrt(refV[i] / bc2) + eps);
        }
      }
      const tol = type === Float64Array ? 1e-14 : 2e-6;
      assertClose(param, refParam, tol, tol, `${type.name} param`);
      assertClose(expAvg, refM, tol, tol, `${type.name} m`);
      assertClose(expAvgSq, refV, tol, tol, `${type.name} v`);
    }
  });

  test(`${backend.name}: AdamW rejects mismatched state`, () => {
    assert.throws(() => backend.adamwUpdate({
      param: new Float32Array(3), grad: new Float32Array(2), expAvg: new Float32Array(3), expAvgSq: new Float32Array(3),
      lr: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, biasCorrection1: 0.1, biasCorrection2: 0.001,
    }), /adamwUpdate: grad has 2 elements, param has 3/);
  });
}
