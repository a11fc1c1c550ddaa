/**
 * The finished (frozen) layout of an n-gram model: a trie stored order by order.
 *
 * Within an order, n-grams are renumbered so that the children of one context are
 * contiguous and sorted by word: the children of n-gram i (order k) are the ids
 * childStart[i] .. childStart[i+1]−1 of order k+1. That gives, with no per-n-gram
 * parent pointer: enumeration of a context's children (for full next-token
 * distributions and ARPA export), a membership test for a (parent, child) pair
 * (id within the parent's range), and with a hash table of ids, O(1) lookup.
 * Each context also keeps a link to its longest stored proper suffix (the next
 * context to back off to) — KenLM's "state" idea.
 */
import { hashPair, slotCount } from './hash-index.js';

export interface FrozenOrder {
  readonly size: number;
  /** Last word of each n-gram (orders ≥ 2; order 1 ids are word ids). */
  readonly words?: Int32Array;
  /** log10 probability of each n-gram. */
  readonly logProb: Float32Array;
  /** log10 backoff weight (orders < N). */
  readonly logBackoff?: Float32Array;
  /** Children range in the next order (orders < N), length size + 1. */
  readonly childStart?: Int32Array;
  /** Longest stored proper suffix (orders 2..N−1): its id and order. */
  readonly suffixId?: Int32Array;
  readonly suffixOrder?: Uint8Array;
  /** 1 for n-grams that were not in the ARPA file but were added as contexts ("blanks"). */
  readonly blank?: Uint8Array;
  /** Open-addressing table of ids keyed by hashPair(parent, word) (orders ≥ 2). */
  readonly slots?: Int32Array;
}

/** One order's n-grams as produced by training or an ARPA reader, before renumbering. */
export interface OrderInput {
  readonly size: number;
  /** Parent id (in the order below, old numbering) of each n-gram. */
  readonly parents: Int32Array;
  readonly words: Int32Array;
  readonly logProb: Float32Array;
  /** For orders < N. */
  readonly logBackoff?: Float32Array;
  /** 0 for n-grams to drop (pruned). */
  readonly keep?: Uint8Array;
  /** Suffix ids (old numbering, order below) when already known; computed otherwise. */
  readonly suffix?: Int32Array;
  readonly blank?: Uint8Array;
}

/** Stable counting sort of `ids` by key[id] ∈ [0, range). */
function sortByKey(ids: Int32Array, key: Int32Array, range: number): Int32Array {
  const bucket = new Int32Array(range + 1);
  for (let i = 0; i < ids.length; i++) bucket[key[ids[i]] + 1]++;
  for (let r = 0; r < range; r++) bucket[r + 1] += bucket[r];
  const out = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[bucket[key[ids[i]]]++] = ids[i];
  return out;
}

/** Find the id of (parent, word) at order k in frozen orders; -1 if absent. */
export function findChild(orders: readonly FrozenOrder[], k: number, parent: number, word: number): number {
  const below = orders[k - 1].childStart as Int32Array;
  const lo = below[parent];
  const hi = below[parent + 1];
  if (lo === hi) return -1;
  const o = orders[k];
  const words = o.words as Int32Array;
  if (hi - lo <= 8) {
    for (let i = lo; i < hi; i++) if (words[i] === word) return i;
    return -1;
  }
  const slots = o.slots as Int32Array;
  const mask = slots.length - 1;
  let i = hashPair(parent, word) & mask;
  for (;;) {
    const id = slots[i];
    if (id < 0) return -1;
    if (words[id] === word && id >= lo && id < hi) return id;
    i = (i + 1) & mask;
  }
}

function buildSlots(parents: Int32Array, words: Int32Array, size: number): Int32Array {
  const cap = slotCount(Math.ceil(size * 1.5) + 1);
  const slots = new Int32Array(cap).fill(-1);
  const mask = cap - 1;
  for (let id = 0; id < size; id++) {
    let i = hashPair(parents[id], words[id]) & mask;
    while (slots[i] >= 0) i = (i + 1) & mask;
    slots[i] = id;
  }
  return slots;
}

/**
 * Renumber, index and link all orders. `unigram` is order 1 (by word id);
 * inputs[k] is order k for k = 2..N.
 */
export function freezeOrders(
  vocabSize: number,
  unigram: { readonly logProb: Float32Array; readonly logBackoff?: Float32Array },
  inputs: readonly (OrderInput | undefined)[],
): FrozenOrder[] {
  const N = inputs.length - 1 < 1 ? 1 : inputs.length - 1;
  const orders: FrozenOrder[] = [{ size: 0, logProb: new Float32Array(0) }];
  const mutable: {
    size: number;
    words?: Int32Array;
    logProb: Float32Array;
    logBackoff?: Float32Array;
    childStart?: Int32Array;
    suffixId?: Int32Array;
    suffixOrder?: Uint8Array;
    blank?: Uint8Array;
    slots?: Int32Array;
  }[] = [];
  mutable[1] = { size: vocabSize, logProb: unigram.logProb, logBackoff: N > 1 ? unigram.logBackoff ?? new Float32Array(vocabSize) : undefined };
  const newParents: Int32Array[] = [];
  let perm: Int32Array | undefined; // old → new ids of the previous order (undefined: identity)
  let haveSuffixes = true;
  for (let k = 2; k <= N; k++) {
    const inp = inputs[k] as OrderInput;
    const prevSize = mutable[k - 1].size;
    let m = 0;
    for (let id = 0; id < inp.size; id++) if (!inp.keep || inp.keep[id]) m++;
    let ids: Int32Array = new Int32Array(m);
    m = 0;
    for (let id = 0; id < inp.size; id++) if (!inp.keep || inp.keep[id]) ids[m++] = id;
    // Parent ids in the previous order's new numbering, by old id.
    let mapped = inp.parents;
    if (perm) {
      mapped = new Int32Array(inp.size);
      const parents = inp.parents;
      for (let id = 0; id < inp.size; id++) mapped[id] = perm[parents[id]];
    }
    // LSD radix: by word, then (stable) by parent → sorted by (parent, word).
    ids = sortByKey(ids, inp.words, vocabSize);
    ids = sortByKey(ids, mapped, prevSize);
    const nextPerm = new Int32Array(inp.size).fill(-1);
    const words = new Int32Array(m);
    const logProb = new Float32Array(m);
    const logBackoff = k < N ? new Float32Array(m) : undefined;
    const parents = new Int32Array(m);
    const blank = inp.blank ? new Uint8Array(m) : undefined;
    const suffixId = k < N && inp.suffix ? new Int32Array(m) : undefined;
    for (let i = 0; i < m; i++) {
      const old = ids[i];
      nextPerm[old] = i;
      words[i] = inp.words[old];
      logProb[i] = inp.logProb[old];
      if (logBackoff && inp.logBackoff) logBackoff[i] = inp.logBackoff[old];
      parents[i] = mapped[old];
      if (blank && inp.blank) blank[i] = inp.blank[old];
      if (suffixId && inp.suffix) suffixId[i] = perm ? perm[inp.suffix[old]] : inp.suffix[old];
    }
    if (k < N && !inp.suffix) haveSuffixes = false;
    const childStart = new Int32Array(prevSize + 1);
    for (let i = 0; i < m; i++) childStart[parents[i] + 1]++;
    for (let c = 0; c < prevSize; c++) childStart[c + 1] += childStart[c];
    mutable[k - 1].childStart = childStart;
    mutable[k] = {
      size: m,
      words,
      logProb,
      logBackoff,
      blank,
      suffixId,
      suffixOrder: suffixId ? new Uint8Array(m).fill(k - 1) : undefined,
      slots: buildSlots(parents, words, m),
    };
    newParents[k] = parents;
    perm = nextPerm;
  }
  for (let k = 1; k <= N; k++) orders.push(mutable[k]);

  if (!haveSuffixes) {
    // Longest stored proper suffix of (p w): the first context s on p's own suffix
    // chain for which (s w) is stored; the unigram w at the end always is.
    for (let k = 2; k < N; k++) {
      const o = mutable[k];
      const parents = newParents[k];
      const words = o.words as Int32Array;
      const suffixId = new Int32Array(o.size);
      const suffixOrder = new Uint8Array(o.size);
      for (let id = 0; id < o.size; id++) {
        const w = words[id];
        let sOrder = k - 1;
        let sId = parents[id];
        // start from the parent's suffix
        if (sOrder === 1) {
          sOrder = 0;
          sId = 0;
        } else {
          const po = mutable[sOrder];
          const nid = (po.suffixId as Int32Array)[sId];
          sOrder = (po.suffixOrder as Uint8Array)[sId];
          sId = nid;
        }
        for (;;) {
          if (sOrder === 0) {
            suffixId[id] = w;
            suffixOrder[id] = 1;
            break;
          }
          const child = findChild(orders, sOrder + 1, sId, w);
          if (child >= 0) {
            suffixId[id] = child;
            suffixOrder[id] = sOrder + 1;
            break;
          }
          if (sOrder === 1) {
            sOrder = 0;
            sId = 0;
          } else {
            const so = mutable[sOrder];
            const nid = (so.suffixId as Int32Array)[sId];
            sOrder = (so.suffixOrder as Uint8Array)[sId];
            sId = nid;
          }
        }
      }
      o.suffixId = suffixId;
      o.suffixOrder = suffixOrder;
    }
  }
  return orders;
}
