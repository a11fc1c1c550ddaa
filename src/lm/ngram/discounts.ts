/**
 * Discounts estimated from count-of-counts.
 *
 * With n_j = the number of n-grams (of one order) whose count is exactly j:
 *  - absolute discounting / Kneser–Ney use one discount D = Y = n1 / (n1 + 2·n2)
 *    (Ney, Essen & Kneser 1994);
 *  - modified Kneser–Ney uses three, D(j) = j − (j+1)·Y·n_{j+1}/n_j for j = 1, 2,
 *    and 3+ (Chen & Goodman 1998, eq. 26), as KenLM's lmplz estimates them — from
 *    the *adjusted* counts of each order — and rejects: n_j = 0 for some j ≤ 3,
 *    or D(j) outside [0, j].
 * lmplz aborts in those cases; we throw an error that says which order, which
 * count, the count-of-counts, and what to do instead.
 */

/** lmplz --discount_fallback defaults: D1 = 0.5, D2 = 1, D3+ = 1.5. */
export const DEFAULT_FALLBACK_DISCOUNTS: readonly [number, number, number] = [0.5, 1, 1.5];

export class DiscountEstimationError extends Error {
  constructor(
    readonly order: number,
    readonly countOfCounts: readonly number[],
    reason: string,
  ) {
    super(
      `cannot estimate the discounts for ${order}-grams: ${reason} ` +
        `(count-of-counts n1=${countOfCounts[1]} n2=${countOfCounts[2]} n3=${countOfCounts[3]} n4=${countOfCounts[4]}). ` +
        `The training text (or its vocabulary) is probably too small or artificial for order ${order}. ` +
        `Use --discount-fallback (D1=0.5 D2=1 D3+=1.5, like lmplz --discount_fallback), ` +
        `a lower --order, or --smoothing wb (Witten-Bell needs no discounts).`,
    );
    this.name = 'DiscountEstimationError';
  }
}

/** n[j] = number of entries with count exactly j, for j = 1..4 (n[0] unused). */
export function countOfCounts(counts: ArrayLike<number>, include?: (i: number) => boolean): number[] {
  const n = [0, 0, 0, 0, 0];
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (c >= 1 && c <= 4 && (include === undefined || include(i))) n[c]++;
  }
  return n;
}

/** Modified Kneser–Ney discounts [D1, D2, D3+] from count-of-counts; throws DiscountEstimationError. */
export function modifiedKneserNeyDiscounts(order: number, n: readonly number[]): [number, number, number] {
  for (let j = 1; j <= 3; j++) {
    if (n[j] === 0) {
      throw new DiscountEstimationError(
        order,
        n,
        `no ${order}-grams have adjusted count ${j}, so D${j === 3 ? '3+' : j} = ${j} − ${j + 1}·Y·n${j + 1}/n${j} is undefined`,
      );
    }
  }
  const y = n[1] / (n[1] + 2 * n[2]);
  const d: [number, number, number] = [0, 0, 0];
  for (let j = 1; j <= 3; j++) {
    d[j - 1] = j - ((j + 1) * y * n[j + 1]) / n[j];
    if (d[j - 1] < 0 || d[j - 1] > j) {
      throw new DiscountEstimationError(order, n, `discount D${j === 3 ? '3+' : j} = ${d[j - 1].toFixed(4)} is outside [0, ${j}]`);
    }
  }
  return d;
}

/** The single absolute discount D = n1 / (n1 + 2·n2); throws DiscountEstimationError when n1 = 0. */
export function absoluteDiscount(order: number, n: readonly number[]): number {
  if (n[1] === 0) throw new DiscountEstimationError(order, n, `no ${order}-grams occur exactly once, so D = n1/(n1+2·n2) is 0`);
  return n[1] / (n[1] + 2 * n[2]);
}
