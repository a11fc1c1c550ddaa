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

/**
 * Pairs of ids below DENSE_IDS live in a directly indexed table instead of the
 * hash: a piece starts as one part per byte, and the byte tokens of tiktoken
 * rank files (and the earliest merges) have the smallest ids, so most lookups
 * — all of a piece's first n − 1 — hit this 512 KiB table, which stays in the
 * CPU cache, instead of a probe into the multi-megabyte hash (a cache miss each).
 */
const DENSE_IDS = 256;

/**
 * A one-bit-per-hash filter in front of the hash (2²¹ bits = 256 KiB, stays in
 * the CPU cache): a clear bit proves the pair is not a merge without touching
 * the table. Most lookups in text with little repetition are such misses — the
 * pair across two characters after each merge — and each would otherwise cost
 * a cache miss into the multi-megabyte table.
 */
const FILTER_BITS_LOG2 = 21;

export class PairTable {
  /** Interleaved entries; left = EMPTY marks a free slot. */
  private entries: Int32Array;
  private mask: number;
  private used = 0;
  private denseUsed = 0;
  /** [priority, result] of pair (a, b) at 2·(a·DENSE_IDS + b) for a, b < DENSE_IDS; priority −1: no merge. */
  private readonly dense = new Int32Array(2 * DENSE_IDS * DENSE_IDS).fill(-1);
  /** Bit (pairHash >>> (32 − FILTER_BITS_LOG2)) is set for every pair in the hash. */
  private readonly filter = new Int32Array(1 << (FILTER_BITS_LOG2 - 5));

  constructor(expectedSize = 1024) {
    let capacity = 16;
    while (capacity < expectedSize * 2) capacity *= 2;
    this.entries = new Int32Array(capacity * STRIDE).fill(EMPTY);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.used + this.denseUsed;
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
    if (a < DENSE_IDS && b < DENSE_IDS) {
      const d = 2 * (a * DENSE_IDS + b);
      const existing = this.dense[d]!;
      if (existing === -1) this.denseUsed++;
      else if (existing <= priority) return;
      this.dense[d] = priority;
      this.dense[d + 1] = result;
      return;
    }
    const bit = pairHash(a, b) >>> (32 - FILTER_BITS_LOG2);
    this.filter[bit >>> 5] |= 1 << (bit & 31);
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
    return this.lookup(a, b);
  }

  /**
   * Priority and result of (a, b) in one probe: returns the priority (−1 if the
   * pair is not a merge) and leaves the result in `lastResult`.
   */
  lookup(a: number, b: number): number {
    if (a < DENSE_IDS && b < DENSE_IDS) {
      const d = 2 * (a * DENSE_IDS + b);
      this.lastResult = this.dense[d + 1]!;
      return this.dense[d]!;
    }
    const bit = pairHash(a, b) >>> (32 - FILTER_BITS_LOG2);
    if ((this.filter[bit >>> 5]! & (1 << (bit & 31))) === 0) return -1;
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
    return this.lookup(a, b) < 0 ? -1 : this.lastResult;
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

/** Pieces longer than this use the heap version: timed on cl100k, the scan (quadratic in the piece length) is faster up to about 56 bytes, the heap from 64 on. */
export const HEAP_THRESHOLD = 64;

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
    // Remove part at + 1 and its pair entry. Plain loops: the arrays are short,
    // and three copyWithin calls per merge cost more than the moves themselves.
    for (let i = at + 1; i + 1 < count; i++) {
      ids[i] = ids[i + 1]!;
      prio[i] = prio[i + 1]!;
      results[i] = results[i + 1]!;
    }
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

/** Positions are below 2²², so priority·2²² + position is exact in a double (priorities < 2³¹). */
const POSITION_SCALE = 4194304;

/** Scratch state of mergeHeap, reused across calls (grown on demand) so a call allocates nothing. */
class HeapScratch {
  next = new Int32Array(0);
  prev = new Int32Array(0);
  /** Priority of the pair starting at part i (NO_MERGE: none); a heap entry is current only if it matches. */
  prio = new Int32Array(0);
  /** Result id of the pair starting at part i. */
  results = new Int32Array(0);
  /** Binary min-heap of priority·POSITION_SCALE + position. */
  heap = new Float64Array(0);
  heapSize = 0;

  reserve(count: number): void {
    if (this.next.length >= count) return;
    const size = count * 2;
    this.next = new Int32Array(size);
    this.prev = new Int32Array(size);
    this.prio = new Int32Array(size);
    this.results = new Int32Array(size);
    // The initial pairs plus at most two pushes per merge (≤ count − 1 merges).
    this.heap = new Float64Array(size * 3);
  }

  push(key: number): void {
    const heap = this.heap;
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= key) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = key;
  }

  pop(): number {
    const heap = this.heap;
    const top = heap[0]!;
    const size = --this.heapSize;
    const last = heap[size]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && heap[child + 1]! < heap[child]!) child++;
      if (heap[child]! >= last) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }

  /** Look up the pair starting at part i (its right neighbour is next[i]) and queue it if it merges. */
  refresh(i: number, ids: Int32Array, pairs: PairTable): void {
    const j = this.next[i]!;
    const p = j < 0 ? -1 : pairs.lookup(ids[i]!, ids[j]!);
    if (p < 0) {
      this.prio[i] = NO_MERGE;
      return;
    }
    this.prio[i] = p;
    this.results[i] = pairs.lastResult;
    this.push(p * POSITION_SCALE + i);
  }
}

const heapScratch = new HeapScratch();

/**
 * Same result as mergeScan in O(n log n), as production BPE encoders do it: a
 * doubly linked list of parts with each pair's priority cached, and a binary
 * min-heap of keys priority·2²² + position, stale entries skipped on pop. Ties
 * pop the lower position — the leftmost pair, since the list keeps positions in
 * order — as the scan does, so both give identical parts.
 */
export function mergeHeap(ids: Int32Array, count: number, pairs: PairTable): number {
  if (count < 2) return count;
  if (count >= POSITION_SCALE) throw new Error(`mergeHeap: a pre-token of ${count} bytes is too long (limit ${POSITION_SCALE - 1})`);
  const s = heapScratch;
  s.reserve(count);
  const { next, prev, prio, results } = s;
  s.heapSize = 0;
  for (let i = 0; i < count; i++) {
    next[i] = i + 1 < count ? i + 1 : -1;
    prev[i] = i - 1;
  }
  for (let i = 0; i < count; i++) s.refresh(i, ids, pairs);
  while (s.heapSize > 0) {
    const key = s.pop();
    const priority = Math.floor(key / POSITION_SCALE);
    const i = key - priority * POSITION_SCALE;
    // Stale: the part was merged away (prio set to NO_MERGE below), or its pair
    // changed since the push. (An entry whose priority still matches describes
    // the current pair: equal priority means the same merge.)
    if (prio[i] !== priority) continue;
    const j = next[i]!;
    ids[i] = results[i]!;
    prio[j] = NO_MERGE;
    const k = next[j]!;
    next[i] = k;
    if (k >= 0) prev[k] = i;
    s.refresh(i, ids, pairs);
    if (prev[i]! >= 0) s.refresh(prev[i]!, ids, pairs);
  }
  let out = 0;
  for (let i = 0; i >= 0; i = next[i]!) ids[out++] = ids[i]!;
  return out;
}

/** Merge with the scan for short pieces and the heap for long ones. */
export function mergeParts(ids: Int32Array, count: number, pairs: PairTable): number {
  return count > HEAP_THRESHOLD ? mergeHeap(ids, count, pairs) : mergeScan(ids, count, pairs);
}
