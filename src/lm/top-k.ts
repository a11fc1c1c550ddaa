/**
 * Partial selection of the k largest entries of a score vector, shared by
 * sampling (top-k, top-p) and beam search.
 *
 * Sorting a 50k vocabulary every step to keep the 40 most likely tokens is
 * O(V log V); a bounded min-heap of size k does it in O(V log k), and in
 * practice O(V): most entries lose against the heap's root in one comparison.
 *
 * The order is total and deterministic: larger value first, and on equal values
 * the smaller id first — the order `ids.sort((a, b) => v[b] - v[a] || a - b)`
 * gives, so partial selection returns exactly the prefix a full sort would.
 * Entries that are −∞ or NaN are never selected (zero-probability tokens).
 */

/** True when id `a` ranks after id `b`: smaller value, or equal value and larger id. */
function ranksAfter(values: ArrayLike<number>, a: number, b: number): boolean {
  const va = values[a];
  const vb = values[b];
  return va < vb || (va === vb && a > b);
}

/** Restore the heap property below `i` in a min-heap (root = the worst kept id). */
function siftDown(values: ArrayLike<number>, heap: Int32Array, size: number, i: number): void {
  const id = heap[i];
  for (;;) {
    const left = 2 * i + 1;
    if (left >= size) break;
    const right = left + 1;
    const worse = right < size && ranksAfter(values, heap[right], heap[left]) ? right : left;
    if (!ranksAfter(values, heap[worse], id)) break;
    heap[i] = heap[worse];
    i = worse;
  }
  heap[i] = id;
}

function siftUp(values: ArrayLike<number>, heap: Int32Array, i: number): void {
  const id = heap[i];
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!ranksAfter(values, id, heap[parent])) break;
    heap[i] = heap[parent];
    i = parent;
  }
  heap[i] = id;
}

/**
 * Ids of the `k` largest finite entries of `values`, best first (ties: smaller id
 * first). Returns fewer than `k` ids when fewer entries are finite. When `scratch`
 * holds at least k entries it is used (and returned as a subarray), so a caller in a
 * hot loop allocates nothing.
 */
export function selectTopK(values: ArrayLike<number>, k: number, scratch?: Int32Array): Int32Array {
  const n = values.length;
  const capacity = Math.max(0, Math.min(k, n));
  const heap = scratch !== undefined && scratch.length >= capacity ? scratch : new Int32Array(capacity);
  if (capacity === 0) return heap.subarray(0, 0);
  let size = 0;
  for (let id = 0; id < n; id++) {
    const v = values[id];
    if (!(v > Number.NEGATIVE_INFINITY)) continue; // −∞ and NaN
    if (size < capacity) {
      heap[size] = id;
      siftUp(values, heap, size);
      size++;
    } else if (ranksAfter(values, heap[0], id)) {
      heap[0] = id;
      siftDown(values, heap, size, 0);
    }
  }
  // Heap-sort in place: repeatedly move the worst kept id to the end.
  for (let end = size - 1; end > 0; end--) {
    const worst = heap[0];
    heap[0] = heap[end];
    heap[end] = worst;
    siftDown(values, heap, end, 0);
  }
  return heap.subarray(0, size);
}

/** Index of the largest entry above −∞ (smallest id on ties; NaN never wins), or −1 when there is none. */
export function argmaxOf(values: ArrayLike<number>): number {
  let best = -1;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}
