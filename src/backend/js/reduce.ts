/**
 * Reductions over the middle axis of an (outer, n, inner) view — every reduction
 * over a contiguous block of dims maps onto this without copying. When inner = 1
 * the loop runs along contiguous memory; otherwise it accumulates whole inner rows.
 */
import type { AnyArray, ReduceOpName } from '../backend.js';

export function reduce(op: ReduceOpName, x: AnyArray, outer: number, n: number, inner: number, out: AnyArray): void {
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    const outBase = o * inner;
    if (inner === 1) {
      out[outBase] = reduceRow(op, x, base, n);
      continue;
    }
    // Initialize from the first row, then fold the rest in row by row (memory-order walk).
    if (n === 0) {
      const init = op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
      for (let i = 0; i < inner; i++) out[outBase + i] = init;
      continue;
    }
    for (let i = 0; i < inner; i++) out[outBase + i] = x[base + i];
    for (let r = 1; r < n; r++) {
      const row = base + r * inner;
      switch (op) {
        case 'sum': for (let i = 0; i < inner; i++) out[outBase + i] += x[row + i]; break;
        case 'max': for (let i = 0; i < inner; i++) { const v = x[row + i], c = out[outBase + i]; if (v > c || v !== v) out[outBase + i] = v; } break;
        case 'min': for (let i = 0; i < inner; i++) { const v = x[row + i], c = out[outBase + i]; if (v < c || v !== v) out[outBase + i] = v; } break;
      }
    }
  }
}

function reduceRow(op: ReduceOpName, x: AnyArray, base: number, n: number): number {
  switch (op) {
    case 'sum': {
      // Four partial sums: fewer dependent adds and a little less rounding drift.
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
      for (; i + 3 < n; i += 4) { s0 += x[base + i]; s1 += x[base + i + 1]; s2 += x[base + i + 2]; s3 += x[base + i + 3]; }
      for (; i < n; i++) s0 += x[base + i];
      return s0 + s1 + (s2 + s3);
    }
    case 'max': {
      let m = -Infinity;
      for (let i = 0; i < n; i++) { const v = x[base + i]; if (v > m || v !== v) m = v; if (m !== m) break; }
      return m;
    }
    case 'min': {
      let m = Infinity;
      for (let i = 0; i < n; i++) { const v = x[base + i]; if (v < m || v !== v) m = v; if (m !== m) break; }
      return m;
    }
  }
}

export function argReduce(op: 'argmax' | 'argmin', x: AnyArray, outer: number, n: number, inner: number, out: Int32Array): void {
  const sign = op === 'argmax' ? 1 : -1;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = 0, bestValue = sign * x[base];
      for (let r = 1; r < n; r++) {
        const v = sign * x[base + r * inner];
        if (v > bestValue || (v !== v && bestValue === bestValue)) { best = r; bestValue = v; }
      }
      out[o * inner + i] = best;
    }
  }
}

export function cumsum(x: AnyArray, outer: number, n: number, inner: number, out: AnyArray): void {
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let s = 0;
      for (let r = 0; r < n; r++) { const idx = base + r * inner + i; s += x[idx]; out[idx] = s; }
    }
  }
}
