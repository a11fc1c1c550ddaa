/**
 * Scaled dot-product attention (Vaswani et al. 2017; seed 000's attention with
 * causal masking): softmax(Q Kᵀ · scale + mask) V, fused so the backward
 * recomputes the probabilities from the saved log-sum-exp instead of storing
 * the (Tq, Tk) matrix per head.
 */
import { packedLayout } from '../backend/attention-layout.js';
import { kernels, type AttentionArgs, type AttentionGeometry, type FloatArray } from '../backend/index.js';
import { formatShape, ShapeError, sizeOf } from '../tensor/shape.js';
import { emptyTensor, outputTensor, Tensor } from '../tensor/tensor.js';
import { softmax } from './activations.js';
import { add, mul, sub } from './arithmetic.js';
import { sum } from './broadcast.js';
import { matmulT } from './matmul.js';
import { applyOp, defineOp } from './op.js';
import { permute, reshape, unbind } from './shape.js';
import { requireFloat } from './util.js';

interface AttentionAttrs extends AttentionGeometry {
  maskBatchStride: number;
  outShape: number[];
}
interface AttentionSaved { logSumExp: Tensor }

function kernelArgs(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, geometry: AttentionAttrs): AttentionArgs {
  return { ...geometry, q: q.data as FloatArray, k: k.data as FloatArray, v: v.data as FloatArray, mask: (mask?.data ?? undefined) as FloatArray | undefined };
}

const attentionOp = defineOp<AttentionAttrs, AttentionSaved>({
  name: 'scaledDotProductAttention',
  forward: ([q, k, v, mask], attrs) => {
    const out = outputTensor(attrs.outShape, q.dtype);
    const logSumExp = emptyTensor([attrs.batchHeads * attrs.queryLength], q.dtype);
    kernels.attentionForward(kernelArgs(q, k, v, mask ?? null, attrs), out.data as FloatArray, logSumExp.data as FloatArray);
    return { outputs: [out], saved: { logSumExp } };
  },
  vjp: ({ inputs: [q, k, v, mask], outputs: [out], attrs, saved }, [g]) => {
    if (!g) return [null, null, null, null];
    const gq = outputTensor(q.shape, q.dtype), gk = outputTensor(k.shape, k.dtype), gv = outputTensor(v.shape, v.dtype);
    kernels.attentionBackward(
      kernelArgs(q, k, v, mask ?? null, attrs), out.data as FloatArray, saved.logSumExp.data as FloatArray, g.data as FloatArray,
      gq.data as FloatArray, gk.data as FloatArray, gv.data as FloatArray,
    );
    return [gq, gk, gv, null];
  },
  jvp: ({ inputs: [q, k, v, mask], attrs }, [tq, tk, tv]) => {
    const out = attentionTangent(q, k, v, mask ?? null, tq, tk, tv, attrs);
    return [out && reshape(out, attrs.outShape)];
  },
});

/**
 * Forward-mode rule of attention, (BH, Tq, Dv) or null when no tangent is given:
 * with S = scale·Q Kᵀ + M and P = softmax(S),  tS = scale·(tQ Kᵀ + Q tKᵀ),
 * tP = P ⊙ (tS − Σ P ⊙ tS),  tOut = tP V + P tV.
 */
function attentionTangent(
  q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, tq: Tensor | null, tk: Tensor | null, tv: Tensor | null,
  attrs: AttentionAttrs,
): Tensor | null {
  const shape3 = (t: Tensor, len: number, dim: number): Tensor => reshape(t, [attrs.batchHeads, len, dim]);
  const q3 = shape3(q, attrs.queryLength, attrs.headDim), k3 = shape3(k, attrs.keyLength, attrs.headDim), v3 = shape3(v, attrs.keyLength, attrs.valueDim);
  const probs = attentionProbabilities(q3, k3, mask, attrs);
  let out: Tensor | null = null;
  if (tq || tk) {
    let tS: Tensor | null = null;
    if (tq) tS = matmulT(shape3(tq, attrs.queryLength, attrs.headDim), k3, false, true);
    if (tk) { const part = matmulT(q3, shape3(tk, attrs.keyLength, attrs.headDim), false, true); tS = tS ? add(tS, part) : part; }
    const scaled = mul(tS as Tensor, attrs.scale);
    const tP = mul(probs, sub(scaled, sum(mul(probs, scaled), -1, true)));
    out = matmulT(tP, v3);
  }
  if (tv) { const part = matmulT(probs, shape3(tv, attrs.keyLength, attrs.valueDim)); out = out ? add(out, part) : part; }
  return out;
}

/**
 * The explicit probability matrix P (BH, Tq, Tk) — used by the JVP rule and by
 * callers that want attention weights. A query row whose keys are all blocked
 * gets zeros, matching the fused op's zero output for it (softmax over no keys
 * would be NaN), with zero derivatives.
 */
export function attentionProbabilities(q3: Tensor, k3: Tensor, mask: Tensor | null, attrs: Pick<AttentionAttrs, 'batchHeads' | 'queryLength' | 'keyLength' | 'scale' | 'causal' | 'maskBatchStride'>): Tensor {
  const scores = mul(matmulT(q3, k3, false, true), attrs.scale);
  if (!mask && !attrs.causal) return softmax(scores, -1);
  const { additive, keep } = blockedRowsCleared(mask, attrs);
  const asTensor = (data: Float64Array, shape: number[]): Tensor => new Tensor(scores.dtype === 'float32' ? Float32Array.from(data) : data, shape);
  const rows = keep.length / attrs.queryLength;
  const probabilities = softmax(add(scores, asTensor(additive, [rows, attrs.queryLength, attrs.keyLength])), -1);
  return keep.every((k) => k === 1) ? probabilities : mul(probabilities, asTensor(keep, [rows, attrs.queryLength, 1]));
}

/**
 * The constant additive mask (mask + causal −∞ above the shifted diagonal) as
 * (maskBatches, Tq, Tk) data, with every fully blocked row replaced by zeros and
 * flagged 0 in `keep` (1 elsewhere).
 */
function blockedRowsCleared(mask: Tensor | null, attrs: Pick<AttentionAttrs, 'queryLength' | 'keyLength' | 'causal' | 'maskBatchStride' | 'batchHeads'>): { additive: Float64Array; keep: Float64Array } {
  const L = attrs.queryLength, S = attrs.keyLength;
  const rows = (mask && attrs.maskBatchStride !== 0 ? attrs.batchHeads : 1) * L;
  const additive = new Float64Array(rows * S);
  if (mask) additive.set(mask.data);
  const shift = S - L;
  if (attrs.causal) for (let r = 0; r < rows; r++) additive.fill(-Infinity, r * S + Math.max(0, (r % L) + shift + 1), (r + 1) * S);
  const keep = new Float64Array(rows).fill(1);
  for (let r = 0; r < rows && S > 0; r++) {
    const row = additive.subarray(r * S, (r + 1) * S);
    if (row.every((x) => x === -Infinity)) {
      row.fill(0);
      keep[r] = 0;
    }
  }
  return { additive, keep };
}

export interface AttentionOptions {
  /** Mask future keys: query i sees keys j ≤ i + (Tk − Tq). */
  isCausal?: boolean;
  /** Additive float mask of shape (Tq, Tk) or (…, Tq, Tk) matching the query's leading dims; −Infinity blocks a key. */
  attnMask?: Tensor | null;
  /** Default 1/√D. */
  scale?: number;
}

/**
 * softmax(Q Kᵀ·scale + mask) V for q (…, Tq, D), k (…, Tk, D), v (…, Tk, Dv) with
 * equal leading dims. A row whose keys are all masked outputs zeros (PyTorch gives NaN).
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  for (const [name, t] of [['query', q], ['key', k], ['value', v]] as const) {
    requireFloat('scaledDotProductAttention', t, name);
    if (t.ndim < 2) throw new ShapeError(`scaledDotProductAttention: ${name} needs at least 2 dims, got ${formatShape(t.shape)}`);
  }
  const lead = q.shape.slice(0, -2);
  const same = (t: Tensor): boolean => t.ndim === q.ndim && t.shape.slice(0, -2).every((d, i) => d === lead[i]);
  if (!same(k) || !same(v)) {
    throw new ShapeError(`scaledDotProductAttention: leading dims differ: query ${formatShape(q.shape)}, key ${formatShape(k.shape)}, value ${formatShape(v.shape)}`);
  }
  const [queryLength, headDim] = q.shape.slice(-2);
  const [keyLength, keyDim] = k.shape.slice(-2);
  const [valueLength, valueDim] = v.shape.slice(-2);
  if (keyDim !== headDim) throw new ShapeError(`scaledDotProductAttention: query ${formatShape(q.shape)} and key ${formatShape(k.shape)} differ in the last dim`);
  if (valueLength !== keyLength) throw new ShapeError(`scaledDotProductAttention: key ${formatShape(k.shape)} and value ${formatShape(v.shape)} differ in length`);
  const batchHeads = sizeOf(lead);
  let mask: Tensor | null = null;
  let maskBatchStride = 0;
  if (options.attnMask) {
    const m = options.attnMask;
    requireFloat('scaledDotProductAttention', m, 'attnMask');
    const tail = m.shape.slice(-2);
    if (m.ndim < 2 || tail[0] !== queryLength || tail[1] !== keyLength) {
      throw new ShapeError(`scaledDotProductAttention: attnMask ${formatShape(m.shape)} must end in (${queryLength}, ${keyLength})`);
    }
    const maskLead = sizeOf(m.shape.slice(0, -2));
    if (maskLead !== 1 && maskLead !== batchHeads) {
      throw new ShapeError(`scaledDotProductAttention: attnMask ${formatShape(m.shape)} must have leading size 1 or ${batchHeads} to match query ${formatShape(q.shape)}`);
    }
    mask = m.dtype === q.dtype ? m : new Tensor(q.dtype === 'float32' ? Float32Array.from(m.data) : Float64Array.from(m.data), m.shape);
    maskBatchStride = maskLead === 1 ? 0 : queryLength * keyLength;
  }
  const attrs: AttentionAttrs = {
    batchHeads, queryLength, keyLength, headDim, valueDim,
    scale: options.scale ?? 1 / Math.sqrt(headDim),
    causal: options.isCausal ?? false,
    maskBatchStride,
    outShape: [...lead, queryLength, valueDim],
  };
  const inputs = mask ? [q, k, v, mask] : [q, k, v];
  return applyOp(attentionOp, inputs, attrs)[0];
}

interface PackedAttentionAttrs extends AttentionAttrs {
  batch: number;
  length: number;
  heads: number;
}

/** (B, T, 3C) → q, k, v as (B·nh, T, hs) tensors (copies; the forward-mode rule only). */
function unpackHeads(qkv: Tensor, attrs: PackedAttentionAttrs): Tensor[] {
  const { batch: B, length: T, heads: H, headDim: D } = attrs;
  return unbind(reshape(permute(reshape(qkv, [B, T, 3, H, D]), [2, 0, 3, 1, 4]), [3, B * H, T, D]), 0);
}

const packedAttentionOp = defineOp<PackedAttentionAttrs, AttentionSaved>({
  name: 'packedSelfAttention',
  forward: ([qkv], attrs) => {
    const out = outputTensor(attrs.outShape, qkv.dtype);
    const logSumExp = emptyTensor([attrs.batchHeads * attrs.queryLength], qkv.dtype);
    const data = qkv.data as FloatArray;
    kernels.attentionForward({ ...attrs, q: data, k: data, v: data }, out.data as FloatArray, logSumExp.data as FloatArray);
    return { outputs: [out], saved: { logSumExp } };
  },
  vjp: ({ inputs: [qkv], outputs: [out], attrs, saved }, [g]) => {
    if (!g) return [null];
    // gq, gk and gv are the three column blocks of one (B, T, 3C) gradient, written in place by the kernel.
    const gqkv = outputTensor(qkv.shape, qkv.dtype); // the three blocks cover it
    const data = qkv.data as FloatArray, gData = gqkv.data as FloatArray;
    kernels.attentionBackward(
      { ...attrs, q: data, k: data, v: data }, out.data as FloatArray, saved.logSumExp.data as FloatArray, g.data as FloatArray,
      gData, gData, gData,
    );
    return [gqkv];
  },
  jvp: ({ inputs: [qkv], attrs }, [tqkv]) => {
    if (!tqkv) return [null];
    const [q, k, v] = unpackHeads(qkv, attrs);
    const [tq, tk, tv] = unpackHeads(tqkv, attrs);
    const { batch: B, length: T, heads: H, headDim: D } = attrs;
    const tangent = attentionTangent(q, k, v, null, tq, tk, tv, attrs) as Tensor; // (B·nh, T, hs)
    return [reshape(permute(reshape(tangent, [B, H, T, D]), [0, 2, 1, 3]), attrs.outShape)];
  },
});

/**
 * Multi-head self-attention read straight from a fused Q/K/V projection, as
 * nanoGPT's CausalSelfAttention computes it: qkv (B, T, 3·C) holds q, k and v side
 * by side (each C = numHeads·headDim wide, head h in columns h·hs…(h+1)·hs), and
 * the result is (B, T, C) with the heads side by side again — equal to splitting
 * qkv, moving heads to a batch dim, scaledDotProductAttention, and merging the
 * heads back, but with none of those copies: the kernels read and write the
 * packed layout in place (forward and backward), which removes five (B, T, ·)
 * copies per layer and training step. Default scale 1/√hs.
 */
export function packedSelfAttention(qkv: Tensor, numHeads: number, options: Omit<AttentionOptions, 'attnMask'> = {}): Tensor {
  requireFloat('packedSelfAttention', qkv, 'qkv');
  if (qkv.ndim !== 3 || qkv.shape[2] % 3 !== 0) {
    throw new ShapeError(`packedSelfAttention: qkv has shape ${formatShape(qkv.shape)}, expected (B, T, 3·C)`);
  }
  const [B, T, threeC] = qkv.shape;
  const C = threeC / 3;
  if (!Number.isInteger(numHeads) || numHeads < 1 || C % numHeads !== 0) {
    throw new ShapeError(`packedSelfAttention: C = ${C} (qkv ${formatShape(qkv.shape)}) is not divisible by numHeads = ${numHeads}`);
  }
  const D = C / numHeads;
  const attrs: PackedAttentionAttrs = {
    batchHeads: B * numHeads, queryLength: T, keyLength: T, headDim: D, valueDim: D,
    scale: options.scale ?? 1 / Math.sqrt(D),
    causal: options.isCausal ?? false,
    maskBatchStride: 0,
    outShape: [B, T, C],
    layout: packedLayout(T, numHeads, D),
    batch: B, length: T, heads: numHeads,
  };
  return applyOp(packedAttentionOp, [qkv], attrs)[0];
}
