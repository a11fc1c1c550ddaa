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
 *  - mle:    p = e/E. Unseen words get 0 (backoff weight 0).
 *  - addk:   Lidstone (k) / Laplace (k = 1): seen n-grams get (e + k)/(E + kV);
 *            the remaining k(V − T)/(E + kV) goes to the words unseen after c in
 *            proportion to the lower order (Katz backoff, as SRILM's -addsmooth).
 *            Unigrams: (e + k)/(E + kV) for every word — exactly Laplace/Lidstone.
 *  - wb:     Witten–Bell, interpolated: p = (e + T·p_lower)/(E + T).
 *  - ad:     absolute discounting, interpolated: p = max(e − D, 0)/E + (D·T/E)·p_lower.
 *  - kn:     interpolated Kneser–Ney: ad on adjusted counts (continuation counts for lower orders).
 *  - mkn:    modified Kneser–Ney exactly as lmplz: adjusted counts, three discounts
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
 */
import type { NgramCounts } from './counts.js';
import {
  absoluteDiscount,
  countOfCounts,
  DEFAULT_FALLBACK_DISCOUNTS,
  DiscountEstimationError,
  modifiedKneserNeyDiscounts,
} from './discounts.js';
import { BOS_ID, EOS_ID } from './vocabulary.js';

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
  const s = ALIASES[name.toLowerCase()];
  if (s === undefined) {
    throw new Error(`unknown smoothing '${name}'; choose one of ${SMOOTHINGS.join(', ')} (aliases: ${Object.keys(ALIASES).filter((a) => !SMOOTHINGS.includes(a as Smoothing)).join(', ')})`);
  }
  return s;
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
  /** Count pruning: n-grams of order k with raw count < minCounts[k−1] are dropped (k ≥ 2; the last value repeats). */
  readonly minCounts?: readonly number[];
}

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
  /** Things the caller should tell the user (fallback discounts used, …). */
  readonly warnings: string[];
}

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
  const N = counts.order;
  const V = counts.vocabSize;
  const predictable = predictableMask(V, counts.padding);
  const est: (Float64Array | Uint32Array)[] = [new Float64Array(0)];
  const uni = new Float64Array(V);
  for (let w = 0; w < V; w++) uni[w] = predictable[w] ? counts.unigrams[w] : 0;
  est.push(uni);
  for (let k = 2; k <= N; k++) {
    const t = counts.tables[k]!;
    est.push(t.counts.subarray(0, t.size));
  }
  if (!adjusted || N === 1) return est;

  // startsBos[k][id]: whether the order-k n-gram begins with <s>.
  const startsBos: Uint8Array[] = [new Uint8Array(0)];
  const uniBos = new Uint8Array(V);
  uniBos[BOS_ID] = 1;
  startsBos.push(uniBos);
  for (let k = 2; k < N; k++) {
    const t = counts.tables[k]!;
    const below = startsBos[k - 1];
    const flags = new Uint8Array(t.size);
    const parents = t.index.parents;
    for (let id = 0; id < t.size; id++) flags[id] = below[parents[id]];
    startsBos.push(flags);
  }
  for (let k = N; k >= 2; k--) {
    const t = counts.tables[k]!;
    const lowerSize = k - 1 === 1 ? V : counts.tables[k - 1]!.size;
    const cont = k - 1 === 1 ? new Float64Array(lowerSize) : new Uint32Array(lowerSize);
    const suffix = t.suffix;
    // Each distinct k-gram "v g" is one left extension of its suffix g.
    for (let id = 0; id < t.size; id++) cont[suffix[id]]++;
    if (k - 1 === 1) {
      for (let w = 0; w < V; w++) if (!predictable[w]) cont[w] = 0;
    } else {
      const raw = counts.tables[k - 1]!.counts;
      const bos = startsBos[k - 1];
      for (let id = 0; id < lowerSize; id++) if (bos[id]) cont[id] = raw[id];
    }
    est[k - 1] = cont;
  }
  return est;
}

function thresholdFor(minCounts: readonly number[] | undefined, k: number): number {
  if (!minCounts || minCounts.length === 0) return 0;
  return minCounts[Math.min(k - 1, minCounts.length - 1)];
}

function validate(options: SmoothingOptions, order: number): void {
  const { smoothing } = options;
  if (!SMOOTHINGS.includes(smoothing)) parseSmoothing(smoothing);
  if (options.k !== undefined && !(options.k > 0 && Number.isFinite(options.k))) {
    throw new RangeError(`add-k smoothing needs k > 0, got ${options.k}`);
  }
  if (options.alpha !== undefined && !(options.alpha > 0 && Number.isFinite(options.alpha))) {
    throw new RangeError(`stupid backoff needs alpha > 0, got ${options.alpha}`);
  }
  const mc = options.minCounts;
  if (mc) {
    for (let i = 0; i < mc.length; i++) {
      if (!Number.isInteger(mc[i]) || mc[i] < 0) throw new RangeError(`prune threshold for ${i + 1}-grams must be an integer ≥ 0, got ${mc[i]}`);
      if (i > 0 && mc[i] < mc[i - 1]) {
        throw new RangeError(`prune thresholds must not decrease with the order (${i}-grams: ${mc[i - 1]}, ${i + 1}-grams: ${mc[i]}), so that every kept n-gram keeps its context`);
      }
    }
    if (mc.length > 0 && mc[0] > 1) {
      throw new RangeError(`unigrams cannot be pruned by count (threshold ${mc[0]}); limit the vocabulary instead (minWordCount / maxVocab, CLI --min-word-count / --max-vocab)`);
    }
  }
  const checkD = (d: number, what: string): void => {
    if (!(d >= 0 && Number.isFinite(d))) throw new RangeError(`${what} must be a finite number ≥ 0, got ${d}`);
  };
  if (options.discount !== undefined) {
    const ds = typeof options.discount === 'number' ? [options.discount] : options.discount;
    ds.forEach((d) => checkD(d, 'discount'));
  }
  if (Array.isArray(options.discountFallback)) {
    if (options.discountFallback.length !== 3) throw new RangeError(`discountFallback: need three values [D1, D2, D3+], got ${options.discountFallback.length}`);
    options.discountFallback.forEach((d: number) => checkD(d, 'fallback discount'));
  }
  if (options.discounts) {
    if (options.discounts.length < order) throw new RangeError(`discounts: need [D1, D2, D3+] for each of the ${order} orders, got ${options.discounts.length}`);
    options.discounts.forEach((row, i) => {
      if (row.length !== 3) throw new RangeError(`discounts for ${i + 1}-grams: need three values [D1, D2, D3+], got ${row.length}`);
      row.forEach((d) => checkD(d, `discount for ${i + 1}-grams`));
    });
  }
}

/** Discounts for every order (index k), estimated or given. */
function chooseDiscounts(options: SmoothingOptions, coc: number[][], order: number, warnings: string[]): number[][] {
  const s = options.smoothing;
  const out: number[][] = [[]];
  const fallback = options.discountFallback === true ? DEFAULT_FALLBACK_DISCOUNTS : options.discountFallback || undefined;
  for (let k = 1; k <= order; k++) {
    if (s === 'mkn') {
      if (options.discounts) {
        out.push([...options.discounts[k - 1]]);
        continue;
      }
      try {
        out.push(modifiedKneserNeyDiscounts(k, coc[k]));
      } catch (err) {
        if (!(err instanceof DiscountEstimationError) || !fallback) throw err;
        warnings.push(`${err.message.split(' (count-of-counts')[0]}; using fallback discounts D1=${fallback[0]} D2=${fallback[1]} D3+=${fallback[2]}`);
        out.push([fallback[0], fallback[1], fallback[2]]);
      }
    } else if (s === 'ad' || s === 'kn') {
      if (options.discount !== undefined) {
        const d = typeof options.discount === 'number' ? options.discount : options.discount[Math.min(k - 1, options.discount.length - 1)];
        out.push([d]);
        continue;
      }
      try {
        out.push([absoluteDiscount(k, coc[k])]);
      } catch (err) {
        if (!(err instanceof DiscountEstimationError) || !fallback) throw err;
        warnings.push(`${err.message.split(' (count-of-counts')[0]}; using fallback discount D=${fallback[0]}`);
        out.push([fallback[0]]);
      }
    } else {
      out.push([]);
    }
  }
  return out;
}

const LOG_ZERO = Number.NEGATIVE_INFINITY;

function log10OrZero(p: number): number {
  return p > 0 ? Math.log10(p) : LOG_ZERO;
}

/** Estimate all orders; see the file comment for the formulas. */
export function estimate(counts: NgramCounts, options: SmoothingOptions): Estimate {
  const N = counts.order;
  const V = counts.vocabSize;
  validate(options, N);
  const s = options.smoothing;
  const kk = options.k ?? 1;
  const alpha = options.alpha ?? 0.4;
  const predictable = predictableMask(V, counts.padding);
  let Vn = 0;
  for (let w = 0; w < V; w++) Vn += predictable[w];
  const interpolated = s === 'wb' || s === 'ad' || s === 'kn' || s === 'mkn';
  const katz = s === 'mle' || s === 'addk';
  const discounted = s === 'ad' || s === 'kn' || s === 'mkn';

  const est = estimationCounts(counts, s === 'kn' || s === 'mkn');
  const coc: number[][] = [[]];
  for (let k = 1; k <= N; k++) coc.push(countOfCounts(est[k], k === 1 ? (i) => predictable[i] === 1 : undefined));
  const warnings: string[] = [];
  const discounts = chooseDiscounts(options, coc, N, warnings);

  // Amount taken from an n-gram with count e at order k (never more than e).
  const discountOf = (k: number, e: number): number => {
    if (e <= 0) return 0;
    const d = discounts[k];
    const amount = s === 'mkn' ? (e >= 3 ? d[2] : e === 2 ? d[1] : d[0]) : d[0];
    return amount < e ? amount : e;
  };

  const logProb: Float32Array[] = [new Float32Array(0)];
  const logBackoff: (Float32Array | undefined)[] = [undefined];
  const keep: (Uint8Array | undefined)[] = [undefined, undefined];

  // ---- order 1: context is the empty history; the level below is uniform over V.
  const e1 = est[1];
  let total1 = 0;
  let distinct1 = 0;
  let gammaNum1 = 0;
  for (let w = 0; w < V; w++) {
    if (!predictable[w]) continue;
    total1 += e1[w];
    if (e1[w] > 0) distinct1++;
    if (discounted) gammaNum1 += discountOf(1, e1[w]);
  }
  if (total1 <= 0) throw new Error('cannot estimate an n-gram model from an empty corpus (no tokens were counted)');
  let pLower = new Float64Array(V);
  const uniform = 1 / Vn;
  for (let w = 0; w < V; w++) {
    if (!predictable[w]) continue;
    const e = e1[w];
    let p: number;
    switch (s) {
      case 'mle':
      case 'stupid':
        p = e / total1;
        break;
      case 'addk':
        p = (e + kk) / (total1 + kk * Vn);
        break;
      case 'wb':
        p = (e + distinct1 * uniform) / (total1 + distinct1);
        break;
      default:
        p = (e - discountOf(1, e)) / total1 + (gammaNum1 / total1) * uniform;
    }
    pLower[w] = p;
  }
  const lp1 = new Float32Array(V);
  for (let w = 0; w < V; w++) lp1[w] = predictable[w] ? log10OrZero(pLower[w]) : LOG_ZERO;
  logProb.push(lp1);

  // ---- orders 2..N
  for (let k = 2; k <= N; k++) {
    const table = counts.tables[k]!;
    const n = table.size;
    const parents = table.index.parents;
    const suffix = table.suffix;
    const raw = table.counts;
    const e = est[k];
    const nCtx = k === 2 ? V : counts.tables[k - 1]!.size;
    const threshold = thresholdFor(options.minCounts, k);
    let kept: Uint8Array | undefined;
    if (threshold > 1) {
      kept = new Uint8Array(n);
      for (let id = 0; id < n; id++) kept[id] = raw[id] >= threshold ? 1 : 0;
    }
    keep.push(kept);

    const total = new Float64Array(nCtx);
    const distinct = new Float64Array(nCtx);
    const children = new Uint32Array(nCtx);
    const gamma = new Float64Array(nCtx);
    for (let id = 0; id < n; id++) {
      const c = parents[id];
      const ec = e[id];
      children[c]++;
      total[c] += ec;
      if (ec > 0) distinct[c]++;
      if (discounted) gamma[c] += discountOf(k, ec);
    }

    // Own (uninterpolated) mass u of an n-gram for interpolated estimators.
    const own = (id: number, c: number): number => {
      const ec = e[id];
      if (s === 'wb') return ec / (total[c] + distinct[c]);
      return total[c] > 0 ? (ec - discountOf(k, ec)) / total[c] : 0;
    };

    if (interpolated) {
      for (let c = 0; c < nCtx; c++) {
        if (children[c] === 0) continue;
        if (s === 'wb') gamma[c] = distinct[c] / (total[c] + distinct[c]);
        else gamma[c] = total[c] > 0 ? gamma[c] / total[c] : 1;
      }
      if (kept) for (let id = 0; id < n; id++) if (!kept[id]) gamma[parents[id]] += own(id, parents[id]);
    }

    const p = new Float64Array(n);
    if (interpolated) {
      for (let id = 0; id < n; id++) {
        if (kept && !kept[id]) continue;
        const c = parents[id];
        p[id] = own(id, c) + gamma[c] * pLower[suffix[id]];
      }
    } else if (katz) {
      const sumOwn = new Float64Array(nCtx);
      const sumLower = new Float64Array(nCtx);
      for (let id = 0; id < n; id++) {
        if (kept && !kept[id]) continue;
        const c = parents[id];
        const a = s === 'mle' ? e[id] / total[c] : (e[id] + kk) / (total[c] + kk * Vn);
        p[id] = a;
        sumOwn[c] += a;
        sumLower[c] += pLower[suffix[id]];
      }
      for (let c = 0; c < nCtx; c++) {
        if (children[c] === 0) continue;
        const left = 1 - sumOwn[c];
        const lowerLeft = 1 - sumLower[c];
        // Rounding can leave ±1e-16 where nothing is left: treat it as exactly nothing.
        gamma[c] = left > 1e-12 && lowerLeft > 1e-12 ? left / lowerLeft : 0;
      }
    } else {
      // stupid backoff
      for (let id = 0; id < n; id++) {
        if (kept && !kept[id]) continue;
        const c = parents[id];
        p[id] = e[id] / total[c];
      }
      for (let c = 0; c < nCtx; c++) if (children[c] > 0) gamma[c] = alpha;
    }

    const bo = new Float32Array(nCtx);
    for (let c = 0; c < nCtx; c++) bo[c] = children[c] > 0 ? log10OrZero(gamma[c]) : 0;
    logBackoff.push(bo);
    const lp = new Float32Array(n);
    for (let id = 0; id < n; id++) lp[id] = log10OrZero(p[id]);
    logProb.push(lp);
    pLower = p;
  }
  // Order k's backoffs were pushed while processing order k+1; the highest order is never a context.
  logBackoff.push(undefined);
  return { logProb, logBackoff, keep, discounts, countOfCounts: coc, normalized: s !== 'stupid', warnings };
}
