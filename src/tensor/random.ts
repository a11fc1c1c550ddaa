/**
 * The one seeded random generator that threads through initialization, dropout,
 * shuffling and sampling (so the same seed gives the same numbers everywhere).
 *
 * Algorithm: xoshiro128** (Blackman & Vigna, 2018) — 128 bits of state, 32-bit
 * output, fast in JavaScript because it needs only 32-bit integer ops. Seeding
 * expands the user's seed with SplitMix32 so that nearby seeds give unrelated
 * streams. Normal variates use the Box–Muller transform (both outputs are used).
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** Cached second Box–Muller output; NaN when empty. */
  private spareNormal = Number.NaN;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Reset the stream from an integer seed (any JS number; non-integers are truncated). */
  manualSeed(seed: number): this {
    let x = (Math.trunc(seed) >>> 0) ^ Math.floor(Math.trunc(seed) / 4294967296);
    const next = (): number => {
      // SplitMix32 step.
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spareNormal = Number.NaN;
    return this;
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform float in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /** Uniform integer in [low, high) without modulo bias (rejection sampling). */
  randint(low: number, high: number): number {
    const range = high - low;
    if (!(range >= 1) || !Number.isInteger(range)) {
      throw new RangeError(`randint: need integers low < high, got low=${low}, high=${high}`);
    }
    if (range > 4294967296) return low + Math.floor(this.random() * range);
    const limit = 4294967296 - (4294967296 % range);
    let r = this.nextUint32();
    while (r >= limit) r = this.nextUint32();
    return low + (r % range);
  }

  /** Standard normal variate (Box–Muller). */
  normal(mean = 0, std = 1): number {
    if (!Number.isNaN(this.spareNormal)) {
      const z = this.spareNormal;
      this.spareNormal = Number.NaN;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * v;
    this.spareNormal = radius * Math.sin(angle);
    return mean + std * radius * Math.cos(angle);
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.randint(0, i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }

  /**
   * Draw an index from unnormalized non-negative weights: the seeds' "weighted die".
   * `total` may be passed when the caller already knows the sum.
   */
  categorical(weights: ArrayLike<number>, total?: number): number {
    let sum = total ?? 0;
    if (total === undefined) for (let i = 0; i < weights.length; i++) sum += weights[i];
    if (!(sum > 0) || !Number.isFinite(sum)) {
      throw new RangeError(`categorical: weights must have a positive finite sum, got ${sum}`);
    }
    let r = this.random() * sum;
    let last = -1;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i];
      if (w > 0) {
        last = i;
        r -= w;
        if (r < 0) return i;
      }
    }
    return last; // rounding left a sliver: return the last index with positive weight
  }

  /** Serializable state, for exact resume of training runs. */
  getState(): number[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0, this.spareNormal];
  }

  setState(state: readonly number[]): this {
    if (state.length !== 5) throw new Error(`Generator.setState: expected 5 numbers, got ${state.length}`);
    this.s0 = state[0] | 0;
    this.s1 = state[1] | 0;
    this.s2 = state[2] | 0;
    this.s3 = state[3] | 0;
    this.spareNormal = state[4] ?? Number.NaN;
    return this;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The process-wide default generator, used when no `generator` option is given. */
export const defaultGenerator = new Generator(0);

/** Seed the default generator (PyTorch's `torch.manual_seed`). */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
