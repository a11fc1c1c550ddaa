/**
 * Data helpers for training: seeded shuffling, mini-batches of example indices,
 * and padding of variable-length id sequences into one rectangular batch.
 *
 * Seed 002: mini-batch SGD draws M examples per step; one pass over a fresh random
 * permutation per epoch ("sampling without replacement") is the usual way.
 * Seed 003: sentences of different lengths are padded to a common length L
 * (zeros appended after each sentence) so a batch goes through each layer as one
 * tensor; the mask records which positions are real.
 *
 * All randomness comes from the seeded Generator (the default one unless a
 * `generator` is passed), so the same seed gives the same batches.
 */
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

export interface GeneratorOption {
  /** Random source; defaults to the process-wide generator seeded by manualSeed. */
  generator?: Generator;
}

/** Shuffle an array (or typed array) in place with Fisher–Yates; returns it. */
export function shuffle<T extends { length: number; [index: number]: unknown }>(array: T, options: GeneratorOption = {}): T {
  return (options.generator ?? defaultGenerator).shuffle(array);
}

/** A uniformly random permutation of 0 … n−1. */
export function permutation(n: number, options: GeneratorOption = {}): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`permutation: n must be an integer ≥ 0, got ${n}`);
  return (options.generator ?? defaultGenerator).permutation(n);
}

export interface BatchesOptions extends GeneratorOption {
  /** Visit the examples in a fresh random order (drawn when iteration starts). Default false. */
  shuffle?: boolean;
  /** Drop the last batch if it is smaller than batchSize. Default false. */
  dropLast?: boolean;
}

/** Number of batches `batches(n, batchSize, { dropLast })` yields. */
export function batchCount(n: number, batchSize: number, dropLast = false): number {
  checkBatchArgs('batchCount', n, batchSize);
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

function checkBatchArgs(where: string, n: number, batchSize: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${where}: n (number of examples) must be an integer ≥ 0, got ${n}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`${where}: batchSize must be an integer ≥ 1, got ${batchSize}`);
}

/**
 * One epoch of mini-batches over examples 0 … n−1: yields Int32Arrays of example
 * indices, batchSize long (the last one shorter unless dropLast). In order, or in
 * a random order when `shuffle` is set — like PyTorch's DataLoader sampler.
 * Arguments are checked at the call, the permutation is drawn on the first `next()`.
 */
export function batches(n: number, batchSize: number, options: BatchesOptions = {}): IterableIterator<Int32Array> {
  checkBatchArgs('batches', n, batchSize);
  const { shuffle: shuffled = false, dropLast = false } = options;
  const generator = options.generator ?? defaultGenerator;
  function* epoch(): IterableIterator<Int32Array> {
    let order: Int32Array;
    if (shuffled) {
      order = generator.permutation(n);
    } else {
      order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
    }
    const end = dropLast ? n - (n % batchSize) : n;
    // Views of one private array: no copy per batch.
    for (let start = 0; start < end; start += batchSize) yield order.subarray(start, Math.min(start + batchSize, end));
  }
  return epoch();
}

export interface PadOptions {
  /** Id written into padding positions. Default 0 (seed 003's zero padding). */
  padValue?: number;
  /** Width of the output: longer sequences are truncated. Default: the longest sequence. */
  maxLength?: number;
  /** Where padding goes: 'right' (after the tokens, default) or 'left' (before them, handy for generation). */
  side?: 'left' | 'right';
  /** Which end a sequence longer than maxLength loses: 'right' (keep the beginning, default) or 'left'. */
  truncation?: 'left' | 'right';
}

export interface PaddedBatch {
  /** (B, T) int32 ids, padded with padValue. */
  ids: Tensor;
  /** (B, T) float32: 1 at real tokens, 0 at padding (multiply a per-token loss by it). */
  mask: Tensor;
  /** (B) int32: each sequence's length after truncation (the number of ones in its mask row). */
  lengths: Tensor;
}

/** A sequence of ids: a number array, a typed array, or a 1-D tensor. */
export type IdSequence = ArrayLike<number> | Tensor;

/**
 * Stack variable-length id sequences into a (B, T) batch with T = maxLength or
 * the longest length, padding on the chosen side, plus the mask and lengths.
 */
export function padSequences(sequences: readonly IdSequence[], options: PadOptions = {}): PaddedBatch {
  const where = 'padSequences';
  const { padValue = 0, side = 'right', truncation = 'right' } = options;
  if ((padValue | 0) !== padValue) throw new RangeError(`${where}: padValue must be an int32 integer, got ${padValue}`);
  if (side !== 'left' && side !== 'right') throw new RangeError(`${where}: side must be 'left' or 'right', got '${String(side)}'`);
  if (truncation !== 'left' && truncation !== 'right') throw new RangeError(`${where}: truncation must be 'left' or 'right', got '${String(truncation)}'`);
  const rows: ArrayLike<number>[] = sequences.map((seq, i) => {
    if (seq instanceof Tensor) {
      if (seq.ndim !== 1) throw new RangeError(`${where}: sequences[${i}] must be a 1-D tensor, got shape [${seq.shape.join(', ')}]`);
      return seq.data;
    }
    if (seq === null || typeof seq !== 'object' || typeof seq.length !== 'number') {
      throw new TypeError(`${where}: sequences[${i}] is not an array of ids`);
    }
    return seq;
  });
  let width = 0;
  if (options.maxLength !== undefined) {
    if (!Number.isInteger(options.maxLength) || options.maxLength < 0) {
      throw new RangeError(`${where}: maxLength must be an integer ≥ 0, got ${options.maxLength}`);
    }
    width = options.maxLength;
  } else {
    for (const row of rows) if (row.length > width) width = row.length;
  }
  const batch = rows.length;
  const ids = new Int32Array(batch * width);
  const mask = new Float32Array(batch * width);
  const lengths = new Int32Array(batch);
  if (padValue !== 0) ids.fill(padValue);
  for (let b = 0; b < batch; b++) {
    const row = rows[b];
    const length = Math.min(row.length, width);
    // Truncating on the left keeps the last `length` tokens.
    const from = truncation === 'left' ? row.length - length : 0;
    const to = b * width + (side === 'left' ? width - length : 0);
    for (let t = 0; t < length; t++) {
      const id = row[from + t];
      if ((id | 0) !== id) throw new RangeError(`${where}: sequences[${b}][${from + t}] = ${id} is not an int32 id`);
      ids[to + t] = id;
      mask[to + t] = 1;
    }
    lengths[b] = length;
  }
  return {
    ids: new Tensor(ids, [batch, width]),
    mask: new Tensor(mask, [batch, width]),
    lengths: new Tensor(lengths, [batch]),
  };
}
