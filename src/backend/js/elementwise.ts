/**
 * Reference elementwise kernels. Each op has its own tight loop (the switch is
 * outside the loop) so V8 compiles straight-line numeric code with no calls or
 * allocation per element. Broadcasting is handled by strides: the innermost
 * dimension runs a strided loop, the outer ones an odometer.
 */
import type { AnyArray, BinaryOpName, UnaryOpName } from '../backend.js';
import { erfScalar } from './gelu.js';

export function unary(op: UnaryOpName, x: AnyArray, out: AnyArray): void {
  const n = x.length;
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) out[i] = -x[i]; return;
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]); return;
    case 'log': for (let i = 0; i < n; i++) out[i] = Math.log(x[i]); return;
    case 'sqrt': for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]); return;
    case 'rsqrt': for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(x[i]); return;
    case 'abs': for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]); return;
    case 'sin': for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]); return;
    case 'cos': for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]); return;
    case 'sigmoid':
      // Two branches keep exp's argument ≤ 0, so ±1000 neither overflows nor loses precision.
      for (let i = 0; i < n; i++) {
        const v = x[i];
        if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
        else { const e = Math.exp(v); out[i] = e / (1 + e); }
      }
      return;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]); return;
    case 'relu': for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v > 0 ? v : 0; } return;
    case 'erf': for (let i = 0; i < n; i++) out[i] = erfScalar(x[i]); return;
    case 'sign': for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v > 0 ? 1 : v < 0 ? -1 : 0; } return;
    case 'reciprocal': for (let i = 0; i < n; i++) out[i] = 1 / x[i]; return;
    case 'square': for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v * v; } return;
    case 'expm1': for (let i = 0; i < n; i++) out[i] = Math.expm1(x[i]); return;
    case 'log1p': for (let i = 0; i < n; i++) out[i] = Math.log1p(x[i]); return;
    case 'floor': for (let i = 0; i < n; i++) out[i] = Math.floor(x[i]); return;
    case 'ceil': for (let i = 0; i < n; i++) out[i] = Math.ceil(x[i]); return;
    case 'round': for (let i = 0; i < n; i++) out[i] = roundHalfEven(x[i]); return;
    case 'step': for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? 1 : 0; return;
  }
}

/** PyTorch rounds half to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Inner strided loop for one binary op: n elements. */
function binaryRun(
  op: BinaryOpName, a: AnyArray, ai: number, sa: number, b: AnyArray, bi: number, sb: number,
  out: AnyArray, oi: number, n: number,
): void {
  const end = oi + n;
  switch (op) {
    case 'add': for (; oi < end; oi++, ai += sa, bi += sb) out[oi] = a[ai] + b[bi]; return;
    case 'sub': for (; oi < end; oi++, ai += sa, bi += sb) out[oi] = a[ai] - b[bi]; return;
    case 'mul': for (; oi < end; oi++, ai += sa, bi += sb) out[oi] = a[ai] * b[bi]; return;
    case 'div': for (; oi < end; oi++, ai += sa, bi += sb) out[oi] = a[ai] / b[bi]; return;
    case 'pow': for (; oi < end; oi++, ai += sa, bi += sb) out[oi] = Math.pow(a[ai], b[bi]); return;
    case 'maximum':
      // NaN propagates, as in torch.maximum.
      for (; oi < end; oi++, ai += sa, bi += sb) { const x = a[ai], y = b[bi]; out[oi] = x > y || x !== x ? x : y; }
      return;
    case 'minimum':
      for (; oi < end; oi++, ai += sa, bi += sb) { const x = a[ai], y = b[bi]; out[oi] = x < y || x !== x ? x : y; }
      return;
    case 'eq': for (; oi < end; oi++, ai += sa, bi += sb) out[oi] = a[ai] === b[bi] ? 1 : 0; return;
    case 'ne': for (; oi < end; oi++, ai += sa, bi += sb) out[oi] = a[ai] !== b[bi] ? 1 : 0; return;
    case 'lt': for (; oi < end; oi++, ai += sa, bi += sb) out[oi] = a[ai] < b[bi] ? 1 : 0; return;
    case 'le': for (; oi < end; oi++, ai += sa, bi += sb) out[oi] = a[ai] <= b[bi] ? 1 : 0; return;
    case 'gt': for (; oi < end; oi++, ai += sa, bi += sb) out[oi] = a[ai] > b[bi] ? 1 : 0; return;
    case 'ge': for (; oi < end; oi++, ai += sa, bi += sb) out[oi] = a[ai] >= b[bi] ? 1 : 0; return;
  }
}

/**
 * Walk every index of `shape` except the last with an odometer, calling `run`
 * with the start offsets of each innermost row. Shared by binary/where/strided copies.
 */
function forEachRow(
  shape: readonly number[], stridesA: readonly number[], stridesB: readonly number[], stridesC: readonly number[] | null,
  run: (offA: number, offB: number, offC: number, offOut: number) => void,
): void {
  const rank = shape.length;
  if (rank === 0) { run(0, 0, 0, 0); return; }
  const inner = shape[rank - 1];
  const outer = inner === 0 ? 0 : sizeOfPrefix(shape);
  const index = new Array<number>(rank - 1).fill(0);
  let offA = 0, offB = 0, offC = 0;
  for (let row = 0; row < outer; row++) {
    run(offA, offB, offC, row * inner);
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      offA += stridesA[d];
      offB += stridesB[d];
      if (stridesC) offC += stridesC[d];
      if (index[d] < shape[d]) break;
      offA -= stridesA[d] * shape[d];
      offB -= stridesB[d] * shape[d];
      if (stridesC) offC -= stridesC[d] * shape[d];
      index[d] = 0;
    }
  }
}

function sizeOfPrefix(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length - 1; i++) n *= shape[i];
  return n;
}

function isContiguous(strides: readonly number[], shape: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i];
  }
  return true;
}

function isScalarBroadcast(strides: readonly number[]): boolean {
  for (let i = 0; i < strides.length; i++) if (strides[i] !== 0) return false;
  return true;
}

export function binary(
  op: BinaryOpName, a: AnyArray, aStrides: readonly number[], b: AnyArray, bStrides: readonly number[],
  out: AnyArray, shape: readonly number[],
): void {
  const n = out.length;
  const aFlat = isContiguous(aStrides, shape), bFlat = isContiguous(bStrides, shape);
  if (aFlat && bFlat) { binaryRun(op, a, 0, 1, b, 0, 1, out, 0, n); return; }
  if (aFlat && isScalarBroadcast(bStrides)) { binaryRun(op, a, 0, 1, b, 0, 0, out, 0, n); return; }
  if (bFlat && isScalarBroadcast(aStrides)) { binaryRun(op, a, 0, 0, b, 0, 1, out, 0, n); return; }
  const rank = shape.length;
  const inner = shape[rank - 1];
  const sa = aStrides[rank - 1], sb = bStrides[rank - 1];
  forEachRow(shape, aStrides, bStrides, null, (offA, offB, _c, offOut) => binaryRun(op, a, offA, sa, b, offB, sb, out, offOut, inner));
}

export function where(
  cond: AnyArray, condStrides: readonly number[], a: AnyArray, aStrides: readonly number[],
  b: AnyArray, bStrides: readonly number[], out: AnyArray, shape: readonly number[],
): void {
  const rank = shape.length;
  if (rank === 0) { out[0] = cond[0] ? a[0] : b[0]; return; }
  const inner = shape[rank - 1];
  const sc = condStrides[rank - 1], sa = aStrides[rank - 1], sb = bStrides[rank - 1];
  forEachRow(shape, aStrides, bStrides, condStrides, (offA, offB, offC, offOut) => {
    for (let i = 0; i < inner; i++, offA += sa, offB += sb, offC += sc) out[offOut + i] = cond[offC] !== 0 ? a[offA] : b[offB];
  });
}

export function clamp(x: AnyArray, min: number, max: number, out: AnyArray): void {
  const lo = Number.isNaN(min) ? -Infinity : min, hi = Number.isNaN(max) ? Infinity : max;
  for (let i = 0; i < x.length; i++) { const v = x[i]; out[i] = v < lo ? lo : v > hi ? hi : v; }
}

export function powScalar(x: AnyArray, exponent: number, out: AnyArray): void {
  const n = x.length;
  if (exponent === 2) { for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v * v; } return; }
  if (exponent === 0.5) { for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]); return; }
  for (let i = 0; i < n; i++) out[i] = Math.pow(x[i], exponent);
}

export function affine(x: AnyArray, alpha: number, beta: number, out: AnyArray): void {
  for (let i = 0; i < x.length; i++) out[i] = alpha * x[i] + beta;
}

export function addScaled(dst: AnyArray, src: AnyArray, alpha: number): void {
  const n = dst.length;
  if (alpha === 1) { for (let i = 0; i < n; i++) dst[i] += src[i]; return; }
  for (let i = 0; i < n; i++) dst[i] += alpha * src[i];
}

export function stridedCopy(src: AnyArray, srcOffset: number, srcStrides: readonly number[], shape: readonly number[], dst: AnyArray): void {
  const rank = shape.length;
  if (rank === 0) { dst[0] = src[srcOffset]; return; }
  const inner = shape[rank - 1], s = srcStrides[rank - 1];
  forEachRow(shape, srcStrides, srcStrides, null, (offA, _b, _c, offOut) => {
    let si = srcOffset + offA;
    if (s === 1) { for (let i = 0; i < inner; i++) dst[offOut + i] = src[si + i]; return; }
    for (let i = 0; i < inner; i++, si += s) dst[offOut + i] = src[si];
  });
}

export function stridedAdd(src: AnyArray, dst: AnyArray, dstOffset: number, dstStrides: readonly number[], shape: readonly number[]): void {
  const rank = shape.length;
  if (rank === 0) { dst[dstOffset] += src[0]; return; }
  const inner = shape[rank - 1], s = dstStrides[rank - 1];
  forEachRow(shape, dstStrides, dstStrides, null, (offA, _b, _c, offIn) => {
    let di = dstOffset + offA;
    for (let i = 0; i < inner; i++, di += s) dst[di] += src[offIn + i];
  });
}

export function dot(x: AnyArray, y: AnyArray): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}
