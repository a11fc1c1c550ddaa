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
import { NetworkLanguageModel, type NetworkLanguageModelOptions } from '../network-language-model.js';
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

/** Start and end tokens (see NetworkLanguageModelOptions): seed 004's START and STOP; for a character model often "\n". */
export type RNNLanguageModelOptions = NetworkLanguageModelOptions;

export class RNNLanguageModel extends NetworkLanguageModel<RNNLMState> {
  readonly #model: RNNLM;

  constructor(model: RNNLM, options: RNNLanguageModelOptions = {}) {
    super('RNNLanguageModel', model.config.vocabSize, new RNNLMState(null, null, 0), options);
    this.#model = model;
  }

  get model(): RNNLM {
    return this.#model;
  }

  /**
   * Feed several tokens at once: one forward over all of them, not one per
   * token. Same result as advancing token by token (up to float rounding).
   */
  advanceMany(state: RNNLMState, tokens: ArrayLike<number>): RNNLMState {
    const n = tokens.length;
    if (n === 0) return state;
    const ids = this.checkedTokens(tokens);
    const model = this.#model;
    const { output, state: next } = inferenceMode(model, () => model.forwardHidden(new Tensor(ids, [1, n]), state.recurrent));
    // Keep only the last position's row (a copy), so a state does not hold the prompt's whole (n, H) output.
    const H = model.config.hiddenSize;
    const last = new Tensor(output.data.slice((n - 1) * H, n * H), [H]);
    return new RNNLMState(next, last, state.length + n);
  }

  protected isEmpty(state: RNNLMState): boolean {
    return state.output === null;
  }

  /** The decoder on the last token's top-layer output: W h_t + b, (H) → (V). */
  protected logits(state: RNNLMState): ArrayLike<number> {
    const output = state.output as Tensor;
    const { weight, bias } = this.#model.decoder;
    return noGrad(() => linear(output, weight, bias)).data;
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
