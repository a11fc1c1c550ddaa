// Cross-entropy with label smoothing ε as PyTorch defines it: the target
// distribution is q = (1 − ε)·onehot(t) + ε/C and loss = −Σ_j q_j log softmax(x)_j;
// ignored rows give 0. The backward is checked against finite differences of
// Σ_r rowScale_r · loss_r.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '../../src/tensor/random.js';
import { testBackends } from './backends.js';
import { assertClose, finiteDifferenceGrad, randomArray } from './helpers.js';

function referenceLoss(logits: ArrayLike<number>, targets: Int32Array, rows: number, classes: number, ignoreIndex: number, epsilon: number): Float64Array {
  const loss = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    if (targets[r] === ignoreIndex) continue;
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, logits[r * classes + j]);
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(logits[r * classes + j] - max);
    for (let j = 0; j < classes; j++) {
      const q = (j === targets[r] ? 1 - epsilon : 0) + epsilon / classes;
      const logP = logits[r * classes + j] - max - Math.log(sum);
      loss[r] -= q * logP;
    }
  }
  return loss;
}

for (const backend of testBackends()) {
  test(`${backend.name}: cross-entropy forward matches −Σ q log p, with ignoreIndex and label smoothing`, () => {
    const generator = new Generator(20);
    for (const [rows, classes] of [[1, 1], [3, 2], [6, 7], [5, 65]] as [number, number][]) {
      for (const epsilon of [0, 0.1, 1]) {
        for (const type of [Float64Array, Float32Array]) {
          const logits = randomArray(generator, rows * classes, type, 4);
          const targets = Int32Array.from({ length: rows }, (_, r) => (r % 3 === 1 ? -100 : Math.floor(generator.random() * classes)));
          const loss = new type(rows);
          const lse = new type(rows);
          backend.crossEntropyForward(logits, targets, rows, classes, -100, epsilon, loss, lse);
          const tol = type === Float64Array ? 1e-13 : 1e-6;
          assertClose(loss, referenceLoss(logits, targets, rows, classes, -100, epsilon), tol, tol, `${rows}×${classes} ε=${epsilon}`);
        }
      }
    }
  });

  test(`${backend.name}: cross-entropy hand-computed value: logits [0, ln 3], target 1, ε = 0.2`, () => {
    // p = [1/4, 3/4]; q = [0.1, 0.9]; loss = −0.1·ln(1/4) − 0.9·ln(3/4).
    const loss = new Float64Array(1);
    const lse = new Float64Array(1);
    backend.crossEntropyForward(Float64Array.from([0, Math.log(3)]), Int32Array.from([1]), 1, 2, -100, 0.2, loss, lse);
    assertClose(loss, [-0.1 * Math.log(0.25) - 0.9 * Math.log(0.75)], 1e-15, 0, 'loss');
    assertClose(lse, [Math.log(4)], 1e-15, 0, 'lse');
  });

  test(`${backend.name}: cross-entropy is finite for logits of ±1000`, () => {
    const logits = Float64Array.from([1000, -1000, 0, -1000, 1000, 999]);
    const targets = Int32Array.from([1, 2]);
    const loss = new Float64Array(2);
    const lse = new Float64Array(2);
    backend.crossEntropyForward(logits, targets, 2, 3, -100, 0.1, loss, lse);
    // Row 0: lse = 1000 + log(1 + e^−1000 + e^−2000) = 1000; −log p_1 = 2000; mean_j −log p_j = (0 + 2000 + 1000)/3.
    assertClose(loss.subarray(0, 1), [0.9 * 2000 + 0.1 * 1000], 1e-15, 0, 'row 0');
    const grad = new Float64Array(6);
    backend.crossEntropyBackward(logits, targets, lse, 2, 3, -100, 0.1, Float64Array.from([1, 1]), grad);
    assert.ok(grad.every(Number.isFinite));
    // Row 0: p = [1, 0, 0] − q = [0.1/3, 0.9 + 0.1/3, 0.1/3].
    assertClose(grad.subarray(0, 3), [1 - 0.1 / 3, -0.9 - 0.1 / 3, -0.1 / 3], 1e-15, 1e-15, 'grad row 0');
  });

  test(`${backend.name}: cross-entropy backward matches finite differences; ignored rows get 0`, () => {
    const generator = new Generator(21);
    const rows = 5;
    const classes = 21;
    for (const epsilon of [0, 0.3]) {
      const logits = randomArray(generator, rows * classes, Float64Array, 3) as Float64Array;
      const targets = Int32Array.from([0, 20, 7, 2, 3]); // row 2 is ignored (ignoreIndex 7)
      const rowScale = randomArray(generator, rows, Float64Array);
      const loss = new Float64Array(rows);
      const lse = new Float64Array(rows);
      backend.crossEntropyForward(logits, targets, rows, classes, 7, epsilon, loss, lse);
      assert.equal(loss[2], 0);
      const grad = new Float64Array(rows * classes).fill(123);
      backend.crossEntropyBackward(logits, targets, lse, rows, classes, 7, epsilon, rowScale, grad);
      const numeric = finiteDifferenceGrad(logits, rowScale, () => {
        const l = new Float64Array(rows);
        backend.crossEntropyForward(logits, targets, rows, classes, 7, epsilon, l, new Float64Array(rows));
        return l;
      });
      assertClose(grad, numeric, 1e-6, 1e-8, `ε=${epsilon}`);
      // float32 gives the same gradients within float32 precision.
      const logits32 = Float32Array.from(logits);
      const lse32 = new Float32Array(rows);
      backend.crossEntropyForward(logits32, targets, rows, classes, 7, epsilon, new Float32Array(rows), lse32);
      const grad32 = new Float32Array(rows * classes).fill(123);
      backend.crossEntropyBackward(logits32, targets, lse32, rows, classes, 7, epsilon, Float32Array.from(rowScale), grad32);
      assertClose(grad32, grad, 1e-5, 1e-6, `float32 ε=${epsilon}`);
      for (let j = 0; j < classes; j++) assert.equal(grad[2 * classes + j], 0);
    }
  });

  test(`${backend.name}: cross-entropy rejects a target outside the classes, naming row and value`, () => {
    const loss = new Float64Array(2);
    assert.throws(
      () => backend.crossEntropyForward(new Float64Array(6), Int32Array.from([1, 3]), 2, 3, -100, 0, loss, new Float64Array(2)),
      /crossEntropyForward: target 3 at row 1 is outside \[0, 3\)/,
    );
    assert.throws(
      () => backend.crossEntropyForward(new Float64Array(6), Int32Array.from([1, 0]), 2, 3, -100, 1.5, loss, new Float64Array(2)),
      /labelSmoothing must be in \[0, 1\]/,
    );
  });
}
