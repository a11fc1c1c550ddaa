/**
 * One record per smoothing method: which counts it estimates from, how it
 * discounts, its unigram distribution, and how it turns the counts of one order
 * k ≥ 2 into probabilities and backoff weights given the final probabilities of
 * order k − 1. estimate.ts runs them; the formulas are in its file comment.
 *
 * Notation (Chen & Goodman 1998): e = the count the estimator uses, E(c) = Σ_w e(c w),
 * T(c) = #{w : e(c w) > 0}, V = number of predictable words.
 *
 * Three ways of combining an order with the one below are used:
 *  - interpolation (Witten–Bell, absolute discounting, Kneser–Ney): every stored
 *    n-gram gets its own mass plus a share γ(c)·p(w | c′) of the lower order;
 *  - Katz backoff (Katz 1987) for mle and add-k: the mass the stored n-grams leave
 *    goes to the unseen words in proportion to the lower order;
 *  - stupid backoff (Brants et al. 2007): a constant factor α, no normalization.
 * Floating-point operations are written in one fixed order: the Kneser–Ney
 * results are compared to lmplz's to 8e-7 and must not drift.
 */
import {
  absoluteDiscount,
  DEFAULT_FALLBACK_DISCOUNTS,
  DiscountEstimationError,
  modifiedKneserNeyDiscounts,
} from './discounts.js';
import type { Smoothing, SmoothingOptions } from './smoothing.js';

/** Settings every method reads, fixed for one estimate. */
export interface MethodParameters {
  /** add-k: the pseudo-count k. */
  readonly addK: number;
  /** Stupid backoff: the constant backoff factor α. */
  readonly stupidBackoffFactor: number;
  /** V: the number of predictable words. */
  readonly predictableWordCount: number;
  /** 1/V: the uniform distribution the lowest order of interpolated methods falls back on. */
  readonly uniform: number;
}

/** Sums over the n-grams of one order that share a context, by context id. */
export interface ContextSums {
  /** E(c) = Σ_w e(c w). */
  readonly total: Float64Array;
  /** T(c) = #{w : e(c w) > 0}. */
  readonly distinct: Float64Array;
  /** Stored n-grams with context c (also those with e = 0). */
  readonly children: Uint32Array;
  /** Σ_w D(e(c w)): the mass discounting takes from c (all 0 for methods that do not discount). */
  readonly discountMass: Float64Array;
}

/** One order k ≥ 2 as a method sees it. */
export interface OrderData {
  readonly size: number;
  /** e by n-gram id. */
  readonly counts: ArrayLike<number>;
  /** Context (the n-gram without its last word, an id of order k − 1) by n-gram id. */
  readonly parents: Int32Array;
  /** The n-gram without its first word (an id of order k − 1) by n-gram id. */
  readonly suffix: Int32Array;
  /** kept[id] = 0 for n-grams removed by pruning (undefined: all kept). */
  readonly kept: Uint8Array | undefined;
  readonly sums: ContextSums;
  /** Final probabilities of order k − 1, by id. */
  readonly lowerProbability: Float64Array;
  /** D(e) of this order, never more than e. */
  readonly discount: (count: number) => number;
}

/** The unigrams: all share one context, the empty history, with id 0. */
export type UnigramData = Pick<OrderData, 'sums' | 'discount'>;

/** What a method makes of one order: probabilities by n-gram id, backoff weights γ(c) by context id. */
export interface OrderProbabilities {
  readonly probability: Float64Array;
  /** γ(c), linear; only meaningful for contexts with children. */
  readonly backoffWeight: Float64Array;
}

/** How a discounting method obtains and applies its discounts. */
export interface Discounting {
  /** Names of the discounts of one order, for messages: ['D'] or ['D1', 'D2', 'D3+']. */
  readonly labels: readonly string[];
  /** The discounts the options fix for this order, if any. */
  given(options: SmoothingOptions, order: number): number[] | undefined;
  /** Estimated from the count-of-counts; throws DiscountEstimationError. */
  estimated(order: number, countOfCounts: readonly number[]): number[];
  /** D(e) for a count e ≥ 1, before it is capped at e. */
  amount(discounts: readonly number[], count: number): number;
}

export interface SmoothingMethod {
  readonly name: Smoothing;
  /** Kneser–Ney methods estimate the lower orders from adjusted counts (see estimation-counts.ts). */
  readonly usesAdjustedCounts: boolean;
  /** False for stupid backoff, whose scores do not sum to 1. */
  readonly normalized: boolean;
  /** Undefined for methods that take nothing from seen n-grams by a discount. */
  readonly discounting: Discounting | undefined;
  /** The method's own settings, as recorded in a trained model's metadata. */
  recordedSettings(parameters: MethodParameters): Record<string, number>;
  /** p(w) from the unigram count e. */
  unigramProbability(count: number, unigrams: UnigramData, parameters: MethodParameters): number;
  estimateOrder(order: OrderData, parameters: MethodParameters): OrderProbabilities;
}

// ---------------------------------------------------------------- discounts

/** Absolute discounting and Kneser–Ney: one discount per order (Ney, Essen & Kneser 1994; Kneser & Ney 1995). */
const SINGLE_DISCOUNT: Discounting = {
  labels: ['D'],
  given: (options, order) => {
    const fixed = options.discount;
    if (fixed === undefined) return undefined;
    return [typeof fixed === 'number' ? fixed : fixed[Math.min(order - 1, fixed.length - 1)]];
  },
  estimated: (order, countOfCounts) => [absoluteDiscount(order, countOfCounts)],
  amount: (discounts) => discounts[0],
};

/** Modified Kneser–Ney: D1, D2, D3+ by the n-gram's count (Chen & Goodman 1998). */
const THREE_DISCOUNTS: Discounting = {
  labels: ['D1', 'D2', 'D3+'],
  given: (options, order) => (options.discounts ? [...options.discounts[order - 1]] : undefined),
  estimated: modifiedKneserNeyDiscounts,
  amount: (discounts, count) => (count >= 3 ? discounts[2] : count === 2 ? discounts[1] : discounts[0]),
};

/**
 * The discounts of one order: given, else estimated, else — when estimation
 * fails and the options allow it — lmplz's --discount_fallback values, with a warning.
 */
export function chooseDiscounts(
  discounting: Discounting,
  options: SmoothingOptions,
  order: number,
  countOfCounts: readonly number[],
  warnings: string[],
): number[] {
  const given = discounting.given(options, order);
  if (given) return given;
  try {
    return discounting.estimated(order, countOfCounts);
  } catch (err) {
    const fallback = options.discountFallback === true ? DEFAULT_FALLBACK_DISCOUNTS : options.discountFallback || undefined;
    if (!(err instanceof DiscountEstimationError) || !fallback) throw err;
    const values = fallback.slice(0, discounting.labels.length);
    const described = values.map((value, i) => `${discounting.labels[i]}=${value}`).join(' ');
    // Keep the reason, drop the advice (which suggests the fallback just taken).
    warnings.push(`${err.message.split(' (count-of-counts')[0]}; using fallback discount${values.length > 1 ? 's' : ''} ${described}`);
    return values;
  }
}

/** D(e) for one order's discounts: 0 for unseen n-grams, and never more than e itself. */
export function discountFunction(discounting: Discounting | undefined, discounts: readonly number[]): (count: number) => number {
  if (!discounting) return () => 0;
  return (count) => {
    if (count <= 0) return 0;
    const amount = discounting.amount(discounts, count);
    return amount < count ? amount : count;
  };
}

// ---------------------------------------------------------------- interpolation

/** The two parts of an interpolated estimate p(w | c) = own(c w) + γ(c)·p(w | c′). */
interface Interpolation {
  ownMass(count: number, sums: ContextSums, context: number, discount: (count: number) => number): number;
  lowerWeight(sums: ContextSums, context: number): number;
}

/** Witten & Bell 1991: the lower order gets weight T/(E + T), as if each new word type were one extra event. */
const WITTEN_BELL_INTERPOLATION: Interpolation = {
  ownMass: (count, sums, context) => count / (sums.total[context] + sums.distinct[context]),
  lowerWeight: (sums, context) => sums.distinct[context] / (sums.total[context] + sums.distinct[context]),
};

/** Absolute discounting / Kneser–Ney: the lower order gets exactly the mass the discounts took. */
const DISCOUNTED_INTERPOLATION: Interpolation = {
  ownMass: (count, sums, context, discount) => (sums.total[context] > 0 ? (count - discount(count)) / sums.total[context] : 0),
  lowerWeight: (sums, context) => (sums.total[context] > 0 ? sums.discountMass[context] / sums.total[context] : 1),
};

function interpolatedOrder(interpolation: Interpolation): SmoothingMethod['estimateOrder'] {
  return (order) => {
    const { size, counts, parents, suffix, kept, sums, lowerProbability, discount } = order;
    const backoffWeight = new Float64Array(sums.total.length);
    for (let context = 0; context < backoffWeight.length; context++) {
      if (sums.children[context] > 0) backoffWeight[context] = interpolation.lowerWeight(sums, context);
    }
    // A pruned n-gram's own mass goes to its context's backoff, so the context still sums to 1.
    if (kept) {
      for (let id = 0; id < size; id++) {
        if (!kept[id]) backoffWeight[parents[id]] += interpolation.ownMass(counts[id], sums, parents[id], discount);
      }
    }
    const probability = new Float64Array(size);
    for (let id = 0; id < size; id++) {
      if (kept && !kept[id]) continue;
      const context = parents[id];
      probability[id] = interpolation.ownMass(counts[id], sums, context, discount) + backoffWeight[context] * lowerProbability[suffix[id]];
    }
    return { probability, backoffWeight };
  };
}

/** The lowest order of an interpolated method, interpolated with the uniform 1/V (as lmplz does). */
function interpolatedUnigram(interpolation: Interpolation, count: number, unigrams: UnigramData, uniform: number): number {
  return interpolation.ownMass(count, unigrams.sums, 0, unigrams.discount) + interpolation.lowerWeight(unigrams.sums, 0) * uniform;
}

// ---------------------------------------------------------------- backoff

/** Own probability of a seen n-gram under a backoff method. */
type SeenProbability = (count: number, sums: ContextSums, context: number, parameters: MethodParameters) => number;

const relativeFrequency: SeenProbability = (count, sums, context) => count / sums.total[context];

/** Lidstone's law: k pseudo-counts for every predictable word (k = 1: Laplace). */
const addKFrequency: SeenProbability = (count, sums, context, parameters) =>
  (count + parameters.addK) / (sums.total[context] + parameters.addK * parameters.predictableWordCount);

/**
 * Katz backoff (as SRILM's -addsmooth): seen n-grams keep their own probability;
 * what is left over goes to the unseen words in proportion to the lower order, so
 * γ(c) = (1 − Σ own) / (1 − Σ p_lower over the seen words).
 */
function katzBackoffOrder(seenProbability: SeenProbability): SmoothingMethod['estimateOrder'] {
  return (order, parameters) => {
    const { size, counts, parents, suffix, kept, sums, lowerProbability } = order;
    const contextCount = sums.total.length;
    const probability = new Float64Array(size);
    const ownSum = new Float64Array(contextCount);
    const lowerSum = new Float64Array(contextCount);
    for (let id = 0; id < size; id++) {
      if (kept && !kept[id]) continue;
      const context = parents[id];
      const own = seenProbability(counts[id], sums, context, parameters);
      probability[id] = own;
      ownSum[context] += own;
      lowerSum[context] += lowerProbability[suffix[id]];
    }
    const backoffWeight = new Float64Array(contextCount);
    for (let context = 0; context < contextCount; context++) {
      if (sums.children[context] === 0) continue;
      const left = 1 - ownSum[context];
      const lowerLeft = 1 - lowerSum[context];
      // Rounding can leave ±1e-16 where nothing is left: treat it as exactly nothing.
      backoffWeight[context] = left > 1e-12 && lowerLeft > 1e-12 ? left / lowerLeft : 0;
    }
    return { probability, backoffWeight };
  };
}

/** Brants et al. 2007: S(w | c) = e/E when seen, else α·S(w | c′); scores, not probabilities. */
const stupidBackoffOrder: SmoothingMethod['estimateOrder'] = (order, parameters) => {
  const { size, counts, parents, kept, sums } = order;
  const probability = new Float64Array(size);
  for (let id = 0; id < size; id++) {
    if (kept && !kept[id]) continue;
    probability[id] = relativeFrequency(counts[id], sums, parents[id], parameters);
  }
  const backoffWeight = new Float64Array(sums.total.length);
  for (let context = 0; context < backoffWeight.length; context++) {
    if (sums.children[context] > 0) backoffWeight[context] = parameters.stupidBackoffFactor;
  }
  return { probability, backoffWeight };
};

// ---------------------------------------------------------------- the methods

/** Interpolated with the uniform distribution at the lowest order and discounted at every order. */
function discountedMethod(name: Smoothing, discounting: Discounting, usesAdjustedCounts: boolean): SmoothingMethod {
  return {
    name,
    usesAdjustedCounts,
    normalized: true,
    discounting,
    recordedSettings: () => ({}),
    unigramProbability: (count, unigrams, parameters) => interpolatedUnigram(DISCOUNTED_INTERPOLATION, count, unigrams, parameters.uniform),
    estimateOrder: interpolatedOrder(DISCOUNTED_INTERPOLATION),
  };
}

/** Katz backoff over a seen-n-gram probability that is also the unigram distribution. */
function backoffMethod(name: Smoothing, seenProbability: SeenProbability, recordedSettings: SmoothingMethod['recordedSettings']): SmoothingMethod {
  return {
    name,
    usesAdjustedCounts: false,
    normalized: true,
    discounting: undefined,
    recordedSettings,
    unigramProbability: (count, unigrams, parameters) => seenProbability(count, unigrams.sums, 0, parameters),
    estimateOrder: katzBackoffOrder(seenProbability),
  };
}

export const SMOOTHING_METHODS: Readonly<Record<Smoothing, SmoothingMethod>> = {
  /** Maximum likelihood: p = e/E (seed 000's "cows eat" table: p(corn | cows eat) = 4/11); unseen words get 0. */
  mle: backoffMethod('mle', relativeFrequency, () => ({})),
  /** Lidstone / Laplace: (e + k)/(E + kV) for seen n-grams, the rest by Katz backoff. */
  addk: backoffMethod('addk', addKFrequency, (parameters) => ({ k: parameters.addK })),
  wb: {
    name: 'wb',
    usesAdjustedCounts: false,
    normalized: true,
    discounting: undefined,
    recordedSettings: () => ({}),
    // (e + T/V)/(E + T) is own + γ/V written as one fraction; kept in this form
    // because the two round differently in the last bit and saved models must not change.
    unigramProbability: (count, { sums }, parameters) => (count + sums.distinct[0] * parameters.uniform) / (sums.total[0] + sums.distinct[0]),
    estimateOrder: interpolatedOrder(WITTEN_BELL_INTERPOLATION),
  },
  /** Absolute discounting (Ney, Essen & Kneser 1994), interpolated, on raw counts. */
  ad: discountedMethod('ad', SINGLE_DISCOUNT, false),
  /** Interpolated Kneser–Ney (Kneser & Ney 1995): absolute discounting on adjusted counts. */
  kn: discountedMethod('kn', SINGLE_DISCOUNT, true),
  /** Modified Kneser–Ney (Chen & Goodman 1998) exactly as lmplz (Heafield et al. 2013). */
  mkn: discountedMethod('mkn', THREE_DISCOUNTS, true),
  stupid: {
    name: 'stupid',
    usesAdjustedCounts: false,
    normalized: false,
    discounting: undefined,
    recordedSettings: (parameters) => ({ alpha: parameters.stupidBackoffFactor }),
    unigramProbability: (count, { sums }, parameters) => relativeFrequency(count, sums, 0, parameters),
    estimateOrder: stupidBackoffOrder,
  },
};
