/**
 * The checks a network language model (GPT, RNN-LM) makes on the batch its
 * forward takes — int32 (B, T) token ids and, for training, int32 (B, T) next-token
 * targets — and the next-token loss over them. One place, so both models reject
 * the same mistakes with the same messages.
 */
import { crossEntropy } from '../ops/losses.js';
import { reshape } from '../ops/shape.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** Target value the loss skips (nanoGPT's ignore_index=-1), e.g. padding. */
export const IGNORE_TARGET = -1;

/**
 * Check int32 (B, T) ids with B, T ≥ 1, T ≤ `blockSize` when given, and every id
 * in the vocabulary; returns [B, T].
 */
export function checkTokenBatch(op: string, idx: Tensor, vocabSize: number, blockSize?: number): [number, number] {
  if (idx.dtype !== 'int32') throw new TypeError(`${op}: idx must be an int32 tensor of token ids, got ${idx.dtype} (make it with { dtype: 'int32' })`);
  if (idx.ndim !== 2) throw new ShapeError(`${op}: idx has shape ${formatShape(idx.shape)}, expected (B, T) (reshape a single sequence to [1, T])`);
  const [B, T] = idx.shape;
  if (B < 1 || T < 1) throw new ShapeError(`${op}: idx has shape ${formatShape(idx.shape)}; need at least one sequence of at least one token`);
  if (blockSize !== undefined && T > blockSize) {
    throw new ShapeError(`${op}: sequence length ${T} exceeds blockSize ${blockSize}; crop the input to its last ${blockSize} tokens (nanoGPT's idx[:, -block_size:]) or use a model with a larger blockSize`);
  }
  checkTokenIds(op, idx.data, vocabSize, T);
  return [B, T];
}

/** Every id must index the vocabulary; names the first bad one with its [row, column] in rows of `rowLength`. */
export function checkTokenIds(op: string, ids: ArrayLike<number>, vocabSize: number, rowLength: number): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(id >= 0 && id < vocabSize)) {
      throw new RangeError(`${op}: token id ${id} at [${Math.floor(i / rowLength)}, ${i % rowLength}] is outside the vocabulary 0…${vocabSize - 1}`);
    }
  }
}

/** Targets must be int32 (B, T) like idx, each a token id or IGNORE_TARGET. */
export function checkTargets(op: string, targets: Tensor, B: number, T: number, vocabSize: number): void {
  if (targets.dtype !== 'int32') throw new TypeError(`${op}: targets must be an int32 tensor, got ${targets.dtype} (make them with { dtype: 'int32' })`);
  if (targets.ndim !== 2 || targets.shape[0] !== B || targets.shape[1] !== T) {
    throw new ShapeError(`${op}: targets have shape ${formatShape(targets.shape)}, expected ${formatShape([B, T])} like idx`);
  }
  const t = targets.data;
  for (let i = 0; i < t.length; i++) {
    if (t[i] !== IGNORE_TARGET && !(t[i] >= 0 && t[i] < vocabSize)) {
      throw new RangeError(`${op}: target ${t[i]} at [${Math.floor(i / T)}, ${i % T}] is outside the vocabulary 0…${vocabSize - 1} (use ${IGNORE_TARGET} to ignore a position)`);
    }
  }
}

/**
 * logits (B, T, V) and checked targets (B, T) → the mean cross-entropy
 * J = −(1/N) Σ log p(target | prefix) over the N non-ignored positions (seed 000's
 * per-step LM objective), by the fused log-softmax + NLL op over all B·T rows.
 */
export function nextTokenLoss(op: string, logits: Tensor, targets: Tensor): Tensor {
  const [B, T, V] = logits.shape;
  checkTargets(op, targets, B, T, V);
  return crossEntropy(reshape(logits, [B * T, V]), reshape(targets, [B * T]), { ignoreIndex: IGNORE_TARGET });
}
