/**
 * GELU (Hendrycks & Gimpel 2016): gelu(x) = x·Φ(x), Φ the standard normal CDF,
 * exactly via erf or with the tanh approximation GPT-2 used:
 *   exact:  gelu(x) = ½x(1 + erf(x/√2)),          gelu'(x) = Φ(x) + x·φ(x)
 *   tanh:   gelu(x) = ½x(1 + tanh(u)),  u = √(2/π)(x + 0.044715x³)
 *           gelu'(x) = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²)
 *
 * erf and erfc follow W. J. Cody, "Rational Chebyshev approximation for the error
 * function", Math. Comp. 23 (1969) — the three ranges of his CALERF routine, with
 * maximal relative errors near 1e-16 (double precision); measured against a
 * correctly rounded reference: erf within 2 ulps, erfc within 4 ulps.
 * For x < 0 the exact GELU uses ½x·erfc(−x/√2) instead of ½x(1 + erf(x/√2)): the
 * same value without the cancellation that makes 1 + erf lose all digits below
 * x ≈ −6 (PyTorch keeps the cancelling form; both agree to float32 precision
 * wherever the result is not tiny). The GELU gradient shares one exp(−x²/2)
 * between Φ and φ, and the tanh form is evaluated as x·σ(2u) (see geluTanh).
 */
import type { FloatArray, GeluApproximation } from '../backend.js';

// erf(x) ≈ x·P(x²)/Q(x²) for |x| ≤ 0.46875.
const A0 = 3.1611237438705656, A1 = 113.864154151050156, A2 = 377.485237685302021, A3 = 3209.37758913846947, A4 = 0.185777706184603153;
const B0 = 23.6012909523441209, B1 = 244.024637934444173, B2 = 1282.61652607737228, B3 = 2844.23683343917062;
// erfc(x) ≈ exp(−x²)·P(x)/Q(x) for 0.46875 < x ≤ 4.
const C0 = 0.564188496988670089, C1 = 8.88314979438837594, C2 = 66.1191906371416295, C3 = 298.635138197400131,
  C4 = 881.95222124176909, C5 = 1712.04761263407058, C6 = 2051.07837782607147, C7 = 1230.33935479799725,
  C8 = 2.15311535474403846e-8;
const D0 = 15.7449261107098347, D1 = 117.693950891312499, D2 = 537.181101862009858, D3 = 1621.38957456669019,
  D4 = 3290.79923573345963, D5 = 4362.61909014324716, D6 = 3439.36767414372164, D7 = 1230.33935480374942;
// erfc(x) ≈ exp(−x²)/x·(1/√π + R(1/x²)/x²) for x > 4.
const P0 = 0.305326634961232344, P1 = 0.360344899949804439, P2 = 0.125781726111229246, P3 = 0.0160837851487422766,
  P4 = 6.58749161529837803e-4, P5 = 0.0163153871373020978;
const Q0 = 2.56852019228982242, Q1 = 1.87295284992346725, Q2 = 0.527905102951428412, Q3 = 0.0605183413124413191,
  Q4 = 0.00233520497626869185;
const ONE_OVER_SQRT_PI = 0.56418958354775628695;
/** Beyond this, erfc(x) is below the smallest subnormal double. */
const ERFC_ZERO_BEYOND = 27.3;

/** erf on |x| ≤ 0.46875. */
function erfSmall(x: number): number {
  const z = x * x;
  let num = A4 * z;
  let den = z;
  num = (num + A0) * z; den = (den + B0) * z;
  num = (num + A1) * z; den = (den + B1) * z;
  num = (num + A2) * z; den = (den + B2) * z;
  return (x * (num + A3)) / (den + B3);
}

/**
 * R(y) with erfc(y) = exp(−y²)·R(y) for y > 0.46875: Cody's rational function of y
 * up to 4 and of 1/y² beyond.
 */
function erfcRatio(y: number): number {
  if (y <= 4) {
    let num = C8 * y;
    let den = y;
    num = (num + C0) * y; den = (den + D0) * y;
    num = (num + C1) * y; den = (den + D1) * y;
    num = (num + C2) * y; den = (den + D2) * y;
    num = (num + C3) * y; den = (den + D3) * y;
    num = (num + C4) * y; den = (den + D4) * y;
    num = (num + C5) * y; den = (den + D5) * y;
    num = (num + C6) * y; den = (den + D6) * y;
    return (num + C7) / (den + D7);
  }
  const z = 1 / (y * y);
  let num = P5 * z;
  let den = z;
  num = (num + P0) * z; den = (den + Q0) * z;
  num = (num + P1) * z; den = (den + Q1) * z;
  num = (num + P2) * z; den = (den + Q2) * z;
  num = (num + P3) * z; den = (den + Q3) * z;
  return (ONE_OVER_SQRT_PI - (z * (num + P4)) / (den + Q4)) / y;
}

/** 2²⁷ + 1: Veltkamp's constant for splitting a double into two 26-bit halves. */
const SPLITTER = 134217729;

/**
 * exp(−scale·x²) for scale ∈ {1, ½}, accurate to a few ulps even for large x.
 * x² rounded to a double errs by up to x²·2⁻⁵³, which exp would turn into that
 * much relative error (7e-14 at x = 27). Cody avoids it with two exp calls; here
 * the rounding error e of x² is recovered exactly (Dekker's product) and applied
 * as exp(−s(p + e)) = exp(−s·p)·(1 − s·e), |e| < 2⁻⁵³·p: one exp call.
 */
function expNegSquare(x: number, scale: number): number {
  const square = x * x;
  const c = SPLITTER * x;
  const high = c - (c - x);
  const low = x - high;
  const error = high * high - square + 2 * high * low + low * low;
  return Math.exp(-scale * square) * (1 - scale * error);
}

/** erfc(y) for y > 0.46875 (accurate relative to erfc itself, even when tiny). */
function erfcLarge(y: number): number {
  if (y >= ERFC_ZERO_BEYOND) return 0;
  return expNegSquare(y, 1) * erfcRatio(y);
}

/** The error function erf(x) = 2/√π ∫₀ˣ exp(−t²) dt. */
export function erfScalar(x: number): number {
  const y = Math.abs(x);
  if (y <= 0.46875) return erfSmall(x);
  if (Number.isNaN(x)) return x;
  const result = 0.5 - erfcLarge(y) + 0.5;
  return x < 0 ? -result : result;
}

/** The complementary error function erfc(x) = 1 − erf(x), accurate for large x. */
export function erfcScalar(x: number): number {
  const y = Math.abs(x);
  if (y <= 0.46875) return 1 - erfSmall(x);
  if (Number.isNaN(x)) return x;
  const tail = erfcLarge(y);
  return x < 0 ? 2 - tail : tail;
}

/** Elementwise erf: out[i] = erf(x[i]). */
export function erf(x: FloatArray, out: FloatArray): void {
  if (out.length < x.length) throw new RangeError(`erf: out has ${out.length} elements, needs ${x.length}`);
  for (let i = 0; i < x.length; i++) out[i] = erfScalar(x[i]);
}

const SQRT_HALF = Math.SQRT1_2;
/** 1/√(2π), the standard normal density at 0. */
const INV_SQRT_2PI = 0.3989422804014327;
/** √(2/π) of the tanh approximation. */
const SQRT_2_OVER_PI = 0.7978845608028654;
const TANH_CUBIC = 0.044715;
/** |x|/√2 ≤ this uses the small-argument erf (Cody's first range, times √2). */
const SMALL_X = 0.46875 * Math.SQRT2;
/** Beyond |x| = 27.3·√2, Φ(x) is exactly 0 or 1 in double precision. */
const TAIL_X = ERFC_ZERO_BEYOND * Math.SQRT2;

/**
 * Φ(x) = ½(1 + erf(x/√2)); beyond the small range as the tail ½·erfc(|x|/√2) =
 * ½·exp(−x²/2)·R(|x|/√2), taken from 1 only for x > 0 (no cancellation for x < 0).
 * The exponential is passed in (see expHalfSquare) so the gradient can share it
 * with φ(x) = exp(−x²/2)/√(2π).
 */
function normalCdfWith(x: number, expHalfSquareOfX: number): number {
  const y = x < 0 ? -x : x;
  if (y <= SMALL_X) return 0.5 + 0.5 * erfSmall(x * SQRT_HALF);
  if (y >= TAIL_X) return x < 0 ? 0 : 1;
  const tail = 0.5 * expHalfSquareOfX * erfcRatio(y * SQRT_HALF);
  return x < 0 ? tail : 1 - tail;
}

/**
 * exp(−x²/2), or 0 where normalCdfWith will not read it (beyond TAIL_X, and in the
 * small range unless `always`). Computing it first, in its own small function,
 * measured ~25% faster in V8 than one function with the branches around the exp.
 */
function expHalfSquare(x: number, always: boolean): number {
  const y = x < 0 ? -x : x;
  return y >= TAIL_X || (!always && y <= SMALL_X) ? 0 : expNegSquare(x, 0.5);
}

/**
 * The tanh approximation written as x·σ(2u) — since ½(1 + tanh u) = σ(2u) =
 * 1/(1 + e^(−2u)) — one exp instead of a slower Math.tanh, and no cancellation
 * of 1 + tanh u for very negative x.
 */
function geluTanh(x: number): number {
  const u = SQRT_2_OVER_PI * (x + TANH_CUBIC * x * x * x);
  return x / (1 + Math.exp(-2 * u));
}

/** d/dx of x·σ(2u): σ + x·2σ(1 − σ)·u′, with 1 − σ = e/(1 + e) computed without cancellation. */
function geluTanhGrad(x: number): number {
  const u = SQRT_2_OVER_PI * (x + TANH_CUBIC * x * x * x);
  if (x === Infinity) return 1;
  const e = Math.exp(-2 * u);
  if (e === Infinity) return 0; // far negative: σ = 0 and x·σ(1 − σ)·u′ → 0
  const sigma = 1 / (1 + e);
  const oneMinusSigma = e * sigma;
  return sigma + 2 * x * sigma * oneMinusSigma * SQRT_2_OVER_PI * (1 + 3 * TANH_CUBIC * x * x);
}

export function geluScalar(x: number, approximate: GeluApproximation = 'none'): number {
  if (approximate === 'tanh') return geluTanh(x);
  return x * normalCdfWith(x, expHalfSquare(x, false));
}

export function geluGradScalar(x: number, approximate: GeluApproximation = 'none'): number {
  return approximate === 'tanh' ? geluTanhGrad(x) : geluExactGrad(x);
}

/**
 * gelu′(x) = Φ(x) + x·φ(x) with one exp(−x²/2) for both terms. Beyond TAIL_X the
 * exponential is 0, so x·φ(x) is 0 (and ±∞·0 cannot give NaN).
 */
function geluExactGrad(x: number): number {
  const e = expHalfSquare(x, true);
  return normalCdfWith(x, e) + finiteOrZero(x) * e * INV_SQRT_2PI;
}

/** x, with ±∞ replaced by 0 (where e = 0 and the product must be 0, not NaN). */
function finiteOrZero(x: number): number {
  return x - x === 0 ? x : 0;
}

function checkSame(op: string, arrays: Record<string, FloatArray>, n: number): void {
  for (const [name, array] of Object.entries(arrays)) {
    if (array.length < n) throw new RangeError(`${op}: ${name} has ${array.length} elements, needs ${n}`);
  }
}

function checkApproximation(op: string, approximate: GeluApproximation): void {
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new RangeError(`${op}: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  }
}

/**
 * The input GELU sees: x itself, or x + bias broadcast over rows (the fused bias +
 * GELU), rounded to float32 for float32 data exactly as a separate add would store it.
 */
function withBias(op: string, x: FloatArray, bias: FloatArray | null | undefined): FloatArray {
  if (!bias) return x;
  const cols = bias.length;
  if (cols === 0 ? x.length !== 0 : x.length % cols !== 0) {
    throw new RangeError(`${op}: bias has ${cols} elements, which does not divide the input's ${x.length}`);
  }
  const sum = x instanceof Float32Array ? new Float32Array(x.length) : new Float64Array(x.length);
  for (let i = 0, c = 0; i < x.length; i++, c = c + 1 === cols ? 0 : c + 1) sum[i] = x[i] + bias[c];
  return sum;
}

export function geluForward(x: FloatArray, out: FloatArray, approximate: GeluApproximation, bias?: FloatArray | null): void {
  checkApproximation('geluForward', approximate);
  checkSame('geluForward', { out }, x.length);
  x = withBias('geluForward', x, bias);
  const n = x.length;
  if (approximate === 'tanh') {
    for (let i = 0; i < n; i++) out[i] = geluTanh(x[i]);
  } else {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      out[i] = v * normalCdfWith(v, expHalfSquare(v, false));
    }
  }
}

export function geluBackward(x: FloatArray, gy: FloatArray, gx: FloatArray, approximate: GeluApproximation, bias?: FloatArray | null): void {
  checkApproximation('geluBackward', approximate);
  checkSame('geluBackward', { gy, gx }, x.length);
  x = withBias('geluBackward', x, bias);
  const n = x.length;
  if (approximate === 'tanh') {
    for (let i = 0; i < n; i++) gx[i] = gy[i] * geluTanhGrad(x[i]);
  } else {
    // geluExactGrad written out: through the extra call V8 stops inlining (20 ms vs 14 ms at 768×512).
    for (let i = 0; i < n; i++) {
      const v = x[i];
      const e = expHalfSquare(v, true);
      gx[i] = gy[i] * (normalCdfWith(v, e) + finiteOrZero(v) * e * INV_SQRT_2PI);
    }
  }
}
