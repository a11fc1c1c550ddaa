/**
 * One draw from a next-token distribution — the seeds' "weighted die" (seed 000,
 * "Sampling from a Language Model": treat each distribution like a 50k-sided
 * weighted die, roll it, feed the result back) — after shaping the die.
 *
 * The shaping steps run in the order Hugging Face's `generate` applies its logits
 * processors and warpers, on natural-log probabilities s_i = ln p_i:
 *
 *  1. banned tokens (and the end token while `minTokens` is not reached) → −∞;
 *  2. repetition penalty θ (Keskar et al. 2019, CTRL, §4.1; HF's
 *     RepetitionPenaltyLogitsProcessor) on every token already in the context:
 *     s ← s·θ if s < 0, else s/θ. Log-probabilities are ≤ 0, so this is s·θ,
 *     i.e. p ← p^θ before renormalizing: a repeated token with p = 0.5 and θ = 2
 *     weighs 0.25. (HF applies the rule to raw logits, whose sign depends on an
 *     arbitrary offset; on log-probabilities it is offset-free. Consequence: a
 *     token the model is certain of, p = 1, is not penalized.)
 *  3. frequency and presence penalties (OpenAI's API): s ← s − α_f·c − α_p·[c > 0],
 *     where c counts the token in the context; a penalty in nats, so α_f = ln 2
 *     halves a token's odds per previous occurrence;
 *  4. temperature T: s ← s / T (T = 0: greedy, the most likely token, smallest id on ties);
 *  5. top-k: keep the k most likely tokens;
 *  6. top-p (nucleus, Holtzman et al. 2020): of those, keep the smallest set of
 *     most likely tokens whose probability (renormalized over the top-k set)
 *     reaches p;
 *  7. draw from what is left with `Generator.categorical` (one uniform number).
 *
 * Top-k and top-p never sort the vocabulary: the k (or, for top-p, 64, 256, …)
 * best tokens are found by partial selection (src/lm/top-k.ts), and scratch
 * buffers are reused from step to step, so a sampler allocates nothing per draw.
 */
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { argmaxOf, selectTopK } from './top-k.js';

export interface SamplingOptions {
  /** Divide log-probabilities by this (default 1). 0 means greedy (always the most likely token). */
  readonly temperature?: number;
  /** Keep only the k most likely tokens (0 or undefined: all). */
  readonly topK?: number;
  /** Keep the smallest set of most likely tokens whose probability sums to ≥ p (1 or undefined: all). */
  readonly topP?: number;
  /** Tokens never to produce (e.g. an n-gram model's `<unk>`). */
  readonly bannedTokens?: readonly number[];
  /**
   * CTRL / Hugging Face repetition penalty θ > 0 (default 1: off) for tokens already in the
   * context: ln p ← θ·ln p, so θ > 1 discourages repeats and θ < 1 encourages them.
   */
  readonly repetitionPenalty?: number;
  /** Subtract this many nats per previous occurrence of a token (OpenAI's frequency penalty; default 0). */
  readonly frequencyPenalty?: number;
  /** Subtract this many nats from every token that occurred at least once (OpenAI's presence penalty; default 0). */
  readonly presencePenalty?: number;
}

/**
 * The defaults of the command-line samplers (`lmkit sample`, `lmkit ngram sample`,
 * the sample after `lmkit train`) — one set for every model family: nanoGPT's
 * sample.py (temperature 0.8, top_k 200), nucleus off. The library functions keep
 * the neutral defaults (temperature 1, no truncation), i.e. the model's own
 * distribution.
 */
export const SAMPLING_DEFAULTS = Object.freeze({ temperature: 0.8, topK: 200, topP: 1 });

/** Check sampling options; throws a RangeError naming the option and the allowed range. */
export function validateSamplingOptions(options: SamplingOptions): void {
  const { temperature, topK, topP, repetitionPenalty, frequencyPenalty, presencePenalty } = options;
  if (temperature !== undefined && !(temperature >= 0 && Number.isFinite(temperature))) throw new RangeError(`sampling: temperature must be a finite number ≥ 0, got ${temperature}`);
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 0)) throw new RangeError(`sampling: topK must be an integer ≥ 0 (0 = off), got ${topK}`);
  if (topP !== undefined && !(topP > 0 && topP <= 1)) throw new RangeError(`sampling: topP must be in (0, 1] (1 = off), got ${topP}`);
  if (repetitionPenalty !== undefined && !(repetitionPenalty > 0 && Number.isFinite(repetitionPenalty))) throw new RangeError(`sampling: repetitionPenalty must be a finite number > 0 (1 = off), got ${repetitionPenalty}`);
  if (frequencyPenalty !== undefined && !Number.isFinite(frequencyPenalty)) throw new RangeError(`sampling: frequencyPenalty must be a finite number, got ${frequencyPenalty}`);
  if (presencePenalty !== undefined && !Number.isFinite(presencePenalty)) throw new RangeError(`sampling: presencePenalty must be a finite number, got ${presencePenalty}`);
}

/**
 * How often each token occurs in the context the penalties look at. Keeps the
 * distinct tokens in a list, so penalizing costs O(distinct tokens) per step,
 * not O(vocabulary).
 */
export class TokenHistory {
  /** Occurrences of each token id. */
  readonly counts: Int32Array;
  private readonly seen: number[] = [];

  constructor(readonly vocabSize: number) {
    this.counts = new Int32Array(vocabSize);
  }

  /** Record one occurrence of `token`. */
  add(token: number): void {
    if (!(Number.isInteger(token) && token >= 0 && token < this.vocabSize)) throw new RangeError(`TokenHistory.add: token ${token} is out of range for a vocabulary of ${this.vocabSize}`);
    if (this.counts[token]++ === 0) this.seen.push(token);
  }

  /** Record every token of `tokens`. */
  addAll(tokens: ArrayLike<number>): void {
    for (let i = 0; i < tokens.length; i++) this.add(tokens[i]);
  }

  /** The distinct tokens recorded, in order of first occurrence. */
  distinctTokens(): readonly number[] {
    return this.seen;
  }
}

/** Per-draw context: the penalty history and a token to suppress this step (the end token under `minTokens`). */
export interface SampleContext {
  readonly history?: TokenHistory;
  /** A token to treat as banned for this draw only (−1 or undefined: none). */
  readonly suppressedToken?: number;
}

/** First candidate-set size tried by top-p before growing ×4. */
const NUCLEUS_FIRST_CHUNK = 64;

/**
 * A reusable sampler for one vocabulary size and one set of options: holds the
 * scratch buffers, so drawing step after step allocates nothing.
 */
export class TokenSampler {
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  readonly repetitionPenalty: number;
  readonly frequencyPenalty: number;
  readonly presencePenalty: number;
  private readonly banned: Int32Array;
  private readonly scores: Float64Array;
  private readonly weights: Float64Array;
  private heap = new Int32Array(0);

  constructor(readonly vocabSize: number, options: SamplingOptions = {}) {
    validateSamplingOptions(options);
    if (!(Number.isInteger(vocabSize) && vocabSize > 0)) throw new RangeError(`TokenSampler: vocabSize must be a positive integer, got ${vocabSize}`);
    this.temperature = options.temperature ?? 1;
    this.topK = options.topK ?? 0;
    this.topP = options.topP ?? 1;
    this.repetitionPenalty = options.repetitionPenalty ?? 1;
    this.frequencyPenalty = options.frequencyPenalty ?? 0;
    this.presencePenalty = options.presencePenalty ?? 0;
    const banned = options.bannedTokens ?? [];
    for (const t of banned) {
      if (!(Number.isInteger(t) && t >= 0 && t < vocabSize)) throw new RangeError(`sampling: banned token ${t} is out of range for a vocabulary of ${vocabSize}`);
    }
    this.banned = Int32Array.from(banned);
    this.scores = new Float64Array(vocabSize);
    this.weights = new Float64Array(vocabSize);
  }

  /** Whether any penalty is on (then the caller should keep a TokenHistory). */
  get usesHistory(): boolean {
    return this.repetitionPenalty !== 1 || this.frequencyPenalty !== 0 || this.presencePenalty !== 0;
  }

  /** Draw one token id from natural-log probabilities `logProbs` (unnormalized is fine). */
  sample(logProbs: ArrayLike<number>, generator: Generator = defaultGenerator, context: SampleContext = {}): number {
    const best = this.penalizedScores(logProbs, context);
    if (this.temperature === 0) return best;
    this.fillWeights(best);
    return generator.categorical(this.weights);
  }

  /**
   * The distribution a draw would come from, after every shaping step: a new
   * normalized array of length `vocabSize` (one-hot at the argmax when temperature is 0).
   */
  probabilities(logProbs: ArrayLike<number>, context: SampleContext = {}): Float64Array {
    const best = this.penalizedScores(logProbs, context);
    const out = new Float64Array(this.vocabSize);
    if (this.temperature === 0) {
      out[best] = 1;
      return out;
    }
    this.fillWeights(best);
    let total = 0;
    for (let i = 0; i < out.length; i++) total += this.weights[i];
    for (let i = 0; i < out.length; i++) out[i] = this.weights[i] / total;
    return out;
  }

  /** Steps 1–3 into `this.scores`; returns the argmax (smallest id on ties). */
  private penalizedScores(logProbs: ArrayLike<number>, context: SampleContext): number {
    const V = this.vocabSize;
    if (logProbs.length !== V) throw new RangeError(`sampling: expected ${V} log-probabilities (the vocabulary size), got ${logProbs.length}`);
    const scores = this.scores;
    for (let i = 0; i < V; i++) scores[i] = logProbs[i];
    for (let j = 0; j < this.banned.length; j++) scores[this.banned[j]] = Number.NEGATIVE_INFINITY;
    const suppressed = context.suppressedToken ?? -1;
    if (suppressed >= 0 && suppressed < V) scores[suppressed] = Number.NEGATIVE_INFINITY;
    const history = context.history;
    if (history !== undefined && this.usesHistory) {
      const theta = this.repetitionPenalty;
      const seen = history.distinctTokens();
      for (let j = 0; j < seen.length; j++) {
        const t = seen[j];
        let s = scores[t];
        if (!(s > Number.NEGATIVE_INFINITY)) continue;
        s = s < 0 ? s * theta : s / theta; // CTRL / HF RepetitionPenaltyLogitsProcessor
        s -= this.frequencyPenalty * history.counts[t] + this.presencePenalty;
        scores[t] = s;
      }
    }
    const best = argmaxOf(scores);
    if (best < 0) throw new Error('sampling: no token has non-zero probability (all log-probabilities are −∞ or NaN after banning)');
    if (scores[best] === Number.POSITIVE_INFINITY) throw new RangeError(`sampling: log-probability of token ${best} is +Infinity; pass natural-log probabilities`);
    return best;
  }

  /** Steps 4–6 into `this.weights` (zero outside the kept set). */
  private fillWeights(best: number): void {
    const V = this.vocabSize;
    const scores = this.scores;
    const weights = this.weights;
    const max = scores[best];
    const inverseTemperature = 1 / this.temperature;
    // exp(−∞) = 0; NaN scores get weight 0 too.
    for (let i = 0; i < V; i++) {
      const w = Math.exp((scores[i] - max) * inverseTemperature);
      weights[i] = w > 0 ? w : 0;
    }
    const k = this.topK > 0 && this.topK < V ? this.topK : V;
    if (k < V) this.keepTopK(k);
    if (this.topP < 1) this.keepNucleus(k);
  }

  private scratch(size: number): Int32Array {
    if (this.heap.length < size) this.heap = new Int32Array(size);
    return this.heap;
  }

  /** Zero every weight ranked after the k-th (ranking: weight desc, id asc). */
  private keepTopK(k: number): void {
    const top = selectTopK(this.weights, k, this.scratch(k));
    if (top.length < k) return; // fewer candidates than k: nothing to cut
    this.cutAfter(top[top.length - 1]);
  }

  /**
   * Keep the shortest best-first prefix whose weight reaches p of the total
   * (the total over the top-k survivors). Selection grows 64 → 256 → … until the
   * prefix is found, so a peaked distribution costs O(V), a flat one at worst a sort.
   */
  private keepNucleus(k: number): void {
    const weights = this.weights;
    let total = 0;
    for (let i = 0; i < this.vocabSize; i++) total += weights[i];
    const target = this.topP * total;
    let m = Math.min(k, NUCLEUS_FIRST_CHUNK);
    for (;;) {
      const top = selectTopK(weights, m, this.scratch(m));
      let accumulated = 0;
      for (let j = 0; j < top.length; j++) {
        accumulated += weights[top[j]];
        if (accumulated >= target) {
          this.cutAfter(top[j]);
          return;
        }
      }
      if (m >= k || top.length < m) return; // everything kept (rounding left the sum a hair short)
      m = Math.min(k, m * 4);
    }
  }

  /** Zero the weights of every id that ranks after `last`. */
  private cutAfter(last: number): void {
    const weights = this.weights;
    const threshold = weights[last];
    for (let i = 0; i < this.vocabSize; i++) {
      const w = weights[i];
      if (w < threshold || (w === threshold && i > last)) weights[i] = 0;
    }
  }
}

/**
 * Draw one token id from natural-log probabilities (unnormalized is fine). A
 * one-off convenience over `TokenSampler`; loops should keep one sampler.
 */
export function sampleFromLogProbs(logProbs: ArrayLike<number>, options: SamplingOptions = {}, generator: Generator = defaultGenerator, context: SampleContext = {}): number {
  return new TokenSampler(logProbs.length, options).sample(logProbs, generator, context);
}
