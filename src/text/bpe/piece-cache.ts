/**
 * A bounded cache from pre-token text to its token ids, keyed directly by a
 * slice of the input string: the encoder asks "what are the ids of
 * text[start, end)?" without creating the substring (no allocation and no V8
 * string hashing per piece — the cost that dominates a Map<string, …> cache).
 *
 * Open addressing with the records inline (hash, key position and length, id
 * or value position: four int32 per slot), so a lookup touches one cache line
 * of the table; keys are copied into one Uint16Array pool of UTF-16 code units,
 * multi-id values into one Int32Array pool, a single id sits in the record. The
 * table grows with use up to 2 × maxEntries slots. When the entry limit (or a
 * pool) is full the whole cache is cleared: simple, O(1) amortized, and for
 * natural text the frequent pieces are back after a few thousand words.
 */

/** FNV-1a over UTF-16 code units. */
export function hashCodeUnits(text: string, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/** Record layout in the open-addressing table: four int32 per slot, one cache line holds four. */
const HASH = 0;
const KEY_START = 1;
const LENGTHS = 2; // key length | id count << 16; 0 = empty slot
const VALUE = 3; // the id itself when count = 1, else the start in the value pool
const STRIDE = 4;

export class PieceCache {
  readonly maxEntries: number;
  /** Grows with use up to 2 × maxEntries slots: a small table stays in the CPU cache. */
  private records: Int32Array;
  private mask: number;
  private readonly keyPool: Uint16Array;
  private readonly valuePool: Int32Array;
  private entries = 0;
  private keyUsed = 0;
  private valueUsed = 0;
  /** Pieces longer than this are not cached (rare, and they would crowd the pool). */
  readonly maxPieceLength = 256;

  constructor(maxEntries: number) {
    this.maxEntries = Math.max(1, Math.floor(maxEntries));
    let capacity = 16;
    while (capacity < Math.min(this.maxEntries * 2, 4096)) capacity *= 2;
    this.records = new Int32Array(capacity * STRIDE);
    this.mask = capacity - 1;
    // Room for at least one longest piece, so that an entry always fits after a clear.
    this.keyPool = new Uint16Array(Math.max(this.maxPieceLength, Math.min(this.maxEntries * 8, 1 << 20)));
    this.valuePool = new Int32Array(Math.max(3 * this.maxPieceLength, Math.min(this.maxEntries * 4, 1 << 19)));
  }

  get size(): number {
    return this.entries;
  }

  clear(): void {
    this.records.fill(0);
    this.entries = 0;
    this.keyUsed = 0;
    this.valueUsed = 0;
  }

  /**
   * Look up text[start, end) (hash h). On a hit, copy its ids into out[at…] and
   * return the new end; on a miss return −1. `out` must have room for
   * `maxIdsPerPiece(end − start)` more ids.
   */
  copyIfPresent(text: string, start: number, end: number, h: number, out: Int32Array, at: number): number {
    const length = end - start;
    const records = this.records;
    const keyPool = this.keyPool;
    let slot = h & this.mask;
    for (;;) {
      const r = slot * STRIDE;
      const lengths = records[r + LENGTHS]!;
      if (lengths === 0) return -1;
      if (records[r + HASH] === h && (lengths & 0xffff) === length) {
        const keyStart = records[r + KEY_START]!;
        let k = 0;
        while (k < length && keyPool[keyStart + k] === text.charCodeAt(start + k)) k++;
        if (k === length) {
          const count = lengths >>> 16;
          const value = records[r + VALUE]!;
          if (count === 1) {
            out[at] = value;
            return at + 1;
          }
          const pool = this.valuePool;
          for (let i = value; i < value + count; i++) out[at++] = pool[i]!;
          return at;
        }
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** Double the table and re-insert every record (their keys and values stay in the pools). */
  private grow(): void {
    const old = this.records;
    const capacity = (this.mask + 1) * 2;
    this.records = new Int32Array(capacity * STRIDE);
    this.mask = capacity - 1;
    for (let r = 0; r < old.length; r += STRIDE) {
      if (old[r + LENGTHS] === 0) continue;
      let slot = old[r + HASH]! & this.mask;
      while (this.records[slot * STRIDE + LENGTHS] !== 0) slot = (slot + 1) & this.mask;
      this.records.set(old.subarray(r, r + STRIDE), slot * STRIDE);
    }
  }

  /** Remember ids[0, count) for text[start, end) (hash h, not already present). */
  add(text: string, start: number, end: number, h: number, ids: Int32Array, count: number): void {
    const length = end - start;
    // A piece of at most maxPieceLength UTF-16 units has at most 3 × that many ids (one per UTF-8 byte).
    if (length > this.maxPieceLength) return;
    const valueSpace = count === 1 ? 0 : count;
    if (this.entries >= this.maxEntries || this.keyUsed + length > this.keyPool.length || this.valueUsed + valueSpace > this.valuePool.length) {
      this.clear();
    }
    this.entries++;
    if (this.entries * 2 > this.mask + 1) this.grow();
    const records = this.records;
    let slot = h & this.mask;
    while (records[slot * STRIDE + LENGTHS] !== 0) slot = (slot + 1) & this.mask;
    const r = slot * STRIDE;
    records[r + HASH] = h;
    records[r + KEY_START] = this.keyUsed;
    records[r + LENGTHS] = length | (count << 16);
    const keyPool = this.keyPool;
    for (let k = 0; k < length; k++) keyPool[this.keyUsed + k] = text.charCodeAt(start + k);
    this.keyUsed += length;
    if (count === 1) {
      records[r + VALUE] = ids[0]!;
    } else {
      records[r + VALUE] = this.valueUsed;
      this.valuePool.set(ids.subarray(0, count), this.valueUsed);
      this.valueUsed += count;
    }
  }
}
