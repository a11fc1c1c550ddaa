/**
 * A hash table from a pair of symbol ids (a, b) to a dense pair number
 * 0, 1, 2, … in insertion order. BPE lives on pairs: the trainer counts them,
 * the encoder looks up merge ranks by them. An open-addressing table over
 * Int32Arrays keeps the hot loops free of string keys, boxed doubles and
 * per-entry objects (a Map keyed by `a * 2**21 + b` costs about 3× as much).
 */
export class PairIndex {
  /** Left and right symbol of pair number i (valid for i < size). */
  left: Int32Array;
  right: Int32Array;
  size = 0;
  private slots: Int32Array; // pair number + 1; 0 marks an empty slot
  private mask: number;

  constructor(expectedPairs = 1024) {
    let capacity = 16;
    while (capacity < expectedPairs * 2) capacity *= 2;
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
    const pairs = Math.max(16, expectedPairs);
    this.left = new Int32Array(pairs);
    this.right = new Int32Array(pairs);
  }

  private static hash(a: number, b: number): number {
    let h = (Math.imul(a, 0x9e3779b1) + b) | 0;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
    return h ^ (h >>> 13);
  }

  /** The pair number of (a, b), or -1. */
  find(a: number, b: number): number {
    const { slots, mask, left, right } = this;
    let slot = PairIndex.hash(a, b) & mask;
    for (;;) {
      const entry = slots[slot];
      if (entry === 0) return -1;
      const pair = entry - 1;
      if (left[pair] === a && right[pair] === b) return pair;
      slot = (slot + 1) & mask;
    }
  }

  /** The pair number of (a, b), adding the pair (as number `size`) when it is new. */
  findOrAdd(a: number, b: number): number {
    let slot = PairIndex.hash(a, b) & this.mask;
    for (;;) {
      const entry = this.slots[slot];
      if (entry === 0) break;
      const pair = entry - 1;
      if (this.left[pair] === a && this.right[pair] === b) return pair;
      slot = (slot + 1) & this.mask;
    }
    const pair = this.size++;
    if (pair === this.left.length) {
      const grownLeft = new Int32Array(pair * 2);
      grownLeft.set(this.left);
      this.left = grownLeft;
      const grownRight = new Int32Array(pair * 2);
      grownRight.set(this.right);
      this.right = grownRight;
    }
    this.left[pair] = a;
    this.right[pair] = b;
    this.slots[slot] = pair + 1;
    // Keep the load factor at most 1/2 so probe sequences stay short.
    if (this.size * 2 > this.slots.length) this.rehash();
    return pair;
  }

  private rehash(): void {
    const capacity = this.slots.length * 2;
    const slots = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let pair = 0; pair < this.size; pair++) {
      let slot = PairIndex.hash(this.left[pair], this.right[pair]) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = pair + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
