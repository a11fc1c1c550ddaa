/**
 * Perplexity of one long token stream (a whole file) under any LanguageModel:
 *     PPL = exp(−(1/N) Σ_t ln p(x_t | x_<t))
 * (seed 000's per-step cross-entropy of an RNN-LM, averaged and exponentiated).
 *
 * Two ways to condition:
 * - carried state (default): every token sees the whole stream before it, through
 *   the model's incremental state — exact for n-gram models (whose state is their
 *   finite history) and RNN-LMs (hidden state carried, as in truncated-BPTT evaluation);
 * - sliding window (`contextLength`), for models with a finite context such as a
 *   GPT with its block size — Hugging Face's "Perplexity of fixed-length models"
 *   guide: windows of contextLength + 1 tokens start every `stride` tokens; each
 *   window is fed from a fresh state and scores only the tokens the previous window
 *   did not, so every token is scored once, with between contextLength + 1 − stride
 *   and contextLength tokens of context (the first window: 0 … contextLength).
 *   stride = contextLength gives nearly disjoint chunks (cheapest, worst
 *   perplexity); stride 1 gives every token a full context (one window per token).
 *
 * By default the first token is scored too, from `initialState()` (which holds a
 * start symbol for models that have one), so N = number of tokens. With
 * `skipFirstToken` it is context only, as in the HF guide (N = tokens − 1) — needed
 * for a model that cannot predict from an empty context (a GPT without a start token).
 */
import { advanceTokens, type LanguageModel } from './model.js';
import { perplexityReport, tokenLogProb, type PerplexityReport } from './score.js';

export interface EvaluateTokensOptions<State> {
  /**
   * Most tokens of the stream any prediction conditions on (not counting what
   * `initialState()` holds): switches to sliding windows. Default: unlimited (carried state).
   */
  readonly contextLength?: number;
  /** Window step for `contextLength`, 1 ≤ stride ≤ contextLength (default ⌈contextLength / 2⌉, as the HF guide's 512 for 1024). */
  readonly stride?: number;
  /** Token id that stands for out-of-vocabulary words; reported separately (see PerplexityReport). */
  readonly unknownToken?: number;
  /** Also score `model.endToken` after the last token (default false: a file is a stream, not a sentence). */
  readonly includeEnd?: boolean;
  /** Use the first token as context only, without scoring it (default false; see the header). */
  readonly skipFirstToken?: boolean;
  /** Start (every window) from this state instead of `model.initialState()`. */
  readonly state?: State;
  /** Called with (tokens scored, total) after every window, or every 256 tokens with carried state, and at the end. */
  readonly onProgress?: (done: number, total: number) => void;
}

const PROGRESS_EVERY = 256;

function view(ids: ArrayLike<number>, start: number, end: number): ArrayLike<number> {
  if (ArrayBuffer.isView(ids)) return (ids as unknown as Int32Array).subarray(start, end);
  return Array.prototype.slice.call(ids, start, end) as number[];
}

/** Perplexity and cross-entropy of `ids` as one stream (`sequences` is 1). */
export function evaluateTokens<State>(model: LanguageModel<State>, ids: ArrayLike<number>, options: EvaluateTokensOptions<State> = {}): PerplexityReport {
  const { contextLength, unknownToken, onProgress } = options;
  let stream = ids;
  if (options.includeEnd === true) {
    if (model.endToken === undefined) throw new Error('evaluateTokens: includeEnd is set but the model has no end token');
    stream = [...Array.from(ids), model.endToken];
  }
  const N = stream.length;
  const start = options.state ?? model.initialState();
  // Tokens before `first` are context only.
  const first = options.skipFirstToken === true ? Math.min(1, N) : 0;
  let logProb = 0;
  let inVocabLogProb = 0;
  let oovs = 0;
  let reported = -1;
  const report = (done: number): void => {
    if (onProgress === undefined || done === reported) return;
    reported = done;
    onProgress(done, N - first);
  };
  const score = (state: State, t: number): void => {
    const token = stream[t];
    const lp = tokenLogProb(model, state, token);
    logProb += lp;
    if (unknownToken !== undefined && token === unknownToken) oovs++;
    else inVocabLogProb += lp;
  };

  if (contextLength === undefined) {
    let state = advanceTokens(model, start, view(stream, 0, first));
    for (let t = first; t < N; t++) {
      score(state, t);
      if (t + 1 < N) state = model.advance(state, stream[t]); // no forward after the last token
      if ((t + 1 - first) % PROGRESS_EVERY === 0) report(t + 1 - first);
    }
  } else {
    if (!(Number.isInteger(contextLength) && contextLength >= 1)) throw new RangeError(`evaluateTokens: contextLength must be an integer ≥ 1, got ${contextLength}`);
    const stride = options.stride ?? Math.ceil(contextLength / 2);
    if (!(Number.isInteger(stride) && stride >= 1 && stride <= contextLength)) throw new RangeError(`evaluateTokens: stride must be an integer in [1, contextLength = ${contextLength}], got ${stride}`);
    const windowLength = contextLength + 1;
    let previousEnd = first;
    for (let begin = 0; previousEnd < N; begin += stride) {
      const end = Math.min(begin + windowLength, N);
      // Context: the window's tokens scored by the previous window (or the unscored first token).
      let state = advanceTokens(model, start, view(stream, begin, previousEnd));
      for (let t = previousEnd; t < end; t++) {
        score(state, t);
        if (t + 1 < end) state = model.advance(state, stream[t]);
      }
      previousEnd = end;
      report(end - first);
    }
  }
  report(N - first);
  return perplexityReport(1, N - first, oovs, logProb, inVocabLogProb);
}
