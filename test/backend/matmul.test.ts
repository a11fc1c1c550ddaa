// matmul against the textbook triple loop: out[i, j] = Σ_p op(A)[i, p] · op(B)[p, j],
// op(A)[i, p] = transA ? A[p, i] : A[i, p], op(B)[p, j] = transB ? B[j, p] : B[p, j].
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FloatArray, MatmulArgs } from '../../src/backend/backend.js';
import type { Backend } from '../../src/backend/backend.js';
import { Generator } from '../../src/tensor/random.js';
import { accumulatesInFloat32, testBackends } from './backends.js';
import { assertClose, randomArray, type FloatArrayConstructor } from './helpers.js';

interface Case {
  m: number; n: number; k: number; transA: boolean; transB: boolean;
  batch?: number; aBatchStride?: number; bBatchStride?: number; outBatchStride?: number; accumulate?: boolean;
}

function referenceMatmul(a: FloatArray, b: FloatArray, out: FloatArray, c: Case): Float64Array {
  const { m, n, k, transA, transB } = c;
  const batch = c.batch ?? 1;
  const aStride = c.aBatchStride ?? m * k;
  const bStride = c.bBatchStride ?? k * n;
  const oStride = c.outBatchStride ?? m * n;
  const expected = Float64Array.from(out);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const av = transA ? a[t * aStride + p * m + i] : a[t * aStride + i * k + p];
          const bv = transB ? b[t * bStride + j * k + p] : b[t * bStride + p * n + j];
          sum += av * bv;
        }
        const o = t * oStride + i * n + j;
        expected[o] = c.accumulate ? out[o] + sum : sum;
      }
    }
  }
  return expected;
}

function storageLength(batch: number, stride: number, size: number): number {
  return size === 0 ? 0 : (batch - 1) * stride + size;
}

function runCase(backend: Backend, generator: Generator, c: Case, type: FloatArrayConstructor): void {
  const batch = c.batch ?? 1;
  const a = randomArray(generator, storageLength(batch, c.aBatchStride ?? c.m * c.k, c.m * c.k), type);
  const b = randomArray(generator, storageLength(batch, c.bBatchStride ?? c.k * c.n, c.k * c.n), type);
  // Random initial contents: checks accumulate, and that gaps between output batches stay untouched.
  const out = randomArray(generator, storageLength(batch, c.outBatchStride ?? c.m * c.n, c.m * c.n), type);
  const expected = referenceMatmul(a, b, out, c);
  const args: MatmulArgs = { a, b, out, ...c };
  backend.matmul(args);
  const tolerance = type === Float32Array ? 2e-6 * Math.sqrt(c.k + 1) : 1e-13 * (c.k + 1);
  const label = `${type.name} ${JSON.stringify(c)}`;
  assertClose(out, type === Float32Array ? Float32Array.from(expected) : expected, tolerance, tolerance, label);
}

const shapes: [number, number, number][] = [
  [0, 3, 4], [3, 0, 4], [3, 4, 0], [1, 1, 1], [1, 7, 5], [2, 9, 3], [3, 5, 8], [4, 4, 4], [5, 1, 9],
  [5, 3, 1], [7, 11, 13], [17, 19, 23], [64, 64, 32],
  // Crossing the cache blocks: m > MC = 96, k > KC = 256, n > NC = 510.
  [100, 31, 300], [31, 520, 17],
  // Crossing the compiled kernels' blocks (MC = 240, KC = 256, NC = 4096 with AVX2),
  // and large enough to be split across threads.
  [250, 20, 260], [6, 4100, 3],
];

for (const backend of testBackends()) {
  for (const type of [Float64Array, Float32Array]) {
    test(`${backend.name}: matmul ${type.name}: all shapes × transpose combinations match the triple loop`, () => {
      const generator = new Generator(1);
      for (const [m, n, k] of shapes) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            runCase(backend, generator, { m, n, k, transA, transB }, type);
            runCase(backend, generator, { m, n, k, transA, transB, accumulate: true }, type);
          }
        }
      }
    });

    test(`${backend.name}: matmul ${type.name}: batches with default, broadcast (0) and padded strides`, () => {
      const generator = new Generator(2);
      for (const [m, n, k] of [[5, 7, 3], [13, 6, 9], [2, 5, 4], [20, 1, 7]] as [number, number, number][]) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const base = { m, n, k, transA, transB, batch: 3 };
            runCase(backend, generator, base, type);
            runCase(backend, generator, { ...base, aBatchStride: 0 }, type);
            runCase(backend, generator, { ...base, bBatchStride: 0 }, type); // folded into one tall product when !transA
            runCase(backend, generator, { ...base, bBatchStride: 0, accumulate: true }, type);
            runCase(backend, generator, { ...base, aBatchStride: m * k + 3, bBatchStride: k * n + 1, outBatchStride: m * n + 5 }, type);
            runCase(backend, generator, { ...base, aBatchStride: 0, bBatchStride: 0, outBatchStride: m * n + 2, accumulate: true }, type);
          }
        }
      }
      runCase(backend, generator, { m: 4, n: 4, k: 4, transA: false, transB: false, batch: 0 }, type);
    });
  }

  test(`${backend.name}: matmul accepts mixed float32 / float64 operands`, () => {
    const generator = new Generator(3);
    const a = randomArray(generator, 6 * 5, Float32Array);
    const b = randomArray(generator, 5 * 7, Float64Array);
    const out = new Float64Array(6 * 7);
    const expected = referenceMatmul(a, b, out, { m: 6, n: 7, k: 5, transA: false, transB: false });
    backend.matmul({ a, b, out, m: 6, n: 7, k: 5, transA: false, transB: false });
    assertClose(out, expected, 1e-14, 1e-14, 'mixed');
  });

  test(`${backend.name}: matmul of float32 operands is within the error bound of its summation`, () => {
    // js accumulates products in doubles, so its only error is the rounding to
    // float32: half an ulp, 2⁻²⁴ relative, once per 256-deep k slice. The compiled kernels accumulate in
    // float32 with fused multiply-adds; recursive summation of k products then errs
    // by at most γ_k·Σ_p |a_ip·b_pj| with γ_k ≈ k·2⁻²⁴ (Higham, "Accuracy and
    // Stability of Numerical Algorithms", §3.1), plus the same final rounding.
    const generator = new Generator(4);
    for (const [m, n, k] of [[40, 30, 200], [37, 53, 300], [2, 45, 301]] as [number, number, number][]) {
      const a = randomArray(generator, m * k, Float32Array);
      const b = randomArray(generator, k * n, Float32Array);
      const out = new Float32Array(m * n);
      backend.matmul({ a, b, out, m, n, k, transA: false, transB: true });
      const expected = referenceMatmul(a, b, new Float64Array(m * n), { m, n, k, transA: false, transB: true });
      const absolute = referenceMatmul(a.map(Math.abs), b.map(Math.abs), new Float64Array(m * n), { m, n, k, transA: false, transB: true });
      for (let i = 0; i < m * n; i++) {
        const bound = accumulatesInFloat32(backend)
          ? (k + 1) * 2 ** -24 * absolute[i] + 2 ** -24 * Math.abs(expected[i])
          : k <= 256 ? 2 ** -24 * Math.abs(expected[i]) : Math.ceil(k / 256) * 2 ** -24 * absolute[i];
        assert.ok(Math.abs(out[i] - expected[i]) <= bound, `${m}×${n}×${k} index ${i}: ${out[i]} vs ${expected[i]} (bound ${bound})`);
      }
    }
  });

  test(`${backend.name}: matmul propagates NaN and Infinity like IEEE arithmetic`, () => {
    for (const type of [Float64Array, Float32Array]) {
      const a = type.from([Number.NaN, 1, 0, 1]);
      const b = type.from([0, 1, Infinity, 1]);
      const out = new type(4);
      backend.matmul({ a, b, out, m: 2, n: 2, k: 2, transA: false, transB: false });
      // Row 0: NaN·0 + 1·∞ = NaN; NaN·1 + 1·1 = NaN. Row 1: 0·0 + 1·∞ = ∞; 0·1 + 1·1 = 1.
      assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[1]), type.name);
      assert.equal(out[2], Infinity);
      assert.equal(out[3], 1);
      // The same through the packed path (m ≥ 4): a NaN in A poisons its row only.
      const a4 = new type(16).fill(1);
      a4[5] = Number.NaN;
      const b4 = new type(16).fill(1);
      const out4 = new type(16);
      backend.matmul({ a: a4, b: b4, out: out4, m: 4, n: 4, k: 4, transA: false, transB: false });
      for (let i = 0; i < 16; i++) assert.ok(i >= 4 && i < 8 ? Number.isNaN(out4[i]) : out4[i] === 4, `${type.name} index ${i}`);
    }
  });

  test(`${backend.name}: matmul rejects operands that are too short or bad sizes, naming the operand`, () => {
    const small = new Float32Array(5);
    const ok = new Float32Array(100);
    assert.throws(() => backend.matmul({ a: small, b: ok, out: ok, m: 3, n: 3, k: 3, transA: false, transB: false }), /matmul: a has 5 elements, needs 9/);
    assert.throws(() => backend.matmul({ a: ok, b: small, out: ok, m: 3, n: 3, k: 3, transA: false, transB: false }), /matmul: b has 5 elements/);
    assert.throws(() => backend.matmul({ a: ok, b: ok, out: small, m: 3, n: 3, k: 3, transA: false, transB: false }), /matmul: out has 5 elements/);
    assert.throws(() => backend.matmul({ a: ok, b: ok, out: ok, m: 3, n: 3, k: 3, transA: false, transB: false, batch: 2, outBatchStride: 95 }), /matmul: out has 100 elements, needs 104/);
    assert.throws(() => backend.matmul({ a: ok, b: ok, out: ok, m: -1, n: 3, k: 3, transA: false, transB: false }), /matmul: m must be a non-negative integer/);
    assert.throws(() => backend.matmul({ a: ok, b: small, out: ok.subarray(50), m: 3, n: 3, k: 1, transA: false, transB: false }), /matmul: out overlaps a/);
  });
}
