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
import { NetworkLanguageModel, type NetworkLanguageModelOptions } from '../network-language-model.js';
import type { KVCache } from './kv-cache.js';
import type { GPT } from './model.js';

/**
 * An immutable GPT context: the first `length` positions of `cache` and the last
 * position's hidden state — or, once the context has been cropped, the window's
 * token ids alone (its keys could not be reused: the next token shifts every position).
 */
export class GPTState {
  /** @internal Made by GPTLanguageModel. */
  constructor(
    /** Cached keys/values; rows [0, length) belong to this state. Null for the empty context and for a cropped window. */
    readonly cache: KVCache | null,
    /** Number of tokens in the (possibly cropped) context window, ≤ blockSize. */
    readonly length: number,
    /** Final hidden state (nEmbd) of the last token, null for the empty context. */
    readonly hidden: Tensor | null,
    /** The token ids of a cropped window (no cache). */
    readonly window: Int32Array | null = null,
  ) {}

  /** The token ids of the context window (a copy). */
  get tokens(): Int32Array {
    if (this.window) return this.window.slice();
    return this.cache ? this.cache.tokens.slice(0, this.length) : new Int32Array(0);
  }
}

/** Start and end tokens (see NetworkLanguageModelOptions); GPT-2's start token is 50256, `<|endoftext|>`. */
export type GPTLanguageModelOptions = NetworkLanguageModelOptions;

export class GPTLanguageModel extends NetworkLanguageModel<GPTState> {
  readonly #model: GPT;

  constructor(model: GPT, options: GPTLanguageModelOptions = {}) {
    super('GPTLanguageModel', model.config.vocabSize, new GPTState(null, 0, null), options);
    this.#model = model;
  }

  get model(): GPT {
    return this.#model;
  }

  /**
   * Feed several tokens at once: one forward over all of them (a prompt's
   * prefill), not one per token. Same result as advancing token by token.
   */
  advanceMany(state: GPTState, tokens: ArrayLike<number>): GPTState {
    const n = tokens.length;
    if (n === 0) return state;
    const ids = this.checkedTokens(tokens);
    const model = this.#model;
    const { blockSize } = model.config;
    const total = state.length + n;
    if (total <= blockSize && !state.window) {
      let cache = state.cache;
      if (!cache) cache = model.newCache(total);
      else if (cache.filled !== state.length) cache = cache.fork(state.length, n); // another branch extended it: copy-on-write
      const hidden = model.forwardCached(cache, ids);
      return new GPTState(cache, total, hidden);
    }
    // Past blockSize: crop to the last blockSize tokens and recompute them (every position shifted, so no cached
    // key is reusable — and none of these will be either: the next token shifts them again). One batched forward.
    const window = new Int32Array(blockSize);
    const fromTokens = Math.min(n, blockSize);
    const fromContext = blockSize - fromTokens;
    if (fromContext > 0) window.set(state.tokens.subarray(state.length - fromContext, state.length), 0);
    window.set(ids.subarray(n - fromTokens), fromContext);
    const hidden = model.forwardCached(null, window);
    return new GPTState(null, blockSize, hidden, window);
  }

  protected isEmpty(state: GPTState): boolean {
    return state.hidden === null;
  }

  /** lm_head of the last position's final hidden state: (C) → (V). */
  protected logits(state: GPTState): ArrayLike<number> {
    const hidden = state.hidden as Tensor;
    return noGrad(() => linear(hidden, this.#model.lmHead.weight)).data;
  }
}
