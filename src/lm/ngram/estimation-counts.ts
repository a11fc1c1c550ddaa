/**
 * The counts an estimator works with: raw counts, or for Kneser–Ney the
 * "adjusted" counts of lmplz (Heafield et al. 2013), which replace a lower-order
 * count by the number of distinct words seen before the n-gram (Kneser & Ney
 * 1995: a word's lower-order probability should reflect in how many contexts it
 * appears, not how often).
 */
import type { CountTable, NgramCounts } from './counts.js';
import { BOS_ID, EOS_ID } from './vocabulary.js';

/** Which ids are predictable: everything but `<s>`, and `</s>` when there is no padding. */
export function predictableMask(vocabSize: number, padding: boolean): Uint8Array {
  const mask = new Uint8Array(vocabSize).fill(1);
  mask[BOS_ID] = 0;
  if (!padding) mask[EOS_ID] = 0;
  return mask;
}

/**
 * The counts an estimator works with, per order (index 0 unused; order 1 by word id).
 * Raw counts, or for Kneser–Ney lmplz's adjusted counts:
 *  - the highest order keeps raw counts;
 *  - a lower-order n-gram starting with `<s>` keeps its raw count (nothing can precede `<s>`);
 *  - any other lower-order n-gram g gets N1+(• g), the number of distinct words seen before it;
 *  - `<s>` as a unigram gets 0 (it is never predicted), as do words that are not predictable.
 */
export function estimationCounts(counts: NgramCounts, adjusted: boolean): (Float64Array | Uint32Array)[] {
  const predictable = predictableMask(counts.vocabSize, counts.padding);
  const result = rawEstimationCounts(counts, predictable);
  if (!adjusted || counts.order === 1) return result;
  const startsWithBos = startsWithSentenceStart(counts);
  for (let order = counts.order; order >= 2; order--) {
    const lowerOrder = order - 1;
    const leftExtensions = countLeftExtensions(counts, order);
    if (lowerOrder === 1) {
      for (let word = 0; word < counts.vocabSize; word++) if (!predictable[word]) leftExtensions[word] = 0;
    } else {
      const rawLower = (counts.tables[lowerOrder] as CountTable).counts;
      const startsLowerWithBos = startsWithBos[lowerOrder];
      for (let id = 0; id < leftExtensions.length; id++) if (startsLowerWithBos[id]) leftExtensions[id] = rawLower[id];
    }
    result[lowerOrder] = leftExtensions;
  }
  return result;
}

/** Raw counts of every order; unigrams of unpredictable words are 0. */
function rawEstimationCounts(counts: NgramCounts, predictable: Uint8Array): (Float64Array | Uint32Array)[] {
  const result: (Float64Array | Uint32Array)[] = [new Float64Array(0)];
  const unigrams = new Float64Array(counts.vocabSize);
  for (let word = 0; word < counts.vocabSize; word++) unigrams[word] = predictable[word] ? counts.unigrams[word] : 0;
  result.push(unigrams);
  for (let order = 2; order <= counts.order; order++) {
    const table = counts.tables[order] as CountTable;
    result.push(table.counts.subarray(0, table.size));
  }
  return result;
}

/** startsWithBos[k][id]: whether the order-k n-gram begins with `<s>` (orders 1 … N−1). */
function startsWithSentenceStart(counts: NgramCounts): Uint8Array[] {
  const startsWithBos: Uint8Array[] = [new Uint8Array(0)];
  const unigramFlags = new Uint8Array(counts.vocabSize);
  unigramFlags[BOS_ID] = 1;
  startsWithBos.push(unigramFlags);
  for (let order = 2; order < counts.order; order++) {
    const table = counts.tables[order] as CountTable;
    const prefixFlags = startsWithBos[order - 1];
    const parents = table.index.parents;
    const flags = new Uint8Array(table.size);
    for (let id = 0; id < table.size; id++) flags[id] = prefixFlags[parents[id]];
    startsWithBos.push(flags);
  }
  return startsWithBos;
}

/** N1+(• g) for every n-gram g of order k−1: each distinct k-gram "v g" is one left extension of its suffix g. */
function countLeftExtensions(counts: NgramCounts, order: number): Float64Array | Uint32Array {
  const table = counts.tables[order] as CountTable;
  const lowerIsUnigram = order - 1 === 1;
  const lowerSize = lowerIsUnigram ? counts.vocabSize : (counts.tables[order - 1] as CountTable).size;
  const extensions = lowerIsUnigram ? new Float64Array(lowerSize) : new Uint32Array(lowerSize);
  const suffix = table.suffix;
  for (let id = 0; id < table.size; id++) extensions[suffix[id]]++;
  return extensions;
}
