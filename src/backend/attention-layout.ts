/**
 * Attention operand layouts (backend.ts: AttentionLayout): the default
 * contiguous one, the GPT's packed (B, T, 3·C) projection, and how many elements
 * a layout reaches — shared by the js kernel, the compiled backends' checks and
 * the attention ops so all agree on what is valid.
 */
import type { AttentionGeometry, AttentionLayout, OperandLayout } from './backend.js';

function contiguous(rows: number, width: number): OperandLayout {
  return { offset: 0, batchStride: rows * width, headStride: 0, rowStride: width };
}

/** The layout the kernels use: the geometry's own, or each operand contiguous (BH, T, width). */
export function attentionLayout(geometry: AttentionGeometry): AttentionLayout {
  if (geometry.layout) return geometry.layout;
  const { queryLength: tq, keyLength: tk, headDim: d, valueDim: dv } = geometry;
  return { heads: 1, q: contiguous(tq, d), k: contiguous(tk, d), v: contiguous(tk, dv), out: contiguous(tq, dv) };
}

/**
 * nanoGPT's fused projection qkv (B, T, 3·C) read in place, C = heads·headDim:
 * q, k and v are the column blocks [0, C), [C, 2C), [2C, 3C) with head h at
 * columns h·headDim…; out is (B, T, C) with the heads side by side.
 */
export function packedLayout(length: number, heads: number, headDim: number): AttentionLayout {
  const width = heads * headDim;
  const operand = (offset: number): OperandLayout => ({ offset, batchStride: length * 3 * width, headStride: headDim, rowStride: 3 * width });
  return {
    heads,
    q: operand(0), k: operand(width), v: operand(2 * width),
    out: { offset: 0, batchStride: length * width, headStride: headDim, rowStride: width },
  };
}

/** One past the farthest element an operand of `rows` rows of `width` reaches, or 0 when it is empty; NaN if a field is not a non-negative integer. */
export function operandSpan(layout: OperandLayout, batchHeads: number, heads: number, rows: number, width: number): number {
  const { offset, batchStride, headStride, rowStride } = layout;
  for (const value of [offset, batchStride, headStride, rowStride]) if (!Number.isInteger(value) || value < 0) return NaN;
  if (batchHeads === 0 || rows === 0 || width === 0) return 0;
  const batches = batchHeads / heads;
  return offset + (batches - 1) * batchStride + (heads - 1) * headStride + (rows - 1) * rowStride + width;
}

/** Values in the flat form the C kernels read (lmk_attention_shape): heads, then offset and three strides of q, k, v, out. */
export const LAYOUT_VALUES = 17;

/** Write `layout` into target[at…at + LAYOUT_VALUES) in that flat form (the addon's params, wasm's int32 arguments). */
export function writeAttentionLayout(layout: AttentionLayout, target: { [index: number]: number }, at: number): void {
  target[at++] = layout.heads;
  for (const operand of [layout.q, layout.k, layout.v, layout.out]) {
    target[at++] = operand.offset; target[at++] = operand.batchStride; target[at++] = operand.headStride; target[at++] = operand.rowStride;
  }
}

/** Element offset of row 0 of batch·head bh. */
export function operandBase(layout: OperandLayout, heads: number, bh: number): number {
  const b = Math.floor(bh / heads);
  return layout.offset + b * layout.batchStride + (bh - b * heads) * layout.headStride;
}
