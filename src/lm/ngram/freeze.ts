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

/** A FrozenOrder while freezeOrders still fills it in. */
type OrderUnderConstruction = { -readonly [Field in keyof FrozenOrder]: FrozenOrder[Field] };

/**
 * Renumber, index and link all orders. `unigram` is order 1 (by word id);
 * inputs[k] is order k for k = 2..N.
 */
export function freezeOrders(
  vocabSize: number,
  unigram: { readonly logProb: Float32Array; readonly logBackoff?: Float32Array },
  inputs: readonly (OrderInput | undefined)[],
): FrozenOrder[] {
  const highestOrder = inputs.length - 1 < 1 ? 1 : inputs.length - 1;
  const orders: OrderUnderConstruction[] = [{ size: 0, logProb: new Float32Array(0) }];
  orders[1] = { size: vocabSize, logProb: unigram.logProb, logBackoff: highestOrder > 1 ? unigram.logBackoff ?? new Float32Array(vocabSize) : undefined };
  const parentsByOrder: Int32Array[] = [];
  let contextRenumbering: Int32Array | undefined; // old → new ids of the order below (undefined: identity)
  let haveSuffixes = true;
  for (let order = 2; order <= highestOrder; order++) {
    const input = inputs[order] as OrderInput;
    const contexts = orders[order - 1];
    const renumbered = renumberOrder(input, order, highestOrder, contexts.size, vocabSize, contextRenumbering);
    contexts.childStart = childStarts(renumbered.parents, contexts.size);
    orders[order] = renumbered.frozen;
    parentsByOrder[order] = renumbered.parents;
    contextRenumbering = renumbered.renumbering;
    if (order < highestOrder && !input.suffix) haveSuffixes = false;
  }
  if (!haveSuffixes) {
    for (let order = 2; order < highestOrder; order++) linkSuffixes(orders, order, parentsByOrder[order]);
  }
  return orders;
}

/**
 * One order in its frozen numbering: kept n-grams sorted by (parent, word), with
 * parents and suffixes translated to the new numbering of the order below.
 */
function renumberOrder(
  input: OrderInput,
  order: number,
  highestOrder: number,
  contextCount: number,
  vocabSize: number,
  contextRenumbering: Int32Array | undefined,
): { frozen: OrderUnderConstruction; parents: Int32Array; renumbering: Int32Array } {
  let ids = keptIds(input);
  const size = ids.length;
  // Parent ids in the previous order's new numbering, by old id.
  let mappedParents = input.parents;
  if (contextRenumbering) {
    mappedParents = new Int32Array(input.size);
    for (let id = 0; id < input.size; id++) mappedParents[id] = contextRenumbering[input.parents[id]];
  }
  // LSD radix: by word, then (stable) by parent → sorted by (parent, word).
  ids = sortByKey(ids, input.words, vocabSize);
  ids = sortByKey(ids, mappedParents, contextCount);
  const renumbering = new Int32Array(input.size).fill(-1);
  const words = new Int32Array(size);
  const logProb = new Float32Array(size);
  const logBackoff = order < highestOrder ? new Float32Array(size) : undefined;
  const parents = new Int32Array(size);
  const blank = input.blank ? new Uint8Array(size) : undefined;
  const suffixId = order < highestOrder && input.suffix ? new Int32Array(size) : undefined;
  for (let newId = 0; newId < size; newId++) {
    const oldId = ids[newId];
    renumbering[oldId] = newId;
    words[newId] = input.words[oldId];
    logProb[newId] = input.logProb[oldId];
    if (logBackoff && input.logBackoff) logBackoff[newId] = input.logBackoff[oldId];
    parents[newId] = mappedParents[oldId];
    if (blank && input.blank) blank[newId] = input.blank[oldId];
    if (suffixId && input.suffix) suffixId[newId] = contextRenumbering ? contextRenumbering[input.suffix[oldId]] : input.suffix[oldId];
  }
  const frozen: OrderUnderConstruction = {
    size,
    words,
    logProb,
    logBackoff,
    blank,
    suffixId,
    suffixOrder: suffixId ? new Uint8Array(size).fill(order - 1) : undefined,
    slots: buildSlots(parents, words, size),
  };
  return { frozen, parents, renumbering };
}

/** The ids that survive pruning, in order. */
function keptIds(input: OrderInput): Int32Array {
  let count = 0;
  for (let id = 0; id < input.size; id++) if (!input.keep || input.keep[id]) count++;
  const ids = new Int32Array(count);
  count = 0;
  for (let id = 0; id < input.size; id++) if (!input.keep || input.keep[id]) ids[count++] = id;
  return ids;
}

/** childStart[c] … childStart[c + 1] − 1: the ids whose parent is c (ids sorted by parent). */
function childStarts(parents: Int32Array, contextCount: number): Int32Array {
  const childStart = new Int32Array(contextCount + 1);
  for (let id = 0; id < parents.length; id++) childStart[parents[id] + 1]++;
  for (let context = 0; context < contextCount; context++) childStart[context + 1] += childStart[context];
  return childStart;
}

/**
 * Suffix links of one order 2 ≤ k < N when the input did not give them (ARPA files).
 * The longest stored proper suffix of (p w) is (s w) for the first context s on p's
 * own suffix chain for which (s w) is stored; the unigram w at the end always is.
 * Lower orders are linked first, so p's chain is already known.
 */
function linkSuffixes(orders: OrderUnderConstruction[], order: number, parents: Int32Array): void {
  const table = orders[order];
  const words = table.words as Int32Array;
  const suffixId = new Int32Array(table.size);
  const suffixOrder = new Uint8Array(table.size);
  for (let id = 0; id < table.size; id++) {
    const word = words[id];
    let contextOrder = order - 1;
    let contextId = parents[id];
    for (;;) {
      // One step down the chain: the context without its oldest word (order 1 → the empty context).
      if (contextOrder === 1) {
        contextOrder = 0;
        contextId = 0;
      } else {
        const context = orders[contextOrder];
        const shorterId = (context.suffixId as Int32Array)[contextId];
        contextOrder = (context.suffixOrder as Uint8Array)[contextId];
        contextId = shorterId;
      }
      if (contextOrder === 0) {
        suffixId[id] = word;
        suffixOrder[id] = 1;
        break;
      }
      const child = findChild(orders, contextOrder + 1, contextId, word);
      if (child >= 0) {
        suffixId[id] = child;
        suffixOrder[id] = contextOrder + 1;
        break;
      }
    }
  }
  table.suffixId = suffixId;
  table.suffixOrder = suffixOrder;
}
