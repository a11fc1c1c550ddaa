/**
 * Integer-keyed storage for n-grams (no string keys anywhere).
 *
 * An n-gram of order k is stored as the pair (id of its first k−1 words in the
 * order-(k−1) table, id of its last word) — a trie whose edges live in one open
 * addressing hash table per order. Ids are dense (0, 1, 2, … in insertion order),
 * so per-n-gram payloads (counts, probabilities) are plain typed arrays indexed
 * by id. Unigrams need no table: their id is the word id.
 */

/** 32-bit hash of an (parent, word) key: multiply-xor, then the murmur3 finalizer. */
export function hashPair(parent: number, word: number): number {
  let h = Math.imul(parent, 0x9e3779b1) ^ word;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Smallest power of two ≥ max(16, n). */
export function slotCount(n: number): number {
  let cap = 16;
  while (cap < n) cap *= 2;
  return cap;
}

/** Grow a typed array to at least `minLength` (doubling), keeping its contents. */
export function growInt32(a: Int32Array, minLength: number): Int32Array {
  if (a.length >= minLength) return a;
  const out = new Int32Array(Math.max(minLength, a.length * 2));
  out.set(a);
  return out;
}

export function growUint32(a: Uint32Array, minLength: number): Uint32Array {
  if (a.length >= minLength) return a;
  const out = new Uint32Array(Math.max(minLength, a.length * 2));
  out.set(a);
  return out;
}

export function growFloat32(a: Float32Array, minLength: number): Float32Array {
  if (a.length >= minLength) return a;
  const out = new Float32Array(Math.max(minLength, a.length * 2));
  out.set(a);
  return out;
}

export function growUint8(a: Uint8Array, minLength: number): Uint8Array {
  if (a.length >= minLength) return a;
  const out = new Uint8Array(Math.max(minLength, a.length * 2));
  out.set(a);
  return out;
}

/**
 * A growable (parent, word) → id hash table with linear probing, kept at most
 * half full. Used while counting and while reading ARPA files; the finished
 * model uses the frozen layout of freeze.ts.
 */
export class NgramIndex {
  /** Parent id of each n-gram, by id (valid for 0..size-1). */
  parents: Int32Array;
  /** Last word of each n-gram, by id. */
  words: Int32Array;
  size = 0;
  /** Whether the last `findOrInsert` call created a new entry. */
  inserted = false;
  private slots: Int32Array;
  private mask: number;

  constructor(expected = 1024) {
    const cap = slotCount(expected * 2);
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.parents = new Int32Array(Math.max(16, expected));
    this.words = new Int32Array(Math.max(16, expected));
  }

  /** Id of (parent, word), or -1. */
  find(parent: number, word: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let i = hashPair(parent, word) & mask;
    for (;;) {
      const id = slots[i];
      if (id < 0) return -1;
      if (this.words[id] === word && this.parents[id] === parent) return id;
      i = (i + 1) & mask;
    }
  }

  /** Id of (parent, word), inserting it with the next free id if absent (sets `inserted`). */
  findOrInsert(parent: number, word: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let i = hashPair(parent, word) & mask;
    for (;;) {
      const id = slots[i];
      if (id < 0) break;
      if (this.words[id] === word && this.parents[id] === parent) {
        this.inserted = false;
        return id;
      }
      i = (i + 1) & mask;
    }
    const id = this.size++;
    if (id >= this.words.length) {
      this.words = growInt32(this.words, id + 1);
      this.parents = growInt32(this.parents, id + 1);
    }
    this.words[id] = word;
    this.parents[id] = parent;
    slots[i] = id;
    this.inserted = true;
    if (this.size * 2 > slots.length) this.rehash(slots.length * 2);
    return id;
  }

  /** Bytes held by this index (for memory reports). */
  byteLength(): number {
    return this.slots.byteLength + this.parents.byteLength + this.words.byteLength;
  }

  private rehash(cap: number): void {
    const slots = new Int32Array(cap).fill(-1);
    const mask = cap - 1;
    for (let id = 0; id < this.size; id++) {
      let i = hashPair(this.parents[id], this.words[id]) & mask;
      while (slots[i] >= 0) i = (i + 1) & mask;
      slots[i] = id;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
