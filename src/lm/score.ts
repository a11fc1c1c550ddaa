/**
 * Scoring written once for every LanguageModel: per-token log-probabilities,
 * sequence and continuation log-probabilities, perplexity and cross-entropy.
 *
 * Conventions follow KenLM's `query`: the end token (`</s>`) is scored and
 * counted as a token; out-of-vocabulary tokens (those equal to `unknownToken`)
 * are scored with the model's `<unk>` probability and also reported separately,
 * so both "perplexity including OOVs" and "excluding OOVs" are available:
 *     PPL     = exp(−Σ ln p / tokens)
 *     PPL_noOOV = exp(−(Σ ln p − Σ_OOV ln p) / (tokens − OOVs))
 * Cross-entropy per token is −Σ ln p / tokens nats, or that / ln 2 bits.
 */
import { advanceTokens, type LanguageModel } from './model.js';

/** ln p(token | state), through the model's fast path when it has one. */
export function tokenLogProb<State>(model: LanguageModel<State>, state: State, token: number): number {
  return model.tokenLogProb ? model.tokenLogProb(state, token) : model.nextLogProbs(state)[token];
}

export interface ScoreOptions<State> {
  /** Start from this state instead of `model.initialState()`. */
  readonly state?: State;
  /** Score `model.endToken` after the tokens (default: whenever the model has an end token). */
  readonly includeEnd?: boolean;
  /** Token id that stands for out-of-vocabulary words (an n-gram model's `<unk>`). */
  readonly unknownToken?: number;
}

export interface SequenceScore<State> {
  /** Scored tokens: the input, then the end token if it was included. */
  readonly tokens: readonly number[];
  /** ln p of each scored token. */
  readonly logProbs: Float64Array;
  /** Σ ln p. */
  readonly logProb: number;
  /** Tokens equal to `unknownToken`, and their Σ ln p. */
  readonly oovs: number;
  readonly oovLogProb: number;
  /** Σ ln p over the other tokens (summed directly, so it stays finite when an OOV has p = 0). */
  readonly inVocabLogProb: number;
  /** State after the last scored token. */
  readonly state: State;
}

export function scoreSequence<State>(model: LanguageModel<State>, tokens: ArrayLike<number>, options: ScoreOptions<State> = {}): SequenceScore<State> {
  const includeEnd = (options.includeEnd ?? true) && model.endToken !== undefined;
  const scored: number[] = Array.from(tokens);
  if (includeEnd) scored.push(model.endToken as number);
  const logProbs = new Float64Array(scored.length);
  let state = options.state ?? model.initialState();
  let sum = 0;
  let oovs = 0;
  let oovLogProb = 0;
  let inVocabLogProb = 0;
  for (let i = 0; i < scored.length; i++) {
    const t = scored[i];
    const lp = tokenLogProb(model, state, t);
    logProbs[i] = lp;
    sum += lp;
    if (options.unknownToken !== undefined && t === options.unknownToken) {
      oovs++;
      oovLogProb += lp;
    } else {
      inVocabLogProb += lp;
    }
    state = model.advance(state, t);
  }
  return { tokens: scored, logProbs, logProb: sum, oovs, oovLogProb, inVocabLogProb, state };
}

export interface ContinuationScore<State> {
  /** ln p(continuation | prompt) = Σ of `logProbs`. */
  readonly logProb: number;
  /** ln p of each continuation token given the prompt and the tokens before it. */
  readonly logProbs: Float64Array;
  /** Number of continuation tokens scored. */
  readonly tokenCount: number;
  /** State after the prompt and the continuation. */
  readonly state: State;
}

export interface ContinuationOptions<State> {
  /** Start from this state instead of `model.initialState()` (the prompt is fed after it). */
  readonly state?: State;
}

/**
 * ln p(continuation | prompt) — the answer-scoring rule of seed 003's zero-shot
 * examples — with its per-token terms. No end token is scored. The prompt is fed
 * with `advanceMany` when the model has it.
 */
export function scoreContinuation<State>(
  model: LanguageModel<State>,
  prompt: ArrayLike<number>,
  continuation: ArrayLike<number>,
  options: ContinuationOptions<State> = {},
): ContinuationScore<State> {
  const state = advanceTokens(model, options.state ?? model.initialState(), prompt);
  const s = scoreSequence(model, continuation, { state, includeEnd: false });
  return { logProb: s.logProb, logProbs: s.logProbs, tokenCount: s.tokens.length, state: s.state };
}

export interface PerplexityReport {
  readonly sequences: number;
  /** Scored tokens, end tokens and OOVs included (KenLM's "Tokens"). */
  readonly tokens: number;
  readonly oovs: number;
  /** Σ ln p over all scored tokens. */
  readonly logProb: number;
  /** Σ log10 p (KenLM's "Total"). */
  readonly log10Prob: number;
  readonly logProbExcludingOovs: number;
  readonly perplexity: number;
  readonly perplexityExcludingOovs: number;
  /** −Σ ln p / tokens. */
  readonly crossEntropyNats: number;
  readonly crossEntropyBits: number;
  readonly crossEntropyBitsExcludingOovs: number;
}

/** Perplexity and cross-entropy of a set of sequences (each starts from the initial state). */
export function evaluatePerplexity<State>(
  model: LanguageModel<State>,
  sequences: Iterable<ArrayLike<number>>,
  options: Omit<ScoreOptions<State>, 'state'> = {},
): PerplexityReport {
  let n = 0;
  let tokens = 0;
  let oovs = 0;
  let logProb = 0;
  let inVocabLogProb = 0;
  for (const seq of sequences) {
    const s = scoreSequence(model, seq, options);
    n++;
    tokens += s.tokens.length;
    oovs += s.oovs;
    logProb += s.logProb;
    inVocabLogProb += s.inVocabLogProb;
  }
  return perplexityReport(n, tokens, oovs, logProb, inVocabLogProb);
}

/** Assemble a report from sums (for callers that score tokens themselves). */
export function perplexityReport(sequences: number, tokens: number, oovs: number, logProb: number, inVocabLogProb: number): PerplexityReport {
  const inVocab = tokens - oovs;
  const excl = inVocabLogProb;
  const nats = tokens > 0 ? -logProb / tokens : Number.NaN;
  const natsExcl = inVocab > 0 ? -excl / inVocab : Number.NaN;
  return {
    sequences,
    tokens,
    oovs,
    logProb,
    log10Prob: logProb / Math.LN10,
    logProbExcludingOovs: excl,
    perplexity: Math.exp(nats),
    perplexityExcludingOovs: Math.exp(natsExcl),
    crossEntropyNats: nats,
    crossEntropyBits: nats / Math.LN2,
    crossEntropyBitsExcludingOovs: natsExcl / Math.LN2,
  };
}
