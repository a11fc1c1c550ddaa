/**
 * The one interface every language model implements — n-gram, RNN-LM and GPT.
 *
 * A language model is a conditional distribution over the next token given the
 * tokens so far (seed 000: p(w_t | w_1..w_{t-1})). Models keep whatever they need
 * about the context in an opaque, incremental *state*: the last n−1 ids for an
 * n-gram model, the hidden state for an RNN, the KV cache for a Transformer.
 * Perplexity, scoring, ranking and every sampling strategy are written once
 * against this interface (src/lm/score.ts, src/lm/generate.ts).
 */
export interface LanguageModel<State = unknown> {
  /** Number of token ids the model assigns probability to (ids are 0..vocabSize-1). */
  readonly vocabSize: number;
  /**
   * A fresh state holding an empty context. Models that pad sentences
   * (n-grams with `<s>`) put the start symbol in here.
   */
  initialState(): State;
  /** Feed one observed token; returns the next state. Must not mutate `state`. */
  advance(state: State, token: number): State;
  /** Natural-log probabilities of the next token given `state`; length `vocabSize`. */
  nextLogProbs(state: State): Float64Array;
  /**
   * Token id that ends a sequence (`</s>`), if the model has one. Generation stops
   * there; scoring a complete sentence includes its probability.
   */
  readonly endToken?: number;
  /**
   * Optional fast path: natural-log probability of one token, equal to
   * `nextLogProbs(state)[token]`. Models that can score a single token without
   * building the whole distribution (n-grams) provide it; scoring uses it when present.
   */
  tokenLogProb?(state: State, token: number): number;
  /**
   * Optional fast path: feed several observed tokens at once (a GPT runs the whole
   * prompt in one forward pass). Must equal calling `advance` once per token, and
   * must not mutate `state`. Generation and scoring use it for prompts when present.
   */
  advanceMany?(state: State, tokens: ArrayLike<number>): State;
}

/** Feed `tokens` after `state`: one `advanceMany` call when the model has it, else `advance` per token. */
export function advanceTokens<State>(model: LanguageModel<State>, state: State, tokens: ArrayLike<number>): State {
  if (tokens.length === 0) return state;
  if (model.advanceMany) return model.advanceMany(state, tokens);
  for (let i = 0; i < tokens.length; i++) state = model.advance(state, tokens[i]);
  return state;
}
