// LayerNorm y = (x − mean)/√(var + eps)·w + b with the biased variance; backward
// checked against central finite differences of the forward for x, w and b.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FloatArray } from '../../src/backend/backend.js';
import { Generator } from '../../src/tensor/random.js';
import { testBackends } from './backends.js';
import { assertClose, finiteDifferenceGrad, randomArray } from './helpers.js';

function referenceLayerNorm(x: ArrayLike<number>, w: ArrayLike<number> | null, b: ArrayLike<number> | null, rows: number, cols: number, eps: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: cols }, (_, j) => x[r * cols + j]);
    const mean = row.reduce((s, v) => s + v, 0) / cols;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / cols;
    for (let j = 0; j < cols; j++) {
      out[r * cols + j] = ((row[j] - mean) / Math.sqrt(variance + eps)) * (w ? w[j] : 1) + (b ? b[j] : 0);
    }
  }
  return out;
}

for (const backend of testBackends()) {
  test(`${backend.name}: layerNorm forward matches the definition, with and without affine parameters`, () => {
    const generator = new Generator(30);
    for (const [rows, cols] of [[0, 4], [1, 1], [3, 5], [4, 64]] as [number, number][]) {
      for (const type of [Float64Array, Float32Array]) {
        // A large common offset checks the two-pass variance.
        const x = randomArray(generator, rows * cols, type, 3).map((v) => v + 1000);
        const w = randomArray(generator, cols, type);
        const b = randomArray(generator, cols, type);
        for (const [weight, bias] of [[w, b], [w, null], [null, b], [null, null]] as [FloatArray | null, FloatArray | null][]) {
          const out = new type(rows * cols);
          const mean = new type(rows);
          const rstd = new type(rows);
          backend.layerNormForward(x, weight, bias, out, mean, rstd, rows, cols, 1e-5);
          const tol = type === Float64Array ? 1e-10 : 1e-5;
          assertClose(out, referenceLayerNorm(x, weight, bias, rows, cols, 1e-5), tol, tol, `${rows}×${cols}`);
        }
      }
    }
  });

  test(`${backend.name}: layerNorm backward matches finite differences for x, weight and bias; parameter grads accumulate`, () => {
    const generator = new Generator(31);
    const rows = 3;
    const cols = 19;
    const eps = 1e-5;
    const x = randomArray(generator, rows * cols, Float64Array, 2) as Float64Array;
    const w = randomArray(generator, cols, Float64Array) as Float64Array;
    const b = randomArray(generator, cols, Float64Array) as Float64Array;
    const gy = randomArray(generator, rows * cols, Float64Array);
    const mean = new Float64Array(rows);
    const rstd = new Float64Array(rows);
    const forward = (): Float64Array => {
      const out = new Float64Array(rows * cols);
      backend.layerNormForward(x, w, b, out, new Float64Array(rows), new Float64Array(rows), rows, cols, eps);
      return out;
    };
    backend.layerNormForward(x, w, b, new Float64Array(rows * cols), mean, rstd, rows, cols, eps);
    const gx = new Float64Array(rows * cols);
    const gw = new Float64Array(cols).fill(0.5);
    const gb = new Float64Array(cols).fill(-0.25);
    backend.layerNormBackward(x, w, mean, rstd, gy, gx, gw, gb, rows, cols);
    assertClose(gx, finiteDifferenceGrad(x, gy, forward), 1e-6, 1e-8, 'gx');
    assertClose(gw, finiteDifferenceGrad(w, gy, forward).map((g) => g + 0.5), 1e-6, 1e-8, 'gWeight (accumulated onto 0.5)');
    assertClose(gb, finiteDifferenceGrad(b, gy, forward).map((g) => g - 0.25), 1e-6, 1e-8, 'gBias (accumulated onto −0.25)');
    // float32: the same problem gives the float64 gradients within float32 precision.
    const f32 = (a: ArrayLike<number>): Float32Array => Float32Array.from(a);
    const mean32 = new Float32Array(rows), rstd32 = new Float32Array(rows);
    backend.layerNormForward(f32(x), f32(w), f32(b), new Float32Array(rows * cols), mean32, rstd32, rows, cols, eps);
    const gx32 = new Float32Array(rows * cols), gw32 = new Float32Array(cols).fill(0.5), gb32 = new Float32Array(cols).fill(-0.25);
    backend.layerNormBackward(f32(x), f32(w), mean32, rstd32, f32(gy), gx32, gw32, gb32, rows, cols);
    assertClose(gx32, gx, 1e-4, 1e-5, 'float32 gx');
    assertClose(gw32, gw, 1e-4, 1e-5, 'float32 gWeight');
    assertClose(gb32, gb, 1e-4, 1e-5, 'float32 gBias');

    // Without a weight: x̂ flows straight through.
    backend.layerNormBackward(x, null, mean, rstd, gy, gx, null, null, rows, cols);
    const forwardPlain = (): Float64Array => {
      const out = new Float64Array(rows * cols);
      backend.layerNormForward(x, null, null, out, new Float64Array(rows), new Float64Array(rows), rows, cols, eps);
      return out;
    };
    assertClose(gx, finiteDifferenceGrad(x, gy, forwardPlain), 1e-6, 1e-8, 'gx without weight');
  });

  test(`${backend.name}: layerNorm of a constant row is 0 (variance 0, eps keeps it finite)`, () => {
    const out = new Float64Array(3);
    backend.layerNormForward(Float64Array.from([7, 7, 7]), null, null, out, new Float64Array(1), new Float64Array(1), 1, 3, 1e-5);
    assert.deepEqual(Array.from(out), [0, 0, 0]);
  });
}
