// softmax_j(x) = exp(x_j) / Σ exp(x), log-softmax = x_j − log Σ exp(x); VJPs
// gx = y ⊙ (gy − ⟨gy, y⟩) and gx = gy − softmax ⊙ Σ gy, checked by finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '../../src/tensor/random.js';
import { testBackends } from './backends.js';
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

const shapes: [number, number][] = [[0, 5], [3, 0], [1, 1], [1, 7], [4, 3], [5, 33], [3, 67]];

for (const backend of testBackends()) {
  test(`${backend.name}: softmax and log-softmax match the textbook formula (float64 and float32)`, () => {
    const generator = new Generator(10);
    for (const [rows, cols] of shapes) {
      for (const type of [Float64Array, Float32Array]) {
        const x = randomArray(generator, rows * cols, type, 5);
        const expected = naiveSoftmax(x, rows, cols);
        const out = new type(rows * cols);
        backend.softmaxForward(x, out, rows, cols);
        const tol = type === Float64Array ? 1e-14 : 2e-7;
        assertClose(out, expected, tol, tol, `softmax ${rows}×${cols}`);
        backend.logSoftmaxForward(x, out, rows, cols);
        assertClose(out, expected.map(Math.log), tol, tol * 10, `logSoftmax ${rows}×${cols}`);
      }
    }
  });

  test(`${backend.name}: softmax is stable for logits of ±1000 (shift by the row max)`, () => {
    // softmax([1000, 999, −1000]) = softmax([1, 0, −2000]) = [e/(e+1), 1/(e+1), 0].
    const x = Float64Array.from([1000, 999, -1000, -1000, -1001, -1000]);
    const out = new Float64Array(6);
    backend.softmaxForward(x, out, 2, 3);
    const e = Math.E;
    assertClose(out, [e / (e + 1), 1 / (e + 1), 0, 1 / (2 + 1 / e), (1 / e) / (2 + 1 / e), 1 / (2 + 1 / e)], 1e-15, 1e-300, 'softmax ±1000');
    backend.logSoftmaxForward(x, out, 2, 3);
    assertClose(out.subarray(0, 2), [-Math.log1p(1 / e), -1 - Math.log1p(1 / e)], 1e-15, 0, 'logSoftmax ±1000');
    assert.equal(out[2], -2000 - Math.log1p(1 / e));
  });

  test(`${backend.name}: softmax of an all −∞ row is NaN, as in PyTorch`, () => {
    const x = Float64Array.from([-Infinity, -Infinity]);
    const out = new Float64Array(2);
    backend.softmaxForward(x, out, 1, 2);
    assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[1]));
    backend.logSoftmaxForward(x, out, 1, 2);
    assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[1]));
  });

  test(`${backend.name}: softmax and log-softmax backward match central finite differences (float64; float32 within its precision)`, () => {
    const generator = new Generator(11);
    const pairs = [
      ['softmax', backend.softmaxForward, backend.softmaxBackward],
      ['logSoftmax', backend.logSoftmaxForward, backend.logSoftmaxBackward],
    ] as const;
    for (const [rows, cols] of [[1, 1], [3, 4], [2, 9], [3, 37]] as [number, number][]) {
      const x = randomArray(generator, rows * cols, Float64Array, 2) as Float64Array;
      const gy = randomArray(generator, rows * cols, Float64Array);
      const y = new Float64Array(rows * cols);
      const gx = new Float64Array(rows * cols);
      for (const [name, forward, backward] of pairs) {
        forward(x, y, rows, cols);
        backward(y, gy, gx, rows, cols);
        const numeric = finiteDifferenceGrad(x, gy, () => {
          const out = new Float64Array(rows * cols);
          forward(x, out, rows, cols);
          return out;
        });
        assertClose(gx, numeric, 1e-6, 1e-8, `${name} ${rows}×${cols}`);
        const y32 = new Float32Array(rows * cols);
        const gx32 = new Float32Array(rows * cols);
        forward(Float32Array.from(x), y32, rows, cols);
        backward(y32, Float32Array.from(gy), gx32, rows, cols);
        assertClose(gx32, gx, 1e-5, 1e-6, `float32 ${name} ${rows}×${cols}`);
      }
    }
  });

  test(`${backend.name}: softmax kernels name the bad operand`, () => {
    assert.throws(() => backend.softmaxForward(new Float32Array(5), new Float32Array(6), 2, 3), /softmaxForward: x has 5 elements, needs 2 × 3 = 6/);
    assert.throws(() => backend.logSoftmaxBackward(new Float32Array(6), new Float32Array(6), new Float32Array(1), 2, 3), /logSoftmaxBackward: gx has 1 elements/);
  });
}
