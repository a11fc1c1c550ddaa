/**
 * What the neural language models' LanguageModel views (GPT, RNN-LM) share:
 * start/end tokens checked against the vocabulary, token validation, `advance`
 * as a one-token `advanceMany`, and next-token log-probabilities computed
 * lazily — once per state, on first request — from the logits a subclass
 * computes for that state. A prompt fed token by token therefore never pays for
 * the output layer (vocabSize × width) at positions nobody asks about.
 */
import type { LanguageModel } from './model.js';

export interface NetworkLanguageModelOptions {
  /**
   * Token every sequence starts with (GPT-2: 50256 `<|endoftext|>`; seed 004's
   * START; for a character model often "\n"). Without one the initial state is
   * empty: a network predicts the next token from at least one token, so advance
   * it with a prompt first.
   */
  startToken?: number;
  /** Token that ends a sequence (seed 004's STOP): generation stops there; scoring includes it. */
  endToken?: number;
}

export abstract class NetworkLanguageModel<State extends object> implements LanguageModel<State> {
  readonly vocabSize: number;
  readonly endToken?: number;
  readonly startToken?: number;
  /** The name errors are reported under (the subclass's). */
  readonly #name: string;
  /** The context before any token. */
  readonly #empty: State;
  /** Next-token log-probabilities per state, computed on first request. */
  readonly #logProbsMemo = new WeakMap<State, Float64Array>();

  protected constructor(name: string, vocabSize: number, empty: State, options: NetworkLanguageModelOptions) {
    this.#name = name;
    this.#empty = empty;
    this.vocabSize = vocabSize;
    for (const [key, token] of [['startToken', options.startToken], ['endToken', options.endToken]] as const) {
      if (token !== undefined && !(Number.isInteger(token) && token >= 0 && token < vocabSize)) {
        throw new RangeError(`${name}: ${key} ${token} is outside the vocabulary 0…${vocabSize - 1}`);
      }
    }
    if (options.endToken !== undefined) this.endToken = options.endToken;
    if (options.startToken !== undefined) this.startToken = options.startToken;
  }

  initialState(): State {
    return this.startToken === undefined ? this.#empty : this.advance(this.#empty, this.startToken);
  }

  advance(state: State, token: number): State {
    return this.advanceMany(state, [token]);
  }

  /** Feed several tokens in one forward pass; same result as advancing one by one. */
  abstract advanceMany(state: State, tokens: ArrayLike<number>): State;

  /** ln p(next token | context) for every token (a fresh copy). */
  nextLogProbs(state: State): Float64Array {
    return this.#logProbs(state).slice();
  }

  tokenLogProb(state: State, token: number): number {
    return this.#logProbs(state)[token];
  }

  /** The next-token logits (vocabSize) of a non-empty state; called once per state. */
  protected abstract logits(state: State): ArrayLike<number>;

  /** True when the state holds no token yet (nothing to predict from). */
  protected abstract isEmpty(state: State): boolean;

  /** The tokens as an Int32Array, each checked against the vocabulary. */
  protected checkedTokens(tokens: ArrayLike<number>): Int32Array {
    const ids = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (!(Number.isInteger(t) && t >= 0 && t < this.vocabSize)) {
        throw new RangeError(`${this.#name}.advance: token ${t} is outside the vocabulary 0…${this.vocabSize - 1}`);
      }
      ids[i] = t;
    }
    return ids;
  }

  #logProbs(state: State): Float64Array {
    const memo = this.#logProbsMemo.get(state);
    if (memo) return memo;
    if (this.isEmpty(state)) {
      throw new Error(
        `${this.#name}: the context is empty, and a neural language model predicts the next token from at least one token. ` +
        'Advance the state with a prompt first, or create the model with asLanguageModel({ startToken }) ' +
        '(GPT-2: 50256, <|endoftext|>; a character model: the id of "\\n").',
      );
    }
    const logProbs = logSoftmax64(this.logits(state));
    this.#logProbsMemo.set(state, logProbs);
    return logProbs;
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
