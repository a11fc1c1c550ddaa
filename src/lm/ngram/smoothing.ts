/**
 * Smoothing names and options: what a caller (library or CLI) may ask of the
 * estimator, and the checks that reject impossible settings before any work is
 * done. The formulas themselves are in smoothing-methods.ts.
 */

export type Smoothing = 'mle' | 'addk' | 'wb' | 'ad' | 'kn' | 'mkn' | 'stupid';

export const SMOOTHINGS: readonly Smoothing[] = ['mle', 'addk', 'wb', 'ad', 'kn', 'mkn', 'stupid'];

/** Long names accepted wherever a smoothing name is (CLI and library). */
const ALIASES: Readonly<Record<string, Smoothing>> = {
  mle: 'mle',
  addk: 'addk',
  'add-k': 'addk',
  laplace: 'addk',
  lidstone: 'addk',
  wb: 'wb',
  'witten-bell': 'wb',
  ad: 'ad',
  absolute: 'ad',
  'absolute-discounting': 'ad',
  kn: 'kn',
  'kneser-ney': 'kn',
  mkn: 'mkn',
  'modified-kneser-ney': 'mkn',
  stupid: 'stupid',
  'stupid-backoff': 'stupid',
};

/** Resolve a smoothing name or alias; throws with the list of choices. */
export function parseSmoothing(name: string): Smoothing {
  const smoothing = ALIASES[name.toLowerCase()];
  if (smoothing === undefined) {
    const aliasesOnly = Object.keys(ALIASES).filter((alias) => !SMOOTHINGS.includes(alias as Smoothing));
    throw new Error(`unknown smoothing '${name}'; choose one of ${SMOOTHINGS.join(', ')} (aliases: ${aliasesOnly.join(', ')})`);
  }
  return smoothing;
}

export interface SmoothingOptions {
  readonly smoothing: Smoothing;
  /** add-k: the pseudo-count k (1 = Laplace). Default 1. */
  readonly k?: number;
  /** ad / kn: fixed discount D for all orders, or one per order (instead of estimating). */
  readonly discount?: number | readonly number[];
  /** mkn: fixed [D1, D2, D3+] per order (instead of estimating). */
  readonly discounts?: readonly (readonly number[])[];
  /**
   * When discounts cannot be estimated for an order: `false` (default) throws a
   * DiscountEstimationError; `true` uses lmplz's fallback [0.5, 1, 1.5] (ad/kn use
   * the first value); or give the three values.
   */
  readonly discountFallback?: boolean | readonly number[];
  /** stupid backoff: the constant backoff factor α. Default 0.4. */
  readonly alpha?: number;
  /**
   * Count pruning as lmplz --prune: n-grams of order k with raw count ≤ minCounts[k−1] are dropped
   * (k ≥ 2; the last value repeats; 0 keeps everything, so `[0, 0, 1]` drops singleton trigrams).
   */
  readonly minCounts?: readonly number[];
}

/** Throws (RangeError, or the unknown-name Error of parseSmoothing) for settings no estimator can use. */
export function validateSmoothingOptions(options: SmoothingOptions, order: number): void {
  if (!SMOOTHINGS.includes(options.smoothing)) parseSmoothing(options.smoothing);
  if (options.k !== undefined && !(options.k > 0 && Number.isFinite(options.k))) {
    throw new RangeError(`add-k smoothing needs k > 0, got ${options.k}`);
  }
  if (options.alpha !== undefined && !(options.alpha > 0 && Number.isFinite(options.alpha))) {
    throw new RangeError(`stupid backoff needs alpha > 0, got ${options.alpha}`);
  }
  if (options.minCounts) validatePruneThresholds(options.minCounts);
  validateDiscountOptions(options, order);
}

function validatePruneThresholds(minCounts: readonly number[]): void {
  for (let i = 0; i < minCounts.length; i++) {
    if (!Number.isInteger(minCounts[i]) || minCounts[i] < 0) throw new RangeError(`prune threshold for ${i + 1}-grams must be an integer ≥ 0, got ${minCounts[i]}`);
    // A kept n-gram's context is one order lower; a lower threshold there keeps the context too.
    if (i > 0 && minCounts[i] < minCounts[i - 1]) {
      throw new RangeError(`prune thresholds must not decrease with the order (${i}-grams: ${minCounts[i - 1]}, ${i + 1}-grams: ${minCounts[i]}), so that every kept n-gram keeps its context`);
    }
  }
  // lmplz: "threshold for unigram can only be 0 (no pruning)".
  if (minCounts.length > 0 && minCounts[0] > 0) {
    throw new RangeError(`unigrams cannot be pruned by count (threshold ${minCounts[0]}); limit the vocabulary instead (minWordCount / maxVocab, CLI --min-word-count / --max-vocab)`);
  }
}

function checkDiscountValue(value: number, what: string): void {
  if (!(value >= 0 && Number.isFinite(value))) throw new RangeError(`${what} must be a finite number ≥ 0, got ${value}`);
}

function validateDiscountOptions(options: SmoothingOptions, order: number): void {
  if (options.discount !== undefined) {
    const values = typeof options.discount === 'number' ? [options.discount] : options.discount;
    values.forEach((value) => checkDiscountValue(value, 'discount'));
  }
  if (Array.isArray(options.discountFallback)) {
    if (options.discountFallback.length !== 3) throw new RangeError(`discountFallback: need three values [D1, D2, D3+], got ${options.discountFallback.length}`);
    options.discountFallback.forEach((value: number) => checkDiscountValue(value, 'fallback discount'));
  }
  if (options.discounts) {
    if (options.discounts.length < order) throw new RangeError(`discounts: need [D1, D2, D3+] for each of the ${order} orders, got ${options.discounts.length}`);
    options.discounts.forEach((row, i) => {
      if (row.length !== 3) throw new RangeError(`discounts for ${i + 1}-grams: need three values [D1, D2, D3+], got ${row.length}`);
      row.forEach((value) => checkDiscountValue(value, `discount for ${i + 1}-grams`));
    });
  }
}

/** The pruning threshold of order k: minCounts[k−1], the last value repeating; counts ≤ it are dropped, so 0 = keep all. */
export function pruneThreshold(minCounts: readonly number[] | undefined, order: number): number {
  if (!minCounts || minCounts.length === 0) return 0;
  return minCounts[Math.min(order - 1, minCounts.length - 1)];
}
