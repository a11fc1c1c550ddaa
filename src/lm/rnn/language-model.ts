/**
 * An RNN-LM seen through the LanguageModel interface (src/lm/model.ts), so
 * scoring, perplexity, sampling and beam search work on it unchanged.
 *
 * The context lives in the hidden state (seed 000: "convert all previous words
 * to a fixed length vector h_t"), so a state is small and constant-size: the
 * recurrent state (h, and c for an LSTM) after the tokens so far, plus the top
 * layer's output for the last token, from which p(next | context) = softmax(W h + b)
 * is computed on request. States are immutable: `advance` runs one step from the
 * state it is given and returns a new one, so beam search can branch freely and
 * nothing is ever copied.
 *
 * `advance` is one step (a (1, 1) forward without a graph); `advanceMany` feeds a
 * whole prompt in one forward (the input projections of every position in one
 * GEMM). Neither evaluates the decoder (vocabSize × hiddenSize): log-probabilities
 * are computed lazily, once per state, so a prompt fed token by token does not
 * pay for the output layer at every position. Inference runs without gradients
 * and in eval mode (no dropout), whatever the model's mode; the mode is restored.
 */
import { noGrad } from '../../autograd/mode.js';
import { linear } from '../../ops/matmul.js';
import { Tensor } from '../../tensor/tensor.js';
import type { LanguageModel } from '../model.js';
import type { RNNLM, RNNState } from './model.js';

/** An immutable RNN-LM context: the recurrent state after `length` tokens and the last token's top-layer output. */
export class RNNLMState {
  /** @internal Made by RNNLanguageModel. */
  constructor(
    /** h (and c) of every layer, (numLayers, 1, hiddenSize); null = the zero state (nothing read yet). */
    readonly recurrent: RNNState | null,
    /** Top-layer output h_t of the last token, (hiddenSize); null for the empty context. */
    readonly output: Tensor | null,
    /** Number of tokens read (the start token included). */
    readonly length: number,
  ) {}
}

export interface RNNLanguageModelOptions {
  /**
   * Token every sequence starts with (seed 004's START; for a character model
   * often "\n"). Without one the initial state is empty: the model predicts the
   * next token from at least one token, so advance it with a prompt first.
   */
  startToken?: number;
  /** Token that ends a sequence (seed 004's STOP): generation stops there; scoring includes it. */
  endToken?: number;
}

export class RNNLanguageModel implements LanguageModel<RNNLMState> {
  readonly vocabSize: number;
  readonly endToken?: number;
  readonly startToken?: number;
  readonly #model: RNNLM;
  readonly #empty = new RNNLMState(null, null, 0);
  /** Next-token log-probabilities per state, computed on first request. */
  readonly #logProbsMemo = new WeakMap<RNNLMState, Float64Array>();

  constructor(model: RNNLM, options: RNNLanguageModelOptions = {}) {
    this.#model = model;
    this.vocabSize = model.config.vocabSize;
    for (const [name, token] of [['startToken', options.startToken], ['endToken', options.endToken]] as const) {
      if (token !== undefined && !(Number.isInteger(token) && token >= 0 && token < this.vocabSize)) {
        throw new RangeError(`RNNLanguageModel: ${name} ${token} is outside the vocabulary 0…${this.vocabSize - 1}`);
      }
    }
    if (options.endToken !== undefined) this.endToken = options.endToken;
    if (options.startToken !== undefined) this.startToken = options.startToken;
  }

  get model(): RNNLM {
    return this.#model;
  }

  initialState(): RNNLMState {
    return this.startToken === undefined ? this.#empty : this.advance(this.#empty, this.startToken);
  }

  advance(state: RNNLMState, token: number): RNNLMState {
    return this.advanceMany(state, [token]);
  }

  /**
   * Feed several tokens at once: one forward over all of them, not one per
   * token. Same result as advancing token by token (up to float rounding).
   */
  advanceMany(state: RNNLMState, tokens: ArrayLike<number>): RNNLMState {
    const n = tokens.length;
    if (n === 0) return state;
    const ids = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const t = tokens[i];
      if (!(Number.isInteger(t) && t >= 0 && t < this.vocabSize)) {
        throw new RangeError(`RNNLanguageModel.advance: token ${t} is outside the vocabulary 0…${this.vocabSize - 1}`);
      }
      ids[i] = t;
    }
    const model = this.#model;
    const { output, state: next } = inferenceMode(model, () => model.forwardHidden(new Tensor(ids, [1, n]), state.recurrent));
    // Keep only the last position's row (a copy), so a state does not hold the prompt's whole (n, H) output.
    const H = model.config.hiddenSize;
    const last = new Tensor(output.data.slice((n - 1) * H, n * H), [H]);
    return new RNNLMState(next, last, state.length + n);
  }

  /** ln p(next token | context) for every token (a fresh copy). */
  nextLogProbs(state: RNNLMState): Float64Array {
    return this.#logProbs(state).slice();
  }

  tokenLogProb(state: RNNLMState, token: number): number {
    return this.#logProbs(state)[token];
  }

  #logProbs(state: RNNLMState): Float64Array {
    const memo = this.#logProbsMemo.get(state);
    if (memo) return memo;
    const output = state.output;
    if (!output) {
      throw new Error(
        'RNNLanguageModel: the context is empty, and an RNN-LM predicts the next token from at least one token. ' +
        'Advance the state with a prompt first, or create the model with asLanguageModel({ startToken }) (e.g. the id of "\\n" or <s>).',
      );
    }
    const { weight, bias } = this.#model.decoder;
    const logits = noGrad(() => linear(output, weight, bias)).data; // (V) = W h_t + b
    const logProbs = logSoftmax64(logits);
    this.#logProbsMemo.set(state, logProbs);
    return logProbs;
  }
}

/** Run `fn` without gradients and in eval mode (no dropout), restoring each module's mode after. */
function inferenceMode<T>(model: RNNLM, fn: () => T): T {
  if (model.config.dropout === 0) return noGrad(fn); // nothing depends on the mode
  const modes = model.modules().filter((m) => m.training);
  if (modes.length === 0) return noGrad(fn);
  model.eval();
  try {
    return noGrad(fn);
  } finally {
    for (const m of modes) m.training = true;
  }
}

/** log-softmax in float64 (the model may run in float32; callers sum these). */
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
