/**
 * A GPT seen through the LanguageModel interface (src/lm/model.ts), with a KV
 * cache, so scoring, perplexity, sampling and beam search work on it unchanged.
 *
 * States are immutable from the caller's view — `advance` never changes the
 * state it is given, so beam search can branch — yet linear generation costs one
 * single-position forward per token: a state is (cache, length, hidden), where
 * the cache may hold more positions than the state uses. `advance(state, t)`
 *   - appends in place when the state is the cache's longest user
 *     (state.length === cache.filled); the new state shares the cache;
 *   - otherwise (another branch already extended it) copies the state's prefix
 *     into a new cache first (copy-on-write), then appends.
 * Cached rows are never overwritten, so every state sharing a cache stays valid.
 *
 * Contexts longer than blockSize are cropped to their last blockSize tokens, as
 * nanoGPT's generate() does with idx[:, -block_size:]. Positions are absolute
 * (learned wpe or sinusoids), so after a crop every position shifts and no cached
 * key is reusable: each token past blockSize recomputes the whole window — one
 * forward over blockSize positions, O(blockSize²) attention — exactly what an
 * uncached nanoGPT does, and exactly the same logits.
 *
 * Log-probabilities are computed lazily: a prompt fed token by token does not
 * pay for the output layer (vocabSize × nEmbd) at every position.
 */
import { noGrad } from '../../autograd/mode.js';
import { linear } from '../../ops/matmul.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { LanguageModel } from '../model.js';
import type { KVCache } from './kv-cache.js';
import type { GPT } from './model.js';

/** An immutable GPT context: the first `length` positions of `cache` and the last position's hidden state. */
export class GPTState {
  /** @internal Made by GPTLanguageModel. */
  constructor(
    /** Cached keys/values; rows [0, length) belong to this state. Null for the empty context. */
    readonly cache: KVCache | null,
    /** Number of tokens in the (possibly cropped) context window, ≤ blockSize. */
    readonly length: number,
    /** Final hidden state (nEmbd) of the last token, null for the empty context. */
    readonly hidden: Tensor | null,
  ) {}

  /** The token ids of the context window (a copy). */
  get tokens(): Int32Array {
    return this.cache ? this.cache.tokens.slice(0, this.length) : new Int32Array(0);
  }
}

export interface GPTLanguageModelOptions {
  /**
   * Token every sequence starts with (GPT-2: 50256, `<|endoftext|>`). Without one
   * the initial state is empty: a GPT needs at least one token before it can
   * predict, so advance it with a prompt first.
   */
  startToken?: number;
  /** Token that ends a sequence (generation stops there; scoring includes it). */
  endToken?: number;
}

export class GPTLanguageModel implements LanguageModel<GPTState> {
  readonly vocabSize: number;
  readonly endToken?: number;
  readonly startToken?: number;
  readonly #model: GPT;
  readonly #empty = new GPTState(null, 0, null);
  /** Next-token log-probabilities per state, computed on first request. */
  readonly #logProbsMemo = new WeakMap<GPTState, Float64Array>();

  constructor(model: GPT, options: GPTLanguageModelOptions = {}) {
    this.#model = model;
    this.vocabSize = model.config.vocabSize;
    for (const [name, token] of [['startToken', options.startToken], ['endToken', options.endToken]] as const) {
      if (token !== undefined && !(Number.isInteger(token) && token >= 0 && token < this.vocabSize)) {
        throw new RangeError(`GPTLanguageModel: ${name} ${token} is outside the vocabulary 0…${this.vocabSize - 1}`);
      }
    }
    if (options.endToken !== undefined) this.endToken = options.endToken;
    if (options.startToken !== undefined) this.startToken = options.startToken;
  }

  get model(): GPT {
    return this.#model;
  }

  initialState(): GPTState {
    return this.startToken === undefined ? this.#empty : this.advance(this.#empty, this.startToken);
  }

  advance(state: GPTState, token: number): GPTState {
    return this.advanceMany(state, [token]);
  }

  /**
   * Feed several tokens at once: one forward over all of them (a prompt's
   * prefill), not one per token. Same result as advancing token by token.
   */
  advanceMany(state: GPTState, tokens: ArrayLike<number>): GPTState {
    const n = tokens.length;
    if (n === 0) return state;
    for (let i = 0; i < n; i++) {
      const t = tokens[i];
      if (!(Number.isInteger(t) && t >= 0 && t < this.vocabSize)) {
        throw new RangeError(`GPTLanguageModel.advance: token ${t} is outside the vocabulary 0…${this.vocabSize - 1}`);
      }
    }
    const model = this.#model;
    const { blockSize } = model.config;
    const total = state.length + n;
    if (total <= blockSize) {
      let cache = state.cache;
      if (!cache) cache = model.newCache(total);
      else if (cache.filled !== state.length) cache = cache.fork(state.length, n); // another branch extended it: copy-on-write
      const hidden = model.forwardCached(cache, tokens);
      return new GPTState(cache, total, hidden);
    }
    // Past blockSize: crop to the last blockSize tokens and recompute them in a fresh cache (positions shifted).
    const window = new Int32Array(blockSize);
    const fromTokens = Math.min(n, blockSize);
    const fromContext = blockSize - fromTokens;
    if (fromContext > 0 && state.cache) window.set(state.cache.tokens.subarray(state.length - fromContext, state.length), 0);
    for (let i = 0; i < fromTokens; i++) window[fromContext + i] = tokens[n - fromTokens + i];
    const cache = model.newCache(blockSize);
    const hidden = model.forwardCached(cache, window);
    return new GPTState(cache, blockSize, hidden);
  }

  /** ln p(next token | context) for every token (a fresh copy). */
  nextLogProbs(state: GPTState): Float64Array {
    return this.#logProbs(state).slice();
  }

  tokenLogProb(state: GPTState, token: number): number {
    return this.#logProbs(state)[token];
  }

  #logProbs(state: GPTState): Float64Array {
    const memo = this.#logProbsMemo.get(state);
    if (memo) return memo;
    if (!state.hidden) {
      throw new Error(
        'GPTLanguageModel: the context is empty, and a GPT predicts the next token from at least one token. ' +
        'Advance the state with a prompt first, or create the model with asLanguageModel({ startToken }) (GPT-2: 50256, <|endoftext|>).',
      );
    }
    const hidden = state.hidden;
    const logits = noGrad(() => linear(hidden, this.#model.lmHead.weight)).data; // (V)
    const logProbs = logSoftmax64(logits);
    this.#logProbsMemo.set(state, logProbs);
    return logProbs;
  }
}

/** log-softmax in float64 (the model may run in float32; probabilities are summed by callers). */
function logSoftmax64(logits: ArrayLike<number>): Float64Array {
  const n = logits.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(logits[i] - max);
  const logZ = max + Math.log(sum);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = logits[i] - logZ;
  return out;
}
