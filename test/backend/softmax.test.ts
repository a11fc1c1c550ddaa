// softmax_j(x) = exp(x_j) / Σ exp(x), log-softmax = x_j − log Σ exp(x); VJPs
// gx = y ⊙ (gy − ⟨gy, y⟩) and gx = gy − softmax ⊙ Σ gy, checked by finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logSoftmaxBackward, logSoftmaxForward, softmaxBackward, softmaxForward } from '../../src/backend/js/softmax.js';
import { Generator } from '../../src/tensor/random.js';
import { assertClose, finiteDifferenceGrad, randomArray } from './helpers.js';

/** Textbook softmax without the max shift (fine for |x| ≤ 5). */
function naiveSoftmax(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(x[r * cols + j]);
    for (let j = 0; j < cols; j++) out[r * cols + j] = Math.exp(x[r * cols + j]) / sum;
  }
  return out;
}

const shapes: [number, number][] = [[0, 5], [3, 0], [1, 1], [1, 7], [4, 3], [5, 33]];

test('softmax and log-softmax match the textbook formula (float64 and float32)', () => {
  const generator = new Generator(10);
  for (const [rows, cols] of shapes) {
    for (const type of [Float64Array, Float32Array]) {
      const x = randomArray(generator, rows * cols, type, 5);
      const expected = naiveSoftmax(x, rows, cols);
      const out = new type(rows * cols);
      softmaxForward(x, out, rows, cols);
      const tol = type === Float64Array ? 1e-14 : 2e-7;
      assertClose(out, expected, tol, tol, `softmax ${rows}×${cols}`);
      logSoftmaxForward(x, out, rows, cols);
      assertClose(out, expected.map(Math.log), tol, tol * 10, `logSoftmax ${rows}×${cols}`);
    }
  }
});

test('softmax is stable for logits of ±1000 (shift by the row max)', () => {
  // softmax([1000, 999, −1000]) = softmax([1, 0, −2000]) = [e/(e+1), 1/(e+1), 0].
  const x = Float64Array.from([1000, 999, -1000, -1000, -1001, -1000]);
  const out = new Float64Array(6);
  softmaxForward(x, out, 2, 3);
  const e = Math.E;
  assertClose(out, [e / (e + 1), 1 / (e + 1), 0, 1 / (2 + 1 / e), (1 / e) / (2 + 1 / e), 1 / (2 + 1 / e)], 1e-15, 1e-300, 'softmax ±1000');
  logSoftmaxForward(x, out, 2, 3);
  assertClose(out.subarray(0, 2), [-Math.log1p(1 / e), -1 - Math.log1p(1 / e)], 1e-15, 0, 'logSoftmax ±1000');
  assert.equal(out[2], -2000 - Math.log1p(1 / e));
});

test('softmax of an all −∞ row is NaN, as in PyTorch', () => {
  const x = Float64Array.from([-Infinity, -Infinity]);
  const out = new Float64Array(2);
  softmaxForward(x, out, 1, 2);
  assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[1]));
  logSoftmaxForward(x, out, 1, 2);
  assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[1]));
});

test('softmax and log-softmax backward match central finite differences (float64)', () => {
  const generator = new Generator(11);
  for (const [rows, cols] of [[1, 1], [3, 4], [2, 9]] as [number, number][]) {
    const x = randomArray(generator, rows * cols, Float64Array, 2) as Float64Array;
    const gy = randomArray(generator, rows * cols, Float64Array);
    const y = new Float64Array(rows * cols);
    const gx = new Float64Array(rows * cols);
    for (const [forward, backward] of [[softmaxForward, softmaxBackward], [logSoftmaxForward, logSoftmaxBackward]] as const) {
      forward(x, y, rows, cols);
      backward(y, gy, gx, rows, cols);
      const numeric = finiteDifferenceGrad(x, gy, () => {
        const out = new Float64Array(rows * cols);
        forward(x, out, rows, cols);
        return out;
      });
      assertClose(gx, numeric, 1e-6, 1e-8, `${forward.name} ${rows}×${cols}`);
    }
  }
});

test('softmax kernels name the bad operand', () => {
  assert.throws(() => softmaxForward(new Float32Array(5), new Float32Array(6), 2, 3), /softmaxForward: x has 5 elements, needs 2 × 3 = 6/);
  assert.throws(() => logSoftmaxBackward(new Float32Array(6), new Float32Array(6), new Float32Array(1), 2, 3), /logSoftmaxBackward: gx has 1 elements/);
});
