/**
 * Batched GEMM for the reference "js" backend: out_b = op(A_b) · op(B_b) (+ out_b).
 *
 * The structure is the GotoBLAS / BLIS loop nest (Goto & van de Geijn, "Anatomy of
 * High-Performance Matrix Multiplication", 2008), scaled down to what V8 can keep
 * in registers:
 *
 *   for each NC-wide column block of op(B)
 *     for each KC-deep slice of the inner dimension
 *       pack op(B)[pc:pc+KC, jc:jc+NC] into 3-column panels   (packedB, stays in L2)
 *       for each MC-tall row block of op(A)
 *         pack op(A)[ic:ic+MC, pc:pc+KC] into 3-row panels      (packedA, stays in L1/L2)
 *         for each 3×3 tile of out: micro-kernel over KC        (9 accumulators in registers)
 *
 * Why these choices (measured on the 2-core AMD EPYC this project is developed on,
 * Node 20; numbers in the README's kernel table):
 * - Packing handles the transposes: op(A) and op(B) are read with whatever strides
 *   the flags imply, once per block, and written contiguously in the order the
 *   micro-kernel consumes them. No transposed copy of a whole operand is ever made.
 * - Packed buffers are Float64Array even for float32 inputs: the float→double
 *   conversion then happens once per packed element instead of once per multiply,
 *   and products are accumulated in doubles (JavaScript arithmetic) — about 3%
 *   faster than float32 scratch and more accurate.
 * - A 3×3 register tile beat 4×4, 4×8, 2×8 and 3×4: V8's register allocator has
 *   ~15 usable XMM registers, and 9 accumulators + 3 A values + 1 B value + 1
 *   product fit without spilling (4×4 spills accumulators to the stack).
 *   Unrolling the k loop made things slower for the same reason.
 * - The scratch buffers are module-level constants of their maximum size, so the
 *   micro-kernel reads a fixed object (≈3% faster than buffers grown on demand).
 *   They are never visible to callers.
 * - Products with at most three rows or a single column skip packing: there the
 *   copy costs as much as the arithmetic (sampling one token is a GEMV).
 *
 * `out` must not overlap `a` or `b` (checked: RangeError).
 */
import type { FloatArray, MatmulArgs } from '../backend.js';

/** Register tile of the micro-kernel. */
const MR = 3;
const NR = 3;
/** Cache blocks: KC·NR doubles of B (6 KB) and KC·MR of A stay in L1 during a tile. */
const KC = 256;
const MC = 96;
const NC = 510;

const packedA = new Float64Array(MC * KC);
const packedB = new Float64Array(KC * NC);
/** The 3×3 accumulators leave the micro-kernel through here (keeps it monomorphic in `out`). */
const tile = new Float64Array(MR * NR);
/** Row accumulator of the direct (unpacked) path, grown on demand. */
let rowAccumulator = new Float64Array(256);

/**
 * Below this many rows (or with a single column) packing costs as much as it saves:
 * measured at 768×768, the direct path does 1.5 GFLOP/s for m = 1…3 where the
 * packed path does 0.3, 0.8 and 1.4.
 */
const DIRECT_MAX_ROWS = 3;

export function matmul(args: MatmulArgs): void {
  const { a, b, out, m, n, k, transA, transB } = args;
  const batch = args.batch ?? 1;
  const aBatchStride = args.aBatchStride ?? m * k;
  const bBatchStride = args.bBatchStride ?? k * n;
  const outBatchStride = args.outBatchStride ?? m * n;
  const accumulate = args.accumulate ?? false;
  checkMatmulArgs(a.length, b.length, out.length, m, n, k, batch, aBatchStride, bBatchStride, outBatchStride);
  // Blocks of out are written while later blocks of A and B are still to be read.
  if (overlaps(out, a)) throw new RangeError('matmul: out overlaps a (the kernel cannot work in place)');
  if (overlaps(out, b)) throw new RangeError('matmul: out overlaps b (the kernel cannot work in place)');
  if (batch === 0 || m === 0 || n === 0) return;

  // A shared right operand over a batch of contiguous, untransposed left operands
  // (a Linear layer applied to (B, T, C)) is one tall product: fold the batch into M.
  if (batch > 1 && bBatchStride === 0 && !transA && aBatchStride === m * k && outBatchStride === m * n) {
    gemm(a, 0, false, b, 0, transB, out, 0, m * batch, n, k, accumulate);
    return;
  }
  for (let batchIndex = 0; batchIndex < batch; batchIndex++) {
    gemm(
      a, batchIndex * aBatchStride, transA, b, batchIndex * bBatchStride, transB,
      out, batchIndex * outBatchStride, m, n, k, accumulate,
    );
  }
}

function checkMatmulArgs(
  aLength: number, bLength: number, outLength: number, m: number, n: number, k: number,
  batch: number, aBatchStride: number, bBatchStride: number, outBatchStride: number,
): void {
  const sizes = { m, n, k, batch, aBatchStride, bBatchStride, outBatchStride };
  for (const [name, value] of Object.entries(sizes)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`matmul: ${name} must be a non-negative integer, got ${value}`);
    }
  }
  if (batch === 0) return;
  const need = (stride: number, size: number): number => (size === 0 ? 0 : (batch - 1) * stride + size);
  const needA = need(aBatchStride, m * k);
  const needB = need(bBatchStride, k * n);
  const needOut = need(outBatchStride, m * n);
  if (aLength < needA) throw new RangeError(`matmul: a has ${aLength} elements, needs ${needA} (batch ${batch}, m ${m}, k ${k}, stride ${aBatchStride})`);
  if (bLength < needB) throw new RangeError(`matmul: b has ${bLength} elements, needs ${needB} (batch ${batch}, k ${k}, n ${n}, stride ${bBatchStride})`);
  if (outLength < needOut) throw new RangeError(`matmul: out has ${outLength} elements, needs ${needOut} (batch ${batch}, m ${m}, n ${n}, stride ${outBatchStride})`);
}

function overlaps(x: FloatArray, y: FloatArray): boolean {
  return x.buffer === y.buffer && x.byteLength > 0 && y.byteLength > 0 &&
    x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}

/** One (m, n, k) product at the given element offsets. */
function gemm(
  a: FloatArray, aOffset: number, transA: boolean, b: FloatArray, bOffset: number, transB: boolean,
  out: FloatArray, outOffset: number, m: number, n: number, k: number, accumulate: boolean,
): void {
  if (k === 0) {
    if (!accumulate) out.fill(0, outOffset, outOffset + m * n);
    return;
  }
  if (m <= DIRECT_MAX_ROWS || n === 1) {
    gemmDirect(a, aOffset, transA, b, bOffset, transB, out, outOffset, m, n, k, accumulate);
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packB(b, bOffset, transB, n, k, pc, kc, jc, nc);
      // Later k slices add onto the partial sums of the earlier ones.
      const add = accumulate || pc > 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(a, aOffset, transA, m, k, ic, mc, pc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = Math.min(MR, mc - ir);
            microKernel(kc, ir * kc, jr * kc);
            storeTile(out, outOffset + (ic + ir) * n + jc + jr, n, rows, cols, add);
          }
        }
      }
    }
  }
}

/**
 * packedB[(panel·kc + p)·NR + j] = op(B)[pc + p, jc + panel·NR + j], zero-padded to
 * whole panels so the micro-kernel never needs an edge case.
 */
function packB(
  b: FloatArray, bOffset: number, transB: boolean, n: number, k: number,
  pc: number, kc: number, jc: number, nc: number,
): void {
  const dest = packedB;
  const panels = Math.ceil(nc / NR);
  for (let panel = 0; panel < panels; panel++) {
    const j0 = jc + panel * NR;
    const width = Math.min(NR, jc + nc - j0);
    const base = panel * kc * NR;
    if (!transB) {
      // op(B)[p, j] = b[p·n + j]: row pieces are contiguous.
      for (let p = 0; p < kc; p++) {
        const src = bOffset + (pc + p) * n + j0;
        const d = base + p * NR;
        let j = 0;
        for (; j < width; j++) dest[d + j] = b[src + j];
        for (; j < NR; j++) dest[d + j] = 0;
      }
    } else {
      // op(B)[p, j] = b[j·k + p]: walk each stored row contiguously.
      for (let j = 0; j < NR; j++) {
        if (j < width) {
          const src = bOffset + (j0 + j) * k + pc;
          for (let p = 0; p < kc; p++) dest[base + p * NR + j] = b[src + p];
        } else {
          for (let p = 0; p < kc; p++) dest[base + p * NR + j] = 0;
        }
      }
    }
  }
}

/** packedA[(panel·kc + p)·MR + i] = op(A)[ic + panel·MR + i, pc + p], zero-padded. */
function packA(
  a: FloatArray, aOffset: number, transA: boolean, m: number, k: number,
  ic: number, mc: number, pc: number, kc: number,
): void {
  const dest = packedA;
  const panels = Math.ceil(mc / MR);
  for (let panel = 0; panel < panels; panel++) {
    const i0 = ic + panel * MR;
    const height = Math.min(MR, ic + mc - i0);
    const base = panel * kc * MR;
    if (transA) {
      // op(A)[i, p] = a[p·m + i]: column pieces are contiguous.
      for (let p = 0; p < kc; p++) {
        const src = aOffset + (pc + p) * m + i0;
        const d = base + p * MR;
        let i = 0;
        for (; i < height; i++) dest[d + i] = a[src + i];
        for (; i < MR; i++) dest[d + i] = 0;
      }
    } else {
      for (let i = 0; i < MR; i++) {
        if (i < height) {
          const src = aOffset + (i0 + i) * k + pc;
          for (let p = 0; p < kc; p++) dest[base + p * MR + i] = a[src + p];
        } else {
          for (let p = 0; p < kc; p++) dest[base + p * MR + i] = 0;
        }
      }
    }
  }
}

/**
 * tile = Σ_p packedA panel column p ⊗ packedB panel row p over kc steps.
 * Indices are kept int32 with `| 0` so V8 drops the overflow checks.
 */
function microKernel(kc: number, aIndex: number, bIndex: number): void {
  const ap = packedA;
  const bp = packedB;
  let c00 = 0, c01 = 0, c02 = 0;
  let c10 = 0, c11 = 0, c12 = 0;
  let c20 = 0, c21 = 0, c22 = 0;
  const end = (aIndex + kc * MR) | 0;
  for (; aIndex < end; aIndex = (aIndex + 3) | 0, bIndex = (bIndex + 3) | 0) {
    const a0 = ap[aIndex];
    const a1 = ap[(aIndex + 1) | 0];
    const a2 = ap[(aIndex + 2) | 0];
    const b0 = bp[bIndex];
    c00 += a0 * b0;
    c10 += a1 * b0;
    c20 += a2 * b0;
    const b1 = bp[(bIndex + 1) | 0];
    c01 += a0 * b1;
    c11 += a1 * b1;
    c21 += a2 * b1;
    const b2 = bp[(bIndex + 2) | 0];
    c02 += a0 * b2;
    c12 += a1 * b2;
    c22 += a2 * b2;
  }
  const t = tile;
  t[0] = c00; t[1] = c01; t[2] = c02;
  t[3] = c10; t[4] = c11; t[5] = c12;
  t[6] = c20; t[7] = c21; t[8] = c22;
}

/** Write (or add) the top-left rows × cols of `tile` into out at `offset` with row stride `ldo`. */
function storeTile(out: FloatArray, offset: number, ldo: number, rows: number, cols: number, add: boolean): void {
  const t = tile;
  if (rows === MR && cols === NR) {
    const o1 = offset + ldo;
    const o2 = o1 + ldo;
    if (add) {
      out[offset] += t[0]; out[offset + 1] += t[1]; out[offset + 2] += t[2];
      out[o1] += t[3]; out[o1 + 1] += t[4]; out[o1 + 2] += t[5];
      out[o2] += t[6]; out[o2 + 1] += t[7]; out[o2 + 2] += t[8];
    } else {
      out[offset] = t[0]; out[offset + 1] = t[1]; out[offset + 2] = t[2];
      out[o1] = t[3]; out[o1 + 1] = t[4]; out[o1 + 2] = t[5];
      out[o2] = t[6]; out[o2 + 1] = t[7]; out[o2 + 2] = t[8];
    }
    return;
  }
  for (let i = 0; i < rows; i++) {
    const o = offset + i * ldo;
    if (add) for (let j = 0; j < cols; j++) out[o + j] += t[i * NR + j];
    else for (let j = 0; j < cols; j++) out[o + j] = t[i * NR + j];
  }
}

/**
 * Unpacked product for problems with at most three rows or one column (a GEMV when sampling one token),
 * one output row at a time with a double-precision row accumulator. When B is not
 * transposed the row is an axpy over contiguous rows of B; when it is, entries are
 * contiguous dot products with rows of B. Both take four rows of B per pass so the
 * accumulator (or the A element) is loaded once per four multiply-adds.
 */
function gemmDirect(
  a: FloatArray, aOffset: number, transA: boolean, b: FloatArray, bOffset: number, transB: boolean,
  out: FloatArray, outOffset: number, m: number, n: number, k: number, accumulate: boolean,
): void {
  if (rowAccumulator.length < n) rowAccumulator = new Float64Array(Math.max(n, 2 * rowAccumulator.length));
  const acc = rowAccumulator;
  // Element step between consecutive p in a row of op(A), and between consecutive rows.
  const aStepP = transA ? m : 1;
  const aStepI = transA ? 1 : k;
  for (let i = 0; i < m; i++) {
    const aRow = aOffset + i * aStepI;
    if (!transB) {
      acc.fill(0, 0, n);
      let p = 0;
      for (; p + 4 <= k; p += 4) {
        const a0 = a[aRow + p * aStepP];
        const a1 = a[aRow + (p + 1) * aStepP];
        const a2 = a[aRow + (p + 2) * aStepP];
        const a3 = a[aRow + (p + 3) * aStepP];
        const row0 = bOffset + p * n;
        const row1 = row0 + n;
        const row2 = row1 + n;
        const row3 = row2 + n;
        for (let j = 0; j < n; j++) {
          acc[j] += a0 * b[row0 + j] + a1 * b[row1 + j] + a2 * b[row2 + j] + a3 * b[row3 + j];
        }
      }
      for (; p < k; p++) {
        const a0 = a[aRow + p * aStepP];
        const row0 = bOffset + p * n;
        for (let j = 0; j < n; j++) acc[j] += a0 * b[row0 + j];
      }
    } else {
      let j = 0;
      for (; j + 4 <= n; j += 4) {
        const row0 = bOffset + j * k;
        const row1 = row0 + k;
        const row2 = row1 + k;
        const row3 = row2 + k;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let p = 0; p < k; p++) {
          const aValue = a[aRow + p * aStepP];
          s0 += aValue * b[row0 + p];
          s1 += aValue * b[row1 + p];
          s2 += aValue * b[row2 + p];
          s3 += aValue * b[row3 + p];
        }
        acc[j] = s0; acc[j + 1] = s1; acc[j + 2] = s2; acc[j + 3] = s3;
      }
      for (; j < n; j++) {
        const row0 = bOffset + j * k;
        let s0 = 0;
        for (let p = 0; p < k; p++) s0 += a[aRow + p * aStepP] * b[row0 + p];
        acc[j] = s0;
      }
    }
    const o = outOffset + i * n;
    if (accumulate) for (let j = 0; j < n; j++) out[o + j] += acc[j];
    else for (let j = 0; j < n; j++) out[o + j] = acc[j];
  }
}
