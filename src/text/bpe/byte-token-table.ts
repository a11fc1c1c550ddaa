/**
 * Token byte strings by id, with a hash from a byte *slice* to its id — so the
 * encoder can ask "is bytes[start, end) a token?" without building a string or
 * a new array per question.
 *
 * Storage: all tokens concatenated in one Uint8Array with an offset per id;
 * open addressing (linear probing) over a power-of-two Int32Array of ids + 1.
 */

/** FNV-1a over a byte slice, 32-bit (Math.imul keeps it in int32 arithmetic). */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h;
}

export class ByteTokenTable {
  /** Number of id slots (1 + the largest id); ids without a token are holes. */
  readonly size: number;
  /** Number of tokens actually present. */
  readonly count: number;
  private readonly data: Uint8Array;
  /** Token id's bytes are data[offsets[id], offsets[id + 1]); a hole has offsets[id] === offsets[id + 1] and present[id] = 0. */
  private readonly offsets: Int32Array;
  private readonly present: Uint8Array;
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** id of each single byte, −1 where a byte is not a token. */
  readonly byteIds: Int32Array;

  /**
   * @param tokens tokens[id] = the token's bytes, or undefined for an unused id.
   * @param what names the source in error messages (e.g. the file).
   * @param indexed build the bytes → id hash (and require distinct bytes); a
   *   decode-only table (special tokens may repeat ordinary bytes) skips it.
   */
  constructor(tokens: ReadonlyArray<Uint8Array | undefined>, what = 'vocabulary', indexed = true) {
    this.size = tokens.length;
    let total = 0;
    let count = 0;
    for (const t of tokens) {
      if (t !== undefined) {
        total += t.length;
        count++;
      }
    }
    this.count = count;
    this.data = new Uint8Array(total);
    this.offsets = new Int32Array(tokens.length + 1);
    this.present = new Uint8Array(tokens.length);
    let capacity = 16;
    while (indexed && capacity < count * 2) capacity *= 2;
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.byteIds = new Int32Array(256).fill(-1);
    let offset = 0;
    for (let id = 0; id < tokens.length; id++) {
      this.offsets[id] = offset;
      const t = tokens[id];
      if (t === undefined) continue;
      if (t.length === 0) throw new Error(`${what}: token id ${id} is empty`);
      this.data.set(t, offset);
      if (indexed) {
        const existing = this.lookup(this.data, offset, offset + t.length);
        if (existing >= 0) throw new Error(`${what}: token ids ${existing} and ${id} have the same bytes`);
      }
      offset += t.length;
      this.present[id] = 1;
      this.offsets[id + 1] = offset;
      if (indexed) this.insert(id);
      if (t.length === 1 && this.byteIds[t[0]!] === -1) this.byteIds[t[0]!] = id;
    }
    this.offsets[tokens.length] = offset;
  }

  private insert(id: number): void {
    const start = this.offsets[id]!;
    let slot = hashBytes(this.data, start, this.offsets[id + 1]!) & this.mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = id + 1;
  }

  /** The id of the token whose bytes are bytes[start, end), or −1. */
  lookup(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const data = this.data;
    const offsets = this.offsets;
    let slot = hashBytes(bytes, start, end) & this.mask;
    for (;;) {
      const entry = this.slots[slot]!;
      if (entry === 0) return -1;
      const id = entry - 1;
      const tokenStart = offsets[id]!;
      if (offsets[id + 1]! - tokenStart === length) {
        let k = 0;
        while (k < length && data[tokenStart + k] === bytes[start + k]) k++;
        if (k === length) return id;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  has(id: number): boolean {
    return Number.isInteger(id) && id >= 0 && id < this.size && this.present[id] === 1;
  }

  /** The token's bytes (a view; do not modify). Throws for an unknown id. */
  bytes(id: number): Uint8Array {
    if (!this.has(id)) throw new Error(`token id ${id} is not in the vocabulary (ids 0..${this.size - 1})`);
    return this.data.subarray(this.offsets[id]!, this.offsets[id + 1]!);
  }

  /** Byte length of a token (0 for a hole). */
  length(id: number): number {
    return this.offsets[id + 1]! - this.offsets[id]!;
  }

  /**
   * Write the bytes of `ids` into `out` from `at`; returns the new end. `out`
   * must have room for `totalLength(ids)` bytes. Throws on an unknown id.
   */
  copyInto(ids: ArrayLike<number>, out: Uint8Array, at: number): number {
    const data = this.data;
    const offsets = this.offsets;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const s = offsets[id]!;
      const e = offsets[id + 1]!;
      // Every token has at least one byte, so e > s fails exactly for holes and for ids
      // outside 0..size−1 (including non-integers, where the reads are undefined).
      if (!(e > s)) throw new Error(`decode: token id ${String(id)} at position ${i} is not in the vocabulary (ids 0..${this.size - 1})`);
      // Tokens are short (a few bytes): a plain loop beats subarray + set.
      for (let k = s; k < e; k++) out[at++] = data[k]!;
    }
    return at;
  }

  /** Sum of byte lengths of ids (unknown ids count 0; copyInto reports them). */
  totalLength(ids: ArrayLike<number>): number {
    let total = 0;
    const offsets = this.offsets;
    const size = this.size;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id >= 0 && id < size) total += offsets[id + 1]! - offsets[id]!;
    }
    return total;
  }
}
