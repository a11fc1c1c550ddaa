/**
 * RawKernels over the WebAssembly build of the C kernels (native/src/wasm.c).
 *
 * The module has its own linear memory (shared with its workers in the threaded
 * build; `memory` is then the imported one), so each call copies its inputs in and
 * its outputs out: arrays are laid out one after another (64-byte aligned) in
 * the module's arguments region, the kernel runs on pointers into it, and
 * exactly the elements the kernel writes are copied back (an output the kernel
 * writes only in part — matmul with gaps between batches, or accumulating — is
 * copied in first, so its other elements survive). Copying costs far less than
 * the arithmetic of the kernels routed here (GEMM, attention, GELU, LayerNorm,
 * cross-entropy); elementwise ops stay in js for that reason.
 */
import { LAYOUT_VALUES, operandSpan, writeAttentionLayout } from '../attention-layout.js';
import type { OperandLayout } from '../backend.js';
import type { RawKernels, ResolvedAttention } from '../compiled/raw-kernels.js';

/** The module's exports (see native/src/wasm.c). Pointers and sizes are i32, doubles f64. */
export interface WasmExports {
  memory: { readonly buffer: ArrayBuffer };
  init(): number;
  args(bytes: number): number;
  matmul(a: number, b: number, out: number, m: number, n: number, k: number, transA: number, transB: number,
    batch: number, aStride: number, bStride: number, outStride: number, accumulate: number): void;
  geluForward(x: number, bias: number, cols: number, out: number, n: number, tanh: number): void;
  geluBackward(x: number, bias: number, cols: number, gy: number, gx: number, n: number, tanh: number): void;
  layerNormForward(x: number, weight: number, bias: number, out: number, mean: number, rstd: number, rows: number, cols: number, eps: number): void;
  layerNormBackward(x: number, weight: number, mean: number, rstd: number, gy: number, gx: number, gWeight: number, gBias: number, rows: number, cols: number): void;
  softmaxForward(x: number, out: number, rows: number, cols: number, log: number): void;
  softmaxBackward(y: number, gy: number, gx: number, rows: number, cols: number, log: number): void;
  crossEntropyForward(logits: number, targets: number, rows: number, classes: number, ignoreIndex: number, labelSmoothing: number, loss: number, lse: number): void;
  crossEntropyBackward(logits: number, targets: number, lse: number, rows: number, classes: number, ignoreIndex: number, labelSmoothing: number, rowScale: number, g: number): void;
  attentionForward(bh: number, tq: number, tk: number, d: number, dv: number, scale: number, causal: number, maskStride: number, headsPerMask: number,
    layout: number, q: number, k: number, v: number, mask: number, out: number, lse: number): void;
  attentionBackward(bh: number, tq: number, tk: number, d: number, dv: number, scale: number, causal: number, maskStride: number, headsPerMask: number,
    layout: number, q: number, k: number, v: number, mask: number, out: number, lse: number, gOut: number, gq: number, gk: number, gv: number): void;
  embeddingForward(table: number, ids: number, count: number, out: number, dim: number): void;
  embeddingBackward(ids: number, count: number, gOut: number, gTable: number, dim: number): void;
  adamwUpdate(param: number, grad: number, m: number, v: number, n: number, lr: number, beta1: number, beta2: number,
    eps: number, weightDecay: number, bc1: number, bc2: number): void;
  binary(op: number, a: number, b: number, out: number, dims: number, rank: number): void;
  reduceSum(x: number, outer: number, n: number, inner: number, out: number): void;
  addScaled(dst: number, src: number, n: number, alpha: number): void;
  dot(x: number, y: number, n: number): number;
}

/** How an array takes part in a call: copied in, copied out, or both. */
const IN = 0, OUT = 1, IN_OUT = 2;
type Role = typeof IN | typeof OUT | typeof IN_OUT;
type Data = Float32Array | Int32Array;

/** Up to 12 arrays per call; reused so a call allocates nothing. */
const MAX_ARRAYS = 12;

class WasmCall {
  private readonly arrays: (Data | null)[] = new Array<Data | null>(MAX_ARRAYS).fill(null);
  private readonly counts = new Int32Array(MAX_ARRAYS);
  private readonly roles = new Int32Array(MAX_ARRAYS);
  private readonly pointers = new Int32Array(MAX_ARRAYS);
  /** The entry holding the same array (its first appearance), so an array passed twice is copied once. */
  private readonly alias = new Int32Array(MAX_ARRAYS);
  private size = 0;
  private f32: Float32Array;
  private i32: Int32Array;

  constructor(private readonly exports: WasmExports) {
    this.f32 = new Float32Array(exports.memory.buffer);
    this.i32 = new Int32Array(exports.memory.buffer);
  }

  /** Start a call: forget the previous call's arrays. */
  begin(): this {
    for (let i = 0; i < this.size; i++) this.arrays[i] = null;
    this.size = 0;
    return this;
  }

  /** Add an array (null → pointer 0) that the kernel touches in its first `count` elements. */
  add(array: Data | null, role: Role, count = array ? array.length : 0): this {
    const i = this.size++;
    this.alias[i] = i;
    if (array) {
      for (let j = 0; j < i; j++) {
        if (this.arrays[j] !== array) continue;
        // The same array again (q, k and v packed in one, or their gradients): one region spanning both uses,
        // copied in if either use reads it and out if either writes it.
        this.alias[i] = j;
        this.counts[j] = Math.max(this.counts[j], count);
        if (this.roles[j] !== role) this.roles[j] = IN_OUT;
        this.arrays[i] = null;
        this.counts[i] = 0;
        return this;
      }
    }
    this.arrays[i] = array;
    this.roles[i] = role;
    this.counts[i] = array ? count : 0;
    return this;
  }

  /** Lay the arrays out in the arguments region and copy the inputs in; returns nothing, read `pointer(i)`. */
  place(): void {
    let total = 0;
    for (let i = 0; i < this.size; i++) {
      this.pointers[i] = total;
      total += (this.counts[i] * 4 + 63) & ~63;
    }
    const base = this.exports.args(total);
    this.refreshViews();
    for (let i = 0; i < this.size; i++) {
      const array = this.arrays[i];
      this.pointers[i] = array ? base + this.pointers[i] : 0;
      if (!array || this.roles[i] === OUT || this.counts[i] === 0) continue;
      const source = this.counts[i] === array.length ? array : array.subarray(0, this.counts[i]);
      (array instanceof Float32Array ? this.f32 : this.i32).set(source, this.pointers[i] >> 2);
    }
  }

  pointer(i: number): number {
    return this.alias[i] === i ? this.pointers[i] : this.pointers[this.alias[i]];
  }

  /** Copy the outputs back (after the kernel ran; memory may have grown). */
  finish(): void {
    this.refreshViews();
    for (let i = 0; i < this.size; i++) {
      const array = this.arrays[i];
      if (!array || this.roles[i] === IN || this.counts[i] === 0) continue;
      const start = this.pointers[i] >> 2;
      const view = array instanceof Float32Array ? this.f32 : this.i32;
      array.set(view.subarray(start, start + this.counts[i]));
    }
    this.begin();
  }

  private refreshViews(): void {
    const buffer = this.exports.memory.buffer;
    if (this.f32.buffer !== buffer) {
      this.f32 = new Float32Array(buffer);
      this.i32 = new Int32Array(buffer);
    }
  }
}

/** Elements a batched operand spans. */
function span(batch: number, stride: number, size: number): number {
  return batch === 0 || size === 0 ? 0 : (batch - 1) * stride + size;
}

export function wasmRawKernels(exports: WasmExports): RawKernels {
  const call = new WasmCall(exports);
  const p = (i: number): number => call.pointer(i);
  const dims = new Int32Array(24);
  const layoutArgs = new Int32Array(LAYOUT_VALUES);
  const setLayout = (s: ResolvedAttention): void => writeAttentionLayout(s.layout, layoutArgs, 0);
  return {
    matmul(a, b, out, m, n, k, transA, transB, batch, aStride, bStride, outStride, accumulate) {
      call.begin().add(a, IN, span(batch, aStride, m * k)).add(b, IN, span(batch, bStride, k * n))
        .add(out, IN_OUT, span(batch, outStride, m * n)).place();
      exports.matmul(p(0), p(1), p(2), m, n, k, transA ? 1 : 0, transB ? 1 : 0, batch, aStride, bStride, outStride, accumulate ? 1 : 0);
      call.finish();
    },
    geluForward(x, out, tanh, bias) {
      const n = x.length;
      call.begin().add(x, IN).add(out, OUT, n).add(bias, IN).place();
      exports.geluForward(p(0), p(2), bias ? bias.length : 0, p(1), n, tanh ? 1 : 0);
      call.finish();
    },
    geluBackward(x, gy, gx, tanh, bias) {
      const n = x.length;
      call.begin().add(x, IN).add(gy, IN, n).add(gx, OUT, n).add(bias, IN).place();
      exports.geluBackward(p(0), p(3), bias ? bias.length : 0, p(1), p(2), n, tanh ? 1 : 0);
      call.finish();
    },
    layerNormForward(x, weight, bias, out, mean, rstd, rows, cols, eps) {
      const size = rows * cols;
      call.begin().add(x, IN, size).add(weight, IN, cols).add(bias, IN, cols).add(out, OUT, size)
        .add(mean, OUT, rows).add(rstd, OUT, rows).place();
      exports.layerNormForward(p(0), p(1), p(2), p(3), p(4), p(5), rows, cols, eps);
      call.finish();
    },
    layerNormBackward(x, weight, mean, rstd, gy, gx, gWeight, gBias, rows, cols) {
      const size = rows * cols;
      call.begin().add(x, IN, size).add(weight, IN, cols).add(mean, IN, rows).add(rstd, IN, rows).add(gy, IN, size)
        .add(gx, OUT, size).add(gWeight, IN_OUT, cols).add(gBias, IN_OUT, cols).place();
      exports.layerNormBackward(p(0), p(1), p(2), p(3), p(4), p(5), p(6), p(7), rows, cols);
      call.finish();
    },
    softmaxForward(x, out, rows, cols, log) {
      const size = rows * cols;
      call.begin().add(x, IN, size).add(out, OUT, size).place();
      exports.softmaxForward(p(0), p(1), rows, cols, log ? 1 : 0);
      call.finish();
    },
    softmaxBackward(y, gy, gx, rows, cols, log) {
      const size = rows * cols;
      call.begin().add(y, IN, size).add(gy, IN, size).add(gx, OUT, size).place();
      exports.softmaxBackward(p(0), p(1), p(2), rows, cols, log ? 1 : 0);
      call.finish();
    },
    crossEntropyForward(logits, targets, rows, classes, ignoreIndex, labelSmoothing, lossPerRow, logSumExp) {
      call.begin().add(logits, IN, rows * classes).add(targets, IN, rows).add(lossPerRow, OUT, rows).add(logSumExp, OUT, rows).place();
      exports.crossEntropyForward(p(0), p(1), rows, classes, ignoreIndex, labelSmoothing, p(2), p(3));
      call.finish();
    },
    crossEntropyBackward(logits, targets, logSumExp, rows, classes, ignoreIndex, labelSmoothing, rowScale, gLogits) {
      call.begin().add(logits, IN, rows * classes).add(targets, IN, rows).add(logSumExp, IN, rows).add(rowScale, IN, rows)
        .add(gLogits, OUT, rows * classes).place();
      exports.crossEntropyBackward(p(0), p(1), p(2), rows, classes, ignoreIndex, labelSmoothing, p(3), p(4));
      call.finish();
    },
    attentionForward(s, q, k, v, mask, out, logSumExp) {
      const { batchHeads: bh, queryLength: tq, keyLength: tk, headDim: d, valueDim: dv, layout } = s;
      const written = outputRole(s, [[out, layout.out, tq, dv]]);
      setLayout(s);
      call.begin().add(layoutArgs, IN, LAYOUT_VALUES)
        .add(q, IN, spanOf(s, layout.q, tq, d)).add(k, IN, spanOf(s, layout.k, tk, d)).add(v, IN, spanOf(s, layout.v, tk, dv))
        .add(mask, IN, maskSpan(s, mask)).add(out, written, spanOf(s, layout.out, tq, dv)).add(logSumExp, OUT, bh * tq).place();
      exports.attentionForward(bh, tq, tk, d, dv, s.scale, s.causal ? 1 : 0, s.maskStride, s.headsPerMask,
        p(0), p(1), p(2), p(3), p(4), p(5), p(6));
      call.finish();
    },
    attentionBackward(s, q, k, v, mask, out, logSumExp, gOut, gq, gk, gv) {
      const { batchHeads: bh, queryLength: tq, keyLength: tk, headDim: d, valueDim: dv, layout } = s;
      const written = outputRole(s, [[gq, layout.q, tq, d], [gk, layout.k, tk, d], [gv, layout.v, tk, dv]]);
      setLayout(s);
      call.begin().add(layoutArgs, IN, LAYOUT_VALUES)
        .add(q, IN, spanOf(s, layout.q, tq, d)).add(k, IN, spanOf(s, layout.k, tk, d)).add(v, IN, spanOf(s, layout.v, tk, dv))
        .add(mask, IN, maskSpan(s, mask)).add(out, IN, spanOf(s, layout.out, tq, dv)).add(logSumExp, IN, bh * tq)
        .add(gOut, IN, spanOf(s, layout.out, tq, dv)).add(gq, written, spanOf(s, layout.q, tq, d))
        .add(gk, written, spanOf(s, layout.k, tk, d)).add(gv, written, spanOf(s, layout.v, tk, dv)).place();
      exports.attentionBackward(bh, tq, tk, d, dv, s.scale, s.causal ? 1 : 0, s.maskStride, s.headsPerMask,
        p(0), p(1), p(2), p(3), p(4), p(5), p(6), p(7), p(8), p(9), p(10));
      call.finish();
    },
    embeddingForward(table, ids, out, dim) {
      call.begin().add(table, IN).add(ids, IN).add(out, OUT, ids.length * dim).place();
      exports.embeddingForward(p(0), p(1), ids.length, p(2), dim);
      call.finish();
    },
    embeddingBackward(ids, gOut, gTable, dim) {
      call.begin().add(ids, IN).add(gOut, IN, ids.length * dim).add(gTable, IN_OUT).place();
      exports.embeddingBackward(p(0), ids.length, p(1), p(2), dim);
      call.finish();
    },
    adamwUpdate(param, grad, expAvg, expAvgSq, lr, beta1, beta2, eps, weightDecay, bc1, bc2) {
      call.begin().add(param, IN_OUT).add(grad, IN).add(expAvg, IN_OUT).add(expAvgSq, IN_OUT).place();
      exports.adamwUpdate(p(0), p(1), p(2), p(3), param.length, lr, beta1, beta2, eps, weightDecay, bc1, bc2);
      call.finish();
    },
    binary(op, a, aStrides, b, bStrides, out, shape) {
      const rank = shape.length;
      for (let d = 0; d < rank; d++) {
        dims[d] = shape[d];
        dims[rank + d] = aStrides[d];
        dims[2 * rank + d] = bStrides[d];
      }
      call.begin().add(a, IN).add(b, IN).add(out, OUT).add(dims, IN, 3 * rank).place();
      exports.binary(op, p(0), p(1), p(2), p(3), rank);
      call.finish();
    },
    reduceSum(x, outer, n, inner, out) {
      call.begin().add(x, IN, outer * n * inner).add(out, OUT, outer * inner).place();
      exports.reduceSum(p(0), outer, n, inner, p(1));
      call.finish();
    },
    addScaled(dst, src, alpha) {
      const n = dst.length;
      call.begin().add(dst, IN_OUT).add(src, IN, n).place();
      exports.addScaled(p(0), p(1), n, alpha);
      call.finish();
    },
    dot(x, y) {
      const n = x.length;
      call.begin().add(x, IN).add(y, IN, n).place();
      const result = exports.dot(p(0), p(1), n);
      call.finish();
      return result;
    },
  };
}

function spanOf(s: ResolvedAttention, operand: OperandLayout, rows: number, width: number): number {
  return operandSpan(operand, s.batchHeads, s.layout.heads, rows, width);
}

/**
 * Attention outputs are copied out whole over their span. When the kernel writes
 * every element of that span (the default layout; the GPT's packed one, whose gq,
 * gk and gv fill one array between them) that is exact; otherwise the layout
 * leaves gaps, and the outputs are copied in first so the gaps keep the caller's
 * values. Writes counted per array: batchHeads·rows·width each (operands of one
 * array never overlap — the caller's contract).
 */
function outputRole(s: ResolvedAttention, outputs: readonly [Float32Array, OperandLayout, number, number][]): Role {
  for (let i = 0; i < outputs.length; i++) {
    const array = outputs[i][0];
    let written = 0, span = 0, first = true;
    for (let j = 0; j < outputs.length; j++) {
      if (outputs[j][0] !== array) continue;
      if (j < i) { first = false; break; }
      const [, operand, rows, width] = outputs[j];
      written += s.batchHeads * rows * width;
      span = Math.max(span, spanOf(s, operand, rows, width));
    }
    if (first && written !== span) return IN_OUT;
  }
  return OUT;
}

/** Elements of the mask the kernel reads: every mask batch up to the last one used. */
function maskSpan(s: ResolvedAttention, mask: Float32Array | null): number {
  if (!mask) return 0;
  const matrix = s.queryLength * s.keyLength;
  if (s.batchHeads === 0) return 0;
  const lastMask = Math.floor((s.batchHeads - 1) / s.headsPerMask);
  return Math.min(mask.length, lastMask * s.maskStride + matrix);
}
