/**
 * Fused scaled dot-product attention (Vaswani et al. 2017, "Attention Is All You
 * Need"): out = softmax(q·kᵀ·scale + mask)·v, computed row by row the way
 * FlashAttention organises it (Dao et al. 2022): for each (batch·head, query) the
 * scores over the keys live in one scratch row, never in a (Tq, Tk) matrix. The
 * forward saves the row's log-sum-exp; the backward recomputes the probabilities
 * p_j = exp(s_j − lse) from it and applies
 *   dV_j += p_j·dO_i,  dP_j = dO_i·V_j,  dS_j = p_j·(dP_j − Σ_d dO_i,d·O_i,d),
 *   dQ_i = Σ_j dS_j·K_j·scale,  dK_j += dS_j·Q_i·scale.
 *
 * Causal masking is aligned to the end: query i sees keys j ≤ i + (Tk − Tq), which
 * is the usual lower triangle when Tq = Tk and the right thing for a KV cache.
 *
 * A row whose keys are all masked (every score −∞, or a causal row that sees no
 * key when Tq > Tk) has no distribution to attend with: it outputs 0, stores
 * lse = −∞ and gets zero gradients. PyTorch's scaled_dot_product_attention
 * returns NaN for such rows instead.
 *
 * Operands are read and written through args.layout (default: contiguous), so the
 * GPT's fused (B, T, 3·C) projection is attended in place; gradients share the
 * layouts of their operands.
 *
 * The optional additive mask has shape (maskBatch, Tq, Tk) with maskBatch dividing
 * batchHeads, broadcast the way PyTorch broadcasts a (B, 1, Tq, Tk) mask over
 * (B, H, Tq, Tk): batch·head index bh uses mask batch ⌊bh / (BH / maskBatch)⌋.
 * maskBatch is (mask.length − Tq·Tk) / maskBatchStride + 1 (1 when the stride is 0;
 * the stride defaults to Tq·Tk).
 */
import { attentionLayout, operandBase, operandSpan } from '../attention-layout.js';
import type { AttentionArgs, AttentionLayout, FloatArray, OperandLayout } from '../backend.js';

/** One row of scores / probabilities over the keys. */
let scoreRow = new Float64Array(64);
/** Output row accumulator (forward) and dQ row (backward). */
let vectorRow = new Float64Array(64);
/** dK and dV of one batch·head, accumulated in doubles over its queries. */
let keyGrad = new Float64Array(0);
let valueGrad = new Float64Array(0);

interface MaskLayout {
  mask: FloatArray | null;
  stride: number;
  /** Consecutive batch·head indices sharing one mask batch. */
  headsPerMask: number;
}

function checkAttention(
  op: string, args: AttentionArgs, layout: AttentionLayout,
  arrays: Record<string, [FloatArray, OperandLayout | null, number, number]>,
): MaskLayout {
  const { batchHeads, queryLength, keyLength, headDim, valueDim } = args;
  const sizes = { batchHeads, queryLength, keyLength, headDim, valueDim };
  for (const [name, value] of Object.entries(sizes)) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${op}: ${name} must be a non-negative integer, got ${value}`);
  }
  if (!Number.isFinite(args.scale)) throw new RangeError(`${op}: scale must be finite, got ${args.scale}`);
  if (!Number.isInteger(layout.heads) || layout.heads < 1 || batchHeads % layout.heads !== 0) {
    throw new RangeError(`${op}: layout.heads must be a positive integer dividing batchHeads = ${batchHeads}, got ${layout.heads}`);
  }
  const expected: Record<string, [FloatArray, OperandLayout | null, number, number]> = {
    q: [args.q, layout.q, queryLength, headDim],
    k: [args.k, layout.k, keyLength, headDim],
    v: [args.v, layout.v, keyLength, valueDim],
    ...arrays,
  };
  for (const [name, [array, operand, rows, width]] of Object.entries(expected)) {
    // A null layout: contiguous (BH·rows·width), as the log-sum-exp.
    const size = operand ? operandSpan(operand, batchHeads, layout.heads, rows, width) : batchHeads * rows * width;
    if (Number.isNaN(size)) throw new RangeError(`${op}: the layout of ${name} has a stride or offset that is not a non-negative integer`);
    if (array.length < size) throw new RangeError(`${op}: ${name} has ${array.length} elements, needs ${size}`);
  }
  const mask = args.mask ?? null;
  if (!mask) return { mask: null, stride: 0, headsPerMask: Math.max(batchHeads, 1) };
  const matrix = queryLength * keyLength;
  const stride = args.maskBatchStride ?? matrix;
  if (!Number.isInteger(stride) || stride < 0) throw new RangeError(`${op}: maskBatchStride must be a non-negative integer, got ${stride}`);
  if (mask.length < matrix) throw new RangeError(`${op}: mask has ${mask.length} elements, needs at least Tq·Tk = ${matrix}`);
  let maskBatch = 1;
  if (stride !== 0) {
    maskBatch = (mask.length - matrix) / stride + 1;
    if (!Number.isInteger(maskBatch) || batchHeads % maskBatch !== 0) {
      throw new RangeError(
        `${op}: mask of ${mask.length} elements with batch stride ${stride} holds ${maskBatch} masks of ${queryLength}×${keyLength}; ` +
        `need a whole number dividing batchHeads = ${batchHeads}`,
      );
    }
  }
  return { mask, stride, headsPerMask: Math.max(batchHeads / maskBatch, 1) };
}

/**
 * scores[j] = scale·(q_i · k_j) + mask[i, j] for j < visible, four keys per pass
 * so each q element is loaded once per four multiply-adds. Returns the maximum.
 */
function computeScores(
  q: FloatArray, qOffset: number, k: FloatArray, kBase: number, kRow: number, headDim: number, visible: number,
  scale: number, mask: FloatArray | null, maskRow: number, scores: Float64Array,
): number {
  let j = 0;
  for (; j + 4 <= visible; j += 4) {
    const k0 = kBase + j * kRow;
    const k1 = k0 + kRow;
    const k2 = k1 + kRow;
    const k3 = k2 + kRow;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let d = 0; d < headDim; d++) {
      const qd = q[qOffset + d];
      s0 += qd * k[k0 + d];
      s1 += qd * k[k1 + d];
      s2 += qd * k[k2 + d];
      s3 += qd * k[k3 + d];
    }
    scores[j] = s0 * scale; scores[j + 1] = s1 * scale; scores[j + 2] = s2 * scale; scores[j + 3] = s3 * scale;
  }
  for (; j < visible; j++) {
    const k0 = kBase + j * kRow;
    let s0 = 0;
    for (let d = 0; d < headDim; d++) s0 += q[qOffset + d] * k[k0 + d];
    scores[j] = s0 * scale;
  }
  if (mask) for (let jj = 0; jj < visible; jj++) scores[jj] += mask[maskRow + jj];
  let max = -Infinity;
  for (let jj = 0; jj < visible; jj++) if (scores[jj] > max) max = scores[jj];
  return max;
}

/** Number of keys query i may see. */
function visibleKeys(causal: boolean, i: number, queryLength: number, keyLength: number): number {
  return causal ? Math.max(0, Math.min(keyLength, i + keyLength - queryLength + 1)) : keyLength;
}

function growScratch(keyLength: number, width: number): void {
  if (scoreRow.length < keyLength) scoreRow = new Float64Array(Math.max(keyLength, 2 * scoreRow.length));
  if (vectorRow.length < width) vectorRow = new Float64Array(Math.max(width, 2 * vectorRow.length));
}

export function attentionForward(args: AttentionArgs, out: FloatArray, logSumExp: FloatArray): void {
  const { q, k, v, batchHeads, queryLength, keyLength, headDim, valueDim, scale, causal } = args;
  const layout = attentionLayout(args);
  const masks = checkAttention('attentionForward', args, layout, {
    out: [out, layout.out, queryLength, valueDim],
    logSumExp: [logSumExp, null, queryLength, 1],
  });
  growScratch(keyLength, valueDim);
  const scores = scoreRow;
  const acc = vectorRow;
  const qRow = layout.q.rowStride, kRow = layout.k.rowStride, vRow = layout.v.rowStride, oRow = layout.out.rowStride;
  for (let bh = 0; bh < batchHeads; bh++) {
    const qBase = operandBase(layout.q, layout.heads, bh), kBase = operandBase(layout.k, layout.heads, bh);
    const vBase = operandBase(layout.v, layout.heads, bh), oBase = operandBase(layout.out, layout.heads, bh);
    const maskBase = Math.floor(bh / masks.headsPerMask) * masks.stride;
    for (let i = 0; i < queryLength; i++) {
      const row = bh * queryLength + i;
      const outOffset = oBase + i * oRow;
      const visible = visibleKeys(causal, i, queryLength, keyLength);
      const max = computeScores(q, qBase + i * qRow, k, kBase, kRow, headDim, visible, scale, masks.mask, maskBase + i * keyLength, scores);
      if (max === -Infinity) {
        // No visible key: output 0 (PyTorch gives NaN here).
        out.fill(0, outOffset, outOffset + valueDim);
        logSumExp[row] = -Infinity;
        continue;
      }
      let sum = 0;
      for (let j = 0; j < visible; j++) {
        const p = Math.exp(scores[j] - max);
        scores[j] = p;
        sum += p;
      }
      // acc = Σ_j p_j·v_j, four value rows per pass.
      acc.fill(0, 0, valueDim);
      let j = 0;
      for (; j + 4 <= visible; j += 4) {
        const p0 = scores[j], p1 = scores[j + 1], p2 = scores[j + 2], p3 = scores[j + 3];
        const v0 = vBase + j * vRow;
        const v1 = v0 + vRow;
        const v2 = v1 + vRow;
        const v3 = v2 + vRow;
        for (let d = 0; d < valueDim; d++) acc[d] += p0 * v[v0 + d] + p1 * v[v1 + d] + p2 * v[v2 + d] + p3 * v[v3 + d];
      }
      for (; j < visible; j++) {
        const p0 = scores[j];
        const v0 = vBase + j * vRow;
        for (let d = 0; d < valueDim; d++) acc[d] += p0 * v[v0 + d];
      }
      const inverse = 1 / sum;
      for (let d = 0; d < valueDim; d++) out[outOffset + d] = acc[d] * inverse;
      logSumExp[row] = max + Math.log(sum);
    }
  }
}

export function attentionBackward(
  args: AttentionArgs, out: FloatArray, logSumExp: FloatArray, gOut: FloatArray,
  gq: FloatArray, gk: FloatArray, gv: FloatArray,
): void {
  const { q, k, v, batchHeads, queryLength, keyLength, headDim, valueDim, scale, causal } = args;
  const layout = attentionLayout(args);
  const masks = checkAttention('attentionBackward', args, layout, {
    out: [out, layout.out, queryLength, valueDim],
    logSumExp: [logSumExp, null, queryLength, 1],
    gOut: [gOut, layout.out, queryLength, valueDim],
    gq: [gq, layout.q, queryLength, headDim],
    gk: [gk, layout.k, keyLength, headDim],
    gv: [gv, layout.v, keyLength, valueDim],
  });
  growScratch(keyLength, headDim);
  if (keyGrad.length < keyLength * headDim) keyGrad = new Float64Array(keyLength * headDim);
  if (valueGrad.length < keyLength * valueDim) valueGrad = new Float64Array(keyLength * valueDim);
  const scores = scoreRow;
  const dq = vectorRow;
  const dk = keyGrad;
  const dv = valueGrad;
  const qRow = layout.q.rowStride, kRow = layout.k.rowStride, vRow = layout.v.rowStride, oRow = layout.out.rowStride;
  for (let bh = 0; bh < batchHeads; bh++) {
    const qBase = operandBase(layout.q, layout.heads, bh), kBase = operandBase(layout.k, layout.heads, bh);
    const vBase = operandBase(layout.v, layout.heads, bh), oBase = operandBase(layout.out, layout.heads, bh);
    const maskBase = Math.floor(bh / masks.headsPerMask) * masks.stride;
    dk.fill(0, 0, keyLength * headDim);
    dv.fill(0, 0, keyLength * valueDim);
    for (let i = 0; i < queryLength; i++) {
      const row = bh * queryLength + i;
      const qOffset = qBase + i * qRow;
      const oOffset = oBase + i * oRow;
      const lse = logSumExp[row];
      const visible = visibleKeys(causal, i, queryLength, keyLength);
      if (lse === -Infinity || visible === 0) {
        gq.fill(0, qOffset, qOffset + headDim);
        continue;
      }
      computeScores(q, qOffset, k, kBase, kRow, headDim, visible, scale, masks.mask, maskBase + i * keyLength, scores);
      // Σ_d dO_i,d·O_i,d = Σ_j p_j·dP_j, the softmax-backward row term.
      let rowDot = 0;
      for (let d = 0; d < valueDim; d++) rowDot += gOut[oOffset + d] * out[oOffset + d];
      dq.fill(0, 0, headDim);
      // Keys four at a time: each q, dO and dQ element is loaded once per four keys.
      let j = 0;
      for (; j + 4 <= visible; j += 4) {
        // Masked keys have s = −∞, so p = 0 and they contribute nothing below.
        const p0 = Math.exp(scores[j] - lse), p1 = Math.exp(scores[j + 1] - lse);
        const p2 = Math.exp(scores[j + 2] - lse), p3 = Math.exp(scores[j + 3] - lse);
        const v0 = vBase + j * vRow, v1 = v0 + vRow, v2 = v1 + vRow, v3 = v2 + vRow;
        const dv0 = j * valueDim, dv1 = dv0 + valueDim, dv2 = dv1 + valueDim, dv3 = dv2 + valueDim;
        let dP0 = 0, dP1 = 0, dP2 = 0, dP3 = 0;
        for (let d = 0; d < valueDim; d++) {
          const g = gOut[oOffset + d];
          dP0 += g * v[v0 + d]; dP1 += g * v[v1 + d]; dP2 += g * v[v2 + d]; dP3 += g * v[v3 + d];
          dv[dv0 + d] += p0 * g; dv[dv1 + d] += p1 * g; dv[dv2 + d] += p2 * g; dv[dv3 + d] += p3 * g;
        }
        const dS0 = p0 * (dP0 - rowDot), dS1 = p1 * (dP1 - rowDot), dS2 = p2 * (dP2 - rowDot), dS3 = p3 * (dP3 - rowDot);
        const k0 = kBase + j * kRow, k1 = k0 + kRow, k2 = k1 + kRow, k3 = k2 + kRow;
        const dk0 = j * headDim, dk1 = dk0 + headDim, dk2 = dk1 + headDim, dk3 = dk2 + headDim;
        for (let d = 0; d < headDim; d++) {
          const qd = q[qOffset + d];
          dq[d] += dS0 * k[k0 + d] + dS1 * k[k1 + d] + dS2 * k[k2 + d] + dS3 * k[k3 + d];
          dk[dk0 + d] += dS0 * qd; dk[dk1 + d] += dS1 * qd; dk[dk2 + d] += dS2 * qd; dk[dk3 + d] += dS3 * qd;
        }
      }
      for (; j < visible; j++) {
        const p = Math.exp(scores[j] - lse);
        const v0 = vBase + j * vRow;
        const dvRow = j * valueDim;
        let dP = 0;
        for (let d = 0; d < valueDim; d++) {
          const g = gOut[oOffset + d];
          dP += g * v[v0 + d];
          dv[dvRow + d] += p * g;
        }
        const dS = p * (dP - rowDot);
        const k0 = kBase + j * kRow;
        const dkRow = j * headDim;
        for (let d = 0; d < headDim; d++) {
          dq[d] += dS * k[k0 + d];
          dk[dkRow + d] += dS * q[qOffset + d];
        }
      }
      for (let d = 0; d < headDim; d++) gq[qOffset + d] = dq[d] * scale;
    }
    for (let j = 0; j < keyLength; j++) {
      const kAt = kBase + j * kRow, vAt = vBase + j * vRow;
      for (let d = 0; d < headDim; d++) gk[kAt + d] = dk[j * headDim + d] * scale;
      for (let d = 0; d < valueDim; d++) gv[vAt + d] = dv[j * valueDim + d];
    }
  }
}
