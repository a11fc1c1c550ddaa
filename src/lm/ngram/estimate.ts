/**
 * From counts to probabilities: every estimator is turned into the backoff form
 * that ARPA files store,
 *
 *     p(w | c) = prob(c w)                  if the n-gram c w is stored,
 *              = backoff(c) · p(w | c′)     otherwise (c′ = c without its first word),
 *
 * so one query path (model.ts) and one file format serve them all. Orders are
 * processed from 1 up; the probability of an n-gram uses the already final
 * probability of its suffix at the order below.
 *
 * Notation (Chen & Goodman 1998): e(c w) is the count used by the estimator (raw
 * count, or the KenLM "adjusted" count for Kneser–Ney), E(c) = Σ_w e(c w),
 * T(c) = #{w : e(c w) > 0}, V = number of predictable words (the vocabulary
 * without `<s>`, and without `</s>` when there is no sentence padding).
 *
 *  - mle:    p = e/E (seed 000: counting the words after "cows eat"). Unseen words get
 *            0 (backoff weight 0).
 *  - addk:   Lidstone (k) / Laplace (k = 1): seen n-grams get (e + k)/(E + kV);
 *            the remaining k(V − T)/(E + kV) goes to the words unseen after c in
 *            proportion to the lower order (Katz 1987 backoff, as SRILM's -addsmooth).
 *            Unigrams: (e + k)/(E + kV) for every word — exactly Laplace/Lidstone.
 *  - wb:     Witten–Bell (Witten & Bell 1991), interpolated: p = (e + T·p_lower)/(E + T).
 *  - ad:     absolute discounting, interpolated: p = max(e − D, 0)/E + (D·T/E)·p_lower.
 *  - kn:     interpolated Kneser–Ney (Kneser & Ney 1995): ad on adjusted counts
 *            (continuation counts for lower orders).
 *  - mkn:    modified Kneser–Ney exactly as lmplz (Heafield et al. 2013): adjusted counts, three discounts
 *            per order, p = (e − D(e))/E + γ(c)·p_lower with
 *            γ(c) = (D1·N1(c) + D2·N2(c) + D3+·N3+(c))/E, unigrams interpolated with
 *            the uniform 1/V (V includes `<unk>`, excludes `<s>`).
 *  - stupid: stupid backoff (Brants et al. 2007): S = e/E, unseen → α·S(w | c′).
 *            Unnormalized scores, not probabilities.
 * The lowest order of wb/ad/kn/mkn is interpolated with the uniform distribution,
 * so every predictable word — `<unk>` included — gets probability > 0.
 *
 * Pruning (count thresholds per order, on raw counts as lmplz --prune) removes
 * n-grams after the statistics are taken; a pruned n-gram's own mass moves to its
 * context's backoff weight, so distributions still sum to 1.
 *
 * Each method is one record in SMOOTHING_METHODS (smoothing-methods.ts); this file
 * takes the statistics they share and runs them order by order.
 */
import type { CountTable, NgramCounts } from './counts.js';
import { countOfCounts } from './discounts.js';
import { estimationCounts, predictableMask } from './estimation-counts.js';
import { type SmoothingOptions, pruneThreshold, validateSmoothingOptions } from './smoothing.js';
import {
  chooseDiscounts,
  type ContextSums,
  discountFunction,
  type MethodParameters,
  type OrderData,
  SMOOTHING_METHODS,
  type SmoothingMethod,
} from './smoothing-methods.js';

export interface Estimate {
  /** logProb[k][id]: log10 probability of each order-k n-gram (k = 1: by word id). Index 0 unused. */
  readonly logProb: Float32Array[];
  /** logBackoff[k][id]: log10 backoff weight of each order-k n-gram as a context (k < N). */
  readonly logBackoff: (Float32Array | undefined)[];
  /** keep[k][id] = 1 for n-grams that survive pruning (undefined: all kept). */
  readonly keep: (Uint8Array | undefined)[];
  /** Discounts used per order: [D1, D2, D3+] for mkn, [D] for ad/kn, [] otherwise. */
  readonly discounts: number[][];
  /** Count-of-counts per order [n0 (unused), n1, n2, n3, n4] of the counts the estimator uses. */
  readonly countOfCounts: number[][];
  /** False for stupid backoff, whose scores do not sum to 1. */
  readonly normalized: boolean;
  /** The method's own settings with their defaults filled in: k for add-k, alpha for stupid backoff. */
  readonly settings: Readonly<Record<string, number>>;
  /** Things the caller should tell the user (fallback discounts used, …). */
  readonly warnings: string[];
}

const LOG_ZERO = Number.NEGATIVE_INFINITY;

function log10OrZero(probability: number): number {
  return probability > 0 ? Math.log10(probability) : LOG_ZERO;
}

/** Estimate all orders; see the file comment for the formulas. */
export function estimate(counts: NgramCounts, options: SmoothingOptions): Estimate {
  const highestOrder = counts.order;
  validateSmoothingOptions(options, highestOrder);
  const method = SMOOTHING_METHODS[options.smoothing];
  const predictable = predictableMask(counts.vocabSize, counts.padding);
  const parameters = methodParameters(options, predictable);
  const countsUsed = estimationCounts(counts, method.usesAdjustedCounts);
  const countOfCountsByOrder: number[][] = [[]];
  for (let order = 1; order <= highestOrder; order++) {
    // Only predictable words are unigram events.
    const include = order === 1 ? (id: number) => predictable[id] === 1 : undefined;
    countOfCountsByOrder.push(countOfCounts(countsUsed[order], include));
  }
  const warnings: string[] = [];
  const discounts: number[][] = [[]];
  for (let order = 1; order <= highestOrder; order++) {
    const discounting = method.discounting;
    discounts.push(discounting ? chooseDiscounts(discounting, options, order, countOfCountsByOrder[order], warnings) : []);
  }

  let lowerProbability = estimateUnigrams(method, countsUsed[1], predictable, discounts[1], parameters);
  const logProb: Float32Array[] = [new Float32Array(0), unigramLog10(lowerProbability, predictable)];
  const logBackoff: (Float32Array | undefined)[] = [undefined];
  const keep: (Uint8Array | undefined)[] = [undefined, undefined];
  for (let order = 2; order <= highestOrder; order++) {
    const data = orderData(counts, order, countsUsed[order], options, method, discounts[order], lowerProbability);
    const { probability, backoffWeight } = method.estimateOrder(data, parameters);
    // Order k's backoffs are those of the contexts of order k + 1.
    logBackoff.push(backoffLog10(backoffWeight, data.sums.children));
    logProb.push(probabilityLog10(probability));
    keep.push(data.kept);
    lowerProbability = probability;
  }
  // The highest order is never a context.
  logBackoff.push(undefined);
  return { logProb, logBackoff, keep, discounts, countOfCounts: countOfCountsByOrder, normalized: method.normalized, settings: method.recordedSettings(parameters), warnings };
}

function methodParameters(options: SmoothingOptions, predictable: Uint8Array): MethodParameters {
  let predictableWordCount = 0;
  for (let word = 0; word < predictable.length; word++) predictableWordCount += predictable[word];
  return {
    addK: options.k ?? 1,
    stupidBackoffFactor: options.alpha ?? 0.4,
    predictableWordCount,
    uniform: 1 / predictableWordCount,
  };
}

/** Order 1: its context is the empty history and the level below it the uniform 1/V. */
function estimateUnigrams(
  method: SmoothingMethod,
  unigramCounts: ArrayLike<number>,
  predictable: Uint8Array,
  discounts: readonly number[],
  parameters: MethodParameters,
): Float64Array {
  const vocabSize = predictable.length;
  const discount = discountFunction(method.discounting, discounts);
  // Unpredictable words have count 0 (estimationCounts), so summing over every id adds nothing for them.
  const sums = sumByContext(unigramCounts, new Int32Array(vocabSize), vocabSize, 1, method.discounting ? discount : undefined);
  if (sums.total[0] <= 0) throw new Error('cannot estimate an n-gram model from an empty corpus (no tokens were counted)');
  const probability = new Float64Array(vocabSize);
  const unigrams = { sums, discount };
  for (let word = 0; word < vocabSize; word++) {
    if (predictable[word]) probability[word] = method.unigramProbability(unigramCounts[word], unigrams, parameters);
  }
  return probability;
}

/** Everything a method needs about order k ≥ 2: its counts, links, pruning and per-context sums. */
function orderData(
  counts: NgramCounts,
  order: number,
  countsUsed: ArrayLike<number>,
  options: SmoothingOptions,
  method: SmoothingMethod,
  discounts: readonly number[],
  lowerProbability: Float64Array,
): OrderData {
  const table = counts.tables[order] as CountTable;
  const size = table.size;
  const contextCount = order === 2 ? counts.vocabSize : (counts.tables[order - 1] as CountTable).size;
  const discount = discountFunction(method.discounting, discounts);
  const parents = table.index.parents;
  return {
    size,
    counts: countsUsed,
    parents,
    suffix: table.suffix,
    kept: keptByThreshold(table, pruneThreshold(options.minCounts, order)),
    sums: sumByContext(countsUsed, parents, size, contextCount, method.discounting ? discount : undefined),
    lowerProbability,
    discount,
  };
}

/**
 * Pruning on raw counts, as lmplz --prune ("Prune n-grams with count less than or equal to the
 * given threshold"); undefined when nothing can be pruned (every count is ≥ 1).
 */
function keptByThreshold(table: CountTable, threshold: number): Uint8Array | undefined {
  if (threshold < 1) return undefined;
  const kept = new Uint8Array(table.size);
  for (let id = 0; id < table.size; id++) kept[id] = table.counts[id] > threshold ? 1 : 0;
  return kept;
}

/** E, T, children and (when `discount` is given) the discounted mass of every context. */
function sumByContext(
  counts: ArrayLike<number>,
  contextOf: Int32Array,
  size: number,
  contextCount: number,
  discount: ((count: number) => number) | undefined,
): ContextSums {
  const total = new Float64Array(contextCount);
  const distinct = new Float64Array(contextCount);
  const children = new Uint32Array(contextCount);
  const discountMass = new Float64Array(contextCount);
  for (let id = 0; id < size; id++) {
    const context = contextOf[id];
    const count = counts[id];
    children[context]++;
    total[context] += count;
    if (count > 0) distinct[context]++;
    if (discount) discountMass[context] += discount(count);
  }
  return { total, distinct, children, discountMass };
}

function unigramLog10(probability: Float64Array, predictable: Uint8Array): Float32Array {
  const result = new Float32Array(probability.length);
  for (let word = 0; word < probability.length; word++) result[word] = predictable[word] ? log10OrZero(probability[word]) : LOG_ZERO;
  return result;
}

function probabilityLog10(probability: Float64Array): Float32Array {
  const result = new Float32Array(probability.length);
  for (let id = 0; id < probability.length; id++) result[id] = log10OrZero(probability[id]);
  return result;
}

/** log10 γ(c); 0 for contexts with no children (backing off through them changes nothing). */
function backoffLog10(backoffWeight: Float64Array, children: Uint32Array): Float32Array {
  const result = new Float32Array(backoffWeight.length);
  for (let context = 0; context < backoffWeight.length; context++) result[context] = children[context] > 0 ? log10OrZero(backoffWeight[context]) : 0;
  return result;
}
