/**
 * Encoding one word with a list of merges (seed 004, "Encoding algorithm":
 * perform merge rules in the same order as in training until no more merges may
 * be done).
 *
 * Doing that literally (one pass over the word per merge) costs O(#merges).
 * Instead, repeatedly merge the adjacent pair of lowest rank, leftmost first.
 * That is the same thing: a merge creates a new symbol whose merges all come
 * later in training order, so after the pass for rank r no pair of rank ≤ r can
 * reappear, and within one rank the occurrences are merged left to right as the
 * training pass did (which matters for overlaps: "aaa" → "aa a").
 */
import { PairIndex } from './pair-index.js';

const NO_RANK = 0x7fffffff;
/** Words longer than this use the heap; shorter ones a quadratic scan that is faster at small sizes. */
const HEAP_THRESHOLD = 48;
const POSITION_SCALE = 2 ** 31;

export class MergeTable {
  /** (left, right) → rank; pair number i is merge i. */
  readonly pairs: PairIndex;
  private ranks = new Int32Array(64);
  private next = new Int32Array(0);
  private prev = new Int32Array(0);
  private heap = new Float64Array(0);

  /** Merge i joins left[i] and right[i] into result[i]; i is the rank (training order). */
  constructor(
    readonly left: Int32Array,
    readonly right: Int32Array,
    readonly result: Int32Array,
  ) {
    this.pairs = new PairIndex(left.length);
    for (let i = 0; i < left.length; i++) {
      const pair = this.pairs.findOrAdd(left[i], right[i]);
      if (pair !== i) throw new Error(`merge ${i} repeats merge ${pair} (${left[i]}, ${right[i]})`);
    }
  }

  get size(): number {
    return this.left.length;
  }

  /** Rank of merging (a, b), or -1 if they never merge. */
  rank(a: number, b: number): number {
    return this.pairs.find(a, b);
  }

  /** Apply all merges to `symbols[0..length)` in place; returns the new length. */
  apply(symbols: Int32Array, length: number, forceHeap = false): number {
    if (length < 2 || this.left.length === 0) return length;
    return length <= HEAP_THRESHOLD && !forceHeap ? this.applyByScan(symbols, length) : this.applyByHeap(symbols, length);
  }

  private applyByScan(symbols: Int32Array, length: number): number {
    if (this.ranks.length < length) this.ranks = new Int32Array(length * 2);
    const ranks = this.ranks;
    const pairs = this.pairs;
    for (let i = 0; i + 1 < length; i++) {
      const r = pairs.find(symbols[i], symbols[i + 1]);
      ranks[i] = r < 0 ? NO_RANK : r;
    }
    let n = length;
    while (n > 1) {
      let best = NO_RANK;
      let at = -1;
      for (let i = 0; i + 1 < n; i++) {
        if (ranks[i] < best) {
          best = ranks[i];
          at = i;
        }
      }
      if (at < 0) break;
      symbols[at] = this.result[best];
      for (let i = at + 1; i + 1 < n; i++) {
        symbols[i] = symbols[i + 1];
        ranks[i] = ranks[i + 1];
      }
      n--;
      if (at > 0) {
        const r = pairs.find(symbols[at - 1], symbols[at]);
        ranks[at - 1] = r < 0 ? NO_RANK : r;
      }
      if (at + 1 < n) {
        const r = pairs.find(symbols[at], symbols[at + 1]);
        ranks[at] = r < 0 ? NO_RANK : r;
      }
    }
    return n;
  }

  /**
   * O(L log L): a doubly linked list over positions and a min-heap of
   * rank·2^31 + position (rank first, then leftmost). Entries go stale when a
   * neighbour merges; a popped entry is used only if its pair still has that rank.
   */
  private applyByHeap(symbols: Int32Array, length: number): number {
    if (this.next.length < length) {
      this.next = new Int32Array(length * 2);
      this.prev = new Int32Array(length * 2);
      this.heap = new Float64Array(length * 4);
    }
    const { next, prev, pairs, result } = this;
    let heap = this.heap;
    let heapSize = 0;
    const push = (key: number): void => {
      if (heapSize === heap.length) {
        const grown = new Float64Array(heap.length * 2);
        grown.set(heap);
        heap = this.heap = grown;
      }
      let i = heapSize++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (heap[parent] <= key) break;
        heap[i] = heap[parent];
        i = parent;
      }
      heap[i] = key;
    };
    const pop = (): number => {
      const top = heap[0];
      const last = heap[--heapSize];
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= heapSize) break;
        if (child + 1 < heapSize && heap[child + 1] < heap[child]) child++;
        if (heap[child] >= last) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
      return top;
    };

    for (let i = 0; i < length; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < length ? i + 1 : -1;
      if (i + 1 < length) {
        const r = pairs.find(symbols[i], symbols[i + 1]);
        if (r >= 0) push(r * POSITION_SCALE + i);
      }
    }
    // A removed position gets prev = -2.
    while (heapSize > 0) {
      const key = pop();
      const rank = Math.floor(key / POSITION_SCALE);
      const position = key - rank * POSITION_SCALE;
      if (prev[position] === -2) continue;
      const right = next[position];
      if (right < 0 || pairs.find(symbols[position], symbols[right]) !== rank) continue;
      symbols[position] = result[rank];
      const after = next[right];
      next[position] = after;
      if (after >= 0) prev[after] = position;
      prev[right] = -2;
      const before = prev[position];
      if (before >= 0) {
        const r = pairs.find(symbols[before], symbols[position]);
        if (r >= 0) push(r * POSITION_SCALE + before);
      }
      if (after >= 0) {
        const r = pairs.find(symbols[position], symbols[after]);
        if (r >= 0) push(r * POSITION_SCALE + position);
      }
    }
    let n = 0;
    for (let i = 0; i >= 0; i = next[i]) symbols[n++] = symbols[i];
    return n;
  }
}
