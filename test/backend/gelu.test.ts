// erf against published values (Abramowitz & Stegun table 7.1 / mpmath to 16 digits),
// GELU x·Φ(x) and its tanh approximation against closed forms, and both
// derivatives against central finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { erf, erfcScalar, erfScalar } from '../../src/backend/js/gelu.js';
import { Generator } from '../../src/tensor/random.js';
import { testBackends } from './backends.js';
import { assertClose, finiteDifferenceGrad, randomArray } from './helpers.js';

const erfTable: [number, number][] = [
  [0, 0],
  [0.5, 0.5204998778130465],
  [1, 0.8427007929497149],
  [-2, -0.9953222650189527],
  [3, 0.9999779095030014],
  [0.1, 0.1124629160182849],
  [0.46875, 0.4926134732179379], // the boundary between Cody's first two ranges
  [-0.75, -0.7111556336535151],
  [2.5, 0.9995930479825550],
  [4, 0.9999999845827421],
  [5.5, 0.9999999999999927],
  [1e-10, 1.1283791670955126e-10], // tiny x: erf(x) ≈ 2x/√π
  [-1e-300, -1.1283791670955126e-300],
  [10, 1],
  [Infinity, 1],
  [-Infinity, -1],
];

test('erf matches known values to ~1e-15 relative', () => {
  for (const [x, expected] of erfTable) {
    const got = erfScalar(x);
    assert.ok(Math.abs(got - expected) <= 1e-15 * Math.abs(expected), `erf(${x}) = ${got}, expected ${expected}`);
  }
  assert.ok(Number.isNaN(erfScalar(Number.NaN)));
  const out = new Float64Array(erfTable.length);
  erf(Float64Array.from(erfTable.map(([x]) => x)), out);
  assertClose(out, erfTable.map(([, e]) => e), 1e-15, 0, 'elementwise erf');
});

test('erfc keeps relative precision in the tail', () => {
  // erfc(5) = 1.5374597944280349e-12, erfc(10) = 2.088487583762545e-45, erfc(−1) = 1.8427007929497148.
  for (const [x, expected] of [[5, 1.5374597944280349e-12], [10, 2.088487583762545e-45], [-1, 1.8427007929497148], [0.3, 0.6713732405408726], [30, 0]]) {
    const got = erfcScalar(x);
    assert.ok(Math.abs(got - expected) <= 2e-15 * Math.abs(expected), `erfc(${x}) = ${got}, expected ${expected}`);
  }
});

for (const backend of testBackends()) {
  test(`${backend.name}: exact GELU matches x·Φ(x), including the far negative tail`, () => {
    const x = Float64Array.from([0, 1, -1, 2, -3, -10, 30, -40]);
    // Φ(1) = 0.8413447460685429, Φ(2) = 0.9772498680518208, Φ(−3) = 0.0013498980316300946,
    // Φ(−10) = 7.619853024160527e-24 (½·erfc(10/√2)), Φ(−40) underflows to 0.
    const expected = [0, 0.8413447460685429, -0.15865525393145707, 2 * 0.9772498680518208, -3 * 0.0013498980316300946, -10 * 7.619853024160527e-24, 30, -0];
    const out = new Float64Array(x.length);
    backend.geluForward(x, out, 'none');
    assertClose(out, expected, 1e-14, 0, 'gelu');
    // float32: within a few float32 ulps, tail included (−10·Φ(−10) ≈ −7.6e-23 is a normal float32).
    const out32 = new Float32Array(x.length);
    backend.geluForward(Float32Array.from(x), out32, 'none');
    assertClose(out32, Float32Array.from(expected), 1e-6, 0, 'gelu float32');
  });

  test(`${backend.name}: tanh GELU matches ½x(1 + tanh(√(2/π)(x + 0.044715x³))) evaluated to 40 digits`, () => {
    // Reference values from mpmath at 40 significant digits, rounded to double. (Evaluating
    // the formula itself in doubles loses digits for x < 0, where 1 + tanh u cancels.)
    const table: [number, number][] = [
      [0, 0], [1, 0.8411919906082767], [-1, -0.1588080093917233], [0.5, 0.34571400982514394],
      [-2.5, -0.015084266089998582], [3, 2.996362607918227], [-4, -7.024594819237268e-5],
      [7, 6.999999999999997], [-7, -2.315442262072549e-15], [20, 20], [1000, 1000],
    ];
    const out = new Float64Array(table.length);
    backend.geluForward(Float64Array.from(table.map(([x]) => x)), out, 'tanh');
    // Relative error grows like |u|·2⁻⁵³ in the negative tail (the rounding of u is amplified by exp).
    assertClose(out, table.map(([, y]) => y), 1e-14, 0, 'gelu tanh');
    // float32: the rounding of u (|u| up to 18 here) is amplified by exp in the negative
    // tail, so the relative error there is a few float32 ulps of u, ~1e-5.
    const out32 = new Float32Array(table.length);
    backend.geluForward(Float32Array.from(table.map(([x]) => x)), out32, 'tanh');
    assertClose(out32, Float32Array.from(table.map(([, y]) => y)), 2e-5, 0, 'gelu tanh float32');
    // Far negative: the true value ≈ x·e^(2u) is far below any float32; it stays ≤ 0 and tiny.
    backend.geluForward(Float64Array.from([-20, -1000]), out, 'tanh');
    assert.ok(out[0] < 0 && out[0] > -1e-250, `gelu_tanh(−20) = ${out[0]}`);
    assert.ok(out[1] <= 0 && out[1] > -1e-300, `gelu_tanh(−1000) = ${out[1]}`);
  });

  test(`${backend.name}: GELU backward (exact and tanh) matches finite differences`, () => {
    const generator = new Generator(40);
    const x = randomArray(generator, 41, Float64Array, 4) as Float64Array;
    const gy = randomArray(generator, 41, Float64Array);
    for (const approximate of ['none', 'tanh'] as const) {
      const gx = new Float64Array(41);
      backend.geluBackward(x, gy, gx, approximate);
      const numeric = finiteDifferenceGrad(x, gy, () => {
        const out = new Float64Array(41);
        backend.geluForward(x, out, approximate);
        return out;
      });
      assertClose(gx, numeric, 1e-7, 1e-9, approximate);
      // float32 (odd length: a vector tail) against the float64 derivative.
      const gx32 = new Float32Array(41);
      backend.geluBackward(Float32Array.from(x), Float32Array.from(gy), gx32, approximate);
      assertClose(gx32, gx, 1e-5, 1e-6, `${approximate} float32`);
    }
    // Far tails: gelu'(±∞) → 1 and 0, never NaN.
    for (const approximate of ['none', 'tanh'] as const) {
      for (const type of [Float64Array, Float32Array]) {
        const gx = new type(4);
        backend.geluBackward(type.from([Infinity, -Infinity, 50, -50]), type.from([1, 1, 1, 1]), gx, approximate);
        assert.deepEqual(Array.from(gx, (g) => g + 0), [1, 0, 1, 0], `${approximate} ${type.name}`);
      }
    }
  });
}
