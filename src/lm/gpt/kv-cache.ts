/**
 * The key/value cache of a GPT: for every layer, the keys and values of the
 * tokens seen so far, so a new token attends to them without recomputing them
 * (each new token costs one forward of one position against `filled` cached
 * keys — O(T) attention instead of a full O(T²) recompute).
 *
 * Layout per layer: keys and values each (nHead, capacity, headDim), row t of
 * head h at offset (h·capacity + t)·headDim, so the first L rows of a head are
 * one contiguous (L, headDim) block — exactly what the attention kernel reads.
 * Capacity grows geometrically up to blockSize (a short context does not pay
 * for nLayer × 2 × blockSize × nEmbd floats up front).
 *
 * A cache only ever grows at its end (`filled`), so rows [0, filled) never
 * change once written: several states may share one cache, each using its own
 * prefix length (see GPTLanguageModel's copy-on-write `advance`).
 */
import type { FloatArray } from '../../backend/index.js';
import { allocate, type FloatDType } from '../../tensor/dtype.js';
import { Tensor } from '../../tensor/tensor.js';

export interface KVCacheShape {
  nLayer: number;
  nHead: number;
  /** nEmbd / nHead. */
  headDim: number;
  /** Most positions the cache holds (the model's blockSize). */
  blockSize: number;
}

/**
 * Causal attention of one head: q (T, hs) for the last T of L positions, keys
 * and values (L, hs) → (T, hs); query i may see keys j ≤ i + (L − T).
 */
export type HeadAttention = (q: Tensor, keys: Tensor, values: Tensor) => Tensor;

export class KVCache {
  readonly nLayer: number;
  readonly nHead: number;
  readonly headDim: number;
  readonly blockSize: number;
  readonly dtype: FloatDType;
  /** Rows allocated per head (≤ blockSize). */
  #capacity = 0;
  /** Per layer: (nHead, capacity, headDim). */
  #keys: FloatArray[];
  #values: FloatArray[];
  /** The token ids whose keys and values are cached, in order. */
  #tokens: Int32Array;
  /** Number of positions written. */
  #filled = 0;

  constructor(shape: KVCacheShape, dtype: FloatDType = 'float32', initialCapacity = 0) {
    this.nLayer = shape.nLayer;
    this.nHead = shape.nHead;
    this.headDim = shape.headDim;
    this.blockSize = shape.blockSize;
    this.dtype = dtype;
    this.#keys = [];
    this.#values = [];
    this.#tokens = new Int32Array(0);
    this.reserve(initialCapacity);
  }

  /** Number of cached positions. */
  get filled(): number {
    return this.#filled;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** The cached token ids [0, filled) — a view; do not modify. */
  get tokens(): Int32Array {
    return this.#tokens.subarray(0, this.#filled);
  }

  /** Make room for `positions` rows per head (growing geometrically, at most blockSize). */
  reserve(positions: number): void {
    if (positions > this.blockSize) {
      throw new RangeError(`KVCache: ${positions} positions exceed blockSize ${this.blockSize}`);
    }
    if (positions <= this.#capacity) return;
    const capacity = Math.min(this.blockSize, Math.max(positions, 2 * this.#capacity, 16));
    const rowSize = this.headDim;
    const regrow = (old: FloatArray | undefined): FloatArray => {
      const grown = allocate(this.dtype, this.nHead * capacity * rowSize) as FloatArray;
      if (old && this.#filled > 0) {
        for (let h = 0; h < this.nHead; h++) {
          const from = h * this.#capacity * rowSize;
          grown.set(old.subarray(from, from + this.#filled * rowSize), h * capacity * rowSize);
        }
      }
      return grown;
    };
    for (let layer = 0; layer < this.nLayer; layer++) {
      this.#keys[layer] = regrow(this.#keys[layer]);
      this.#values[layer] = regrow(this.#values[layer]);
    }
    const tokens = new Int32Array(capacity);
    tokens.set(this.#tokens.subarray(0, this.#filled));
    this.#tokens = tokens;
    this.#capacity = capacity;
  }

  /**
   * Write the keys and values of `count` new positions of one layer, starting at
   * row `filled`. `keys`/`values` hold (nHead, count, headDim) contiguous.
   * Call `commit` once every layer has been written.
   */
  write(layer: number, keys: FloatArray, values: FloatArray, count: number): void {
    const rowSize = this.headDim;
    const start = this.#filled;
    if (start + count > this.#capacity) throw new RangeError(`KVCache.write: ${start + count} positions exceed the reserved ${this.#capacity} (call reserve first)`);
    const k = this.#keys[layer], v = this.#values[layer];
    for (let h = 0; h < this.nHead; h++) {
      const from = h * count * rowSize, to = (h * this.#capacity + start) * rowSize;
      k.set(keys.subarray(from, from + count * rowSize), to);
      v.set(values.subarray(from, from + count * rowSize), to);
    }
  }

  /**
   * One layer's attention for a chunk of T new positions (B = 1): append the
   * chunk's keys and values at rows filled…filled+T−1, then let each head's T
   * queries attend to that head's L = filled + T cached rows. q, k, v are
   * contiguous (1, nh, T, hs); returns (1, nh, T, hs). One `attend` call per head,
   * over the head's rows where they lie: a head's first L rows are one contiguous
   * (L, hs) block, while all heads' rows together are not (capacity ≥ L rows apart).
   * The same code serves a whole prompt (prefill, T = n) and each new token (T = 1).
   */
  attend(layer: number, q: Tensor, k: Tensor, v: Tensor, attend: HeadAttention): Tensor {
    const H = this.nHead, D = this.headDim;
    const T = q.shape[2];
    this.write(layer, k.data as FloatArray, v.data as FloatArray, T);
    const L = this.#filled + T;
    const queries = q.data as FloatArray;
    const out = allocate(q.dtype, H * T * D) as FloatArray;
    for (let h = 0; h < H; h++) {
      const { keys, values } = this.headView(layer, h, L);
      const y = attend(new Tensor(queries.subarray(h * T * D, (h + 1) * T * D), [T, D]), new Tensor(keys, [L, D]), new Tensor(values, [L, D]));
      out.set(y.data, h * T * D);
    }
    return new Tensor(out, [1, H, T, D]);
  }

  /** Rows [0, length) of one head's keys and values: contiguous (length, headDim) views. */
  headView(layer: number, head: number, length: number): { keys: FloatArray; values: FloatArray } {
    const from = head * this.#capacity * this.headDim;
    const to = from + length * this.headDim;
    return { keys: this.#keys[layer].subarray(from, to), values: this.#values[layer].subarray(from, to) };
  }

  /** Record that `tokens` (whose keys/values every layer has written) now occupy rows filled…filled + n − 1. */
  commit(tokens: ArrayLike<number>): void {
    const n = tokens.length;
    if (this.#filled + n > this.#capacity) throw new RangeError(`KVCache.commit: ${this.#filled + n} positions exceed the reserved ${this.#capacity}`);
    this.#tokens.set(tokens, this.#filled);
    this.#filled += n;
  }

  /** A new cache holding a copy of the first `length` positions (copy-on-write for a branching state). */
  fork(length: number, extraCapacity = 1): KVCache {
    if (!Number.isInteger(length) || length < 0 || length > this.#filled) {
      throw new RangeError(`KVCache.fork: length ${length} must be an integer in [0, ${this.#filled}]`);
    }
    const copy = new KVCache(this, this.dtype, Math.min(this.blockSize, length + extraCapacity));
    const rowSize = this.headDim;
    for (let layer = 0; layer < this.nLayer; layer++) {
      for (let h = 0; h < this.nHead; h++) {
        const from = h * this.#capacity * rowSize, to = h * copy.#capacity * rowSize;
        copy.#keys[layer].set(this.#keys[layer].subarray(from, from + length * rowSize), to);
        copy.#values[layer].set(this.#values[layer].subarray(from, from + length * rowSize), to);
      }
    }
    copy.#tokens.set(this.#tokens.subarray(0, length));
    copy.#filled = length;
    return copy;
  }
}
