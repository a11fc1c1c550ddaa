/**
 * Byte-pair merging of one pre-token, as tiktoken's `byte_pair_merge` does it
 * (and as seed 004 describes encoding: apply the learned merges in the order
 * they were learned):
 *
 *   parts ← the token of each byte
 *   repeat: among adjacent pairs that form a known merge, take the one with the
 *           lowest priority (ties: the leftmost), replace it by its result
 *
 * A `PairTable` maps a pair of token ids (a, b) to (priority, result id). For a
 * tiktoken rank file both are the rank of the concatenated bytes, and the table
 * holds every split a|b of every token where a and b are tokens too — so the
 * lookup is an integer hash instead of hashing bytes per candidate pair. For a
 * merges list (Hugging Face, lmkit's trainer) the priority is the merge's index.
 */
import type { ByteTokenTable } from './byte-token-table.js';

const EMPTY = -1;

function pairHash(a: number, b: number): number {
  return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) >>> 0;
}

/** Entry layout: [left id, right id, priority, result] — one cache line holds four entries. */
const STRIDE = 4;

export class PairTable {
  /** Interleaved entries; left = EMPTY marks a free slot. */
  private entries: Int32Array;
  private mask: number;
  private used = 0;

  constructor(expectedSize = 1024) {
    let capacity = 16;
    while (capacity < expectedSize * 2) capacity *= 2;
    this.entries = new Int32Array(capacity * STRIDE).fill(EMPTY);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.used;
  }

  /** Index into `entries` of (a, b)'s entry, or of the free slot where it would go. */
  private find(a: number, b: number): number {
    const entries = this.entries;
    let slot = pairHash(a, b) & this.mask;
    for (;;) {
      const e = slot * STRIDE;
      const left = entries[e]!;
      if (left === EMPTY || (left === a && entries[e + 1] === b)) return e;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Add (a, b) → (priority, result). An existing pair keeps the lower priority (the earlier merge wins). */
  set(a: number, b: number, priority: number, result: number): void {
    if ((this.used + 1) * 2 > this.mask + 1) this.grow();
    const e = this.find(a, b);
    const entries = this.entries;
    if (entries[e] === EMPTY) {
      entries[e] = a;
      entries[e + 1] = b;
      entries[e + 2] = priority;
      entries[e + 3] = result;
      this.used++;
    } else if (priority < entries[e + 2]!) {
      entries[e + 2] = priority;
      entries[e + 3] = result;
    }
  }

  /** Priority of merging (a, b), or −1 when the pair is not a merge. */
  priority(a: number, b: number): number {
    const e = this.find(a, b);
    return this.entries[e] === EMPTY ? -1 : this.entries[e + 2]!;
  }

  /**
   * Priority and result of (a, b) in one probe: returns the priority (−1 if the
   * pair is not a merge) and leaves the result in `lastResult`.
   */
  lookup(a: number, b: number): number {
    const e = this.find(a, b);
    const entries = this.entries;
    if (entries[e] === EMPTY) return -1;
    this.lastResult = entries[e + 3]!;
    return entries[e + 2]!;
  }

  /** Result of the last successful `lookup`. */
  lastResult = -1;

  /** Result id of merging (a, b), or −1. */
  result(a: number, b: number): number {
    const e = this.find(a, b);
    return this.entries[e] === EMPTY ? -1 : this.entries[e + 3]!;
  }

  private grow(): void {
    const old = this.entries;
    const capacity = (this.mask + 1) * 2;
    this.entries = new Int32Array(capacity * STRIDE).fill(EMPTY);
    this.mask = capacity - 1;
    for (let e = 0; e < old.length; e += STRIDE) {
      if (old[e] === EMPTY) continue;
      this.entries.set(old.subarray(e, e + STRIDE), this.find(old[e]!, old[e + 1]!));
    }
  }

  /**
   * tiktoken semantics: priority = result = rank of the concatenation. Every
   * way of cutting a token into two tokens is a pair.
   */
  static fromRanks(table: ByteTokenTable): PairTable {
    const pairs = new PairTable(table.count * 2);
    for (let id = 0; id < table.size; id++) {
      if (!table.has(id)) continue;
      const bytes = table.bytes(id);
      for (let cut = 1; cut < bytes.length; cut++) {
        const a = table.lookup(bytes, 0, cut);
        if (a < 0) continue;
        const b = table.lookup(bytes, cut, bytes.length);
        if (b < 0) continue;
        pairs.set(a, b, id, id);
      }
    }
    return pairs;
  }
}

// Scratch arrays shared by every call (single-threaded; grown on demand).
let pairPriorities = new Int32Array(256);
let pairResults = new Int32Array(256);

const NO_MERGE = 0x7fffffff;

/** Pieces longer than this use the heap version (tiktoken's scan is quadratic in the piece length). */
export const HEAP_THRESHOLD = 128;

/**
 * Merge the parts `ids[0, count)` in place; returns the new count.
 * Quadratic scan, the fastest for the short pieces that pre-tokenization makes.
 */
export function mergeScan(ids: Int32Array, count: number, pairs: PairTable): number {
  if (count < 2) return count;
  if (pairPriorities.length < count) {
    pairPriorities = new Int32Array(count * 2);
    pairResults = new Int32Array(count * 2);
  }
  const prio = pairPriorities;
  const results = pairResults;
  for (let i = 0; i + 1 < count; i++) {
    const p = pairs.lookup(ids[i]!, ids[i + 1]!);
    prio[i] = p < 0 ? NO_MERGE : p;
    results[i] = pairs.lastResult;
  }
  while (count > 1) {
    let best = NO_MERGE;
    let at = -1;
    for (let i = 0; i + 1 < count; i++) {
      if (prio[i]! < best) {
        best = prio[i]!;
        at = i;
      }
    }
    if (at < 0) break;
    ids[at] = results[at]!;
    // Remove part at + 1 and its pair entry.
    ids.copyWithin(at + 1, at + 2, count);
    prio.copyWithin(at, at + 1, count - 1);
    results.copyWithin(at, at + 1, count - 1);
    count--;
    if (at + 1 < count) {
      const p = pairs.lookup(ids[at]!, ids[at + 1]!);
      prio[at] = p < 0 ? NO_MERGE : p;
      results[at] = pairs.lastResult;
    }
    if (at > 0) {
      const p = pairs.lookup(ids[at - 1]!, ids[at]!);
      prio[at - 1] = p < 0 ? NO_MERGE : p;
      results[at - 1] = pairs.lastResult;
    }
  }
  return count;
}

/**
 * Same result as mergeScan in O(n log n): a doubly linked list of parts and a
 * binary min-heap of keys priority·2²² + position (exact in a double), stale
 * entries skipped on pop. Ties pop the lower position — the leftmost pair — as
 * the scan does, so both give identical parts.
 */
export function mergeHeap(ids: Int32Array, count: number, pairs: PairTable): number {
  if (count < 2) return count;
  const POSITION_SCALE = 4194304;
  if (count >= POSITION_SCALE) throw new Error(`mergeHeap: a pre-token of ${count} bytes is too long (limit ${POSITION_SCALE - 1})`);
  const next = new Int32Array(count);
  const prev = new Int32Array(count);
  const prio = new Int32Array(count);
  const alive = new Uint8Array(count).fill(1);
  // The initial pairs plus at most two pushes per merge (≤ count − 1 merges).
  const heap = new Float64Array(count * 3);
  let heapSize = 0;
  const push = (key: number): void => {
    let i = heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= key) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = key;
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap[--heapSize]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= heapSize) break;
      if (child + 1 < heapSize && heap[child + 1]! < heap[child]!) child++;
      if (heap[child]! >= last) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  };
  const refresh = (i: number): void => {
    const j = next[i]!;
    const p = j < 0 ? -1 : pairs.priority(ids[i]!, ids[j]!);
    prio[i] = p < 0 ? NO_MERGE : p;
    if (p >= 0) push(p * POSITION_SCALE + i);
  };
  for (let i = 0; i < count; i++) {
    next[i] = i + 1 < count ? i + 1 : -1;
    prev[i] = i - 1;
  }
  for (let i = 0; i < count; i++) refresh(i);
  while (heapSize > 0) {
    const key = pop();
    const priority = Math.floor(key / POSITION_SCALE);
    const i = key - priority * POSITION_SCALE;
    // Stale: the part was merged away, or its pair changed since the push. (An
    // entry whose priority still matches describes the current pair: equal
    // priority means the same merge.)
    if (alive[i] === 0 || prio[i] !== priority) continue;
    const j = next[i]!;
    ids[i] = pairs.result(ids[i]!, ids[j]!);
    alive[j] = 0;
    const k = next[j]!;
    next[i] = k;
    if (k >= 0) prev[k] = i;
    refresh(i);
    if (prev[i]! >= 0) refresh(prev[i]!);
  }
  let out = 0;
  for (let i = 0; i >= 0; i = next[i]!) ids[out++] = ids[i]!;
  return out;
}

/** Merge with the scan for short pieces and the heap for long ones. */
export function mergeParts(ids: Int32Array, count: number, pairs: PairTable): number {
  return count > HEAP_THRESHOLD ? mergeHeap(ids, count, pairs) : mergeScan(ids, count, pairs);
}
