/**
 * Generation written once for every LanguageModel — the seeds' procedure (seed
 * 000, "Sampling from a Language Model"; seed 003, "Conditional Sampling: feed in a
 * prompt and then sample from the model conditioned on that prompt"): feed the
 * prompt, then repeatedly roll the weighted die of the current context
 * (src/lm/sampling.ts), feed the result back — until the end token, a stop string
 * or the token limit.
 *
 * One loop (`SequenceGeneration.step`) serves every entry point:
 * - `generateStream` — a synchronous iterator of events, one per token plus a final one;
 * - `generate` — runs the stream to the end (optionally calling `onToken`);
 * - `generateBatch` — several prompts, interleaved step by step.
 */
// The RNG class is imported under another name: `Generator` below is the built-in iterator type.
import { defaultGenerator, type Generator as RandomGenerator } from '../tensor/random.js';
import { advanceTokens, type LanguageModel } from './model.js';
import { TokenHistory, TokenSampler, type SamplingOptions } from './sampling.js';
import { GeneratedText, type TextDecoding } from './generated-text.js';

export { sampleFromLogProbs, validateSamplingOptions, TokenSampler, TokenHistory, type SamplingOptions, type SampleContext } from './sampling.js';
export type { TextDecoding } from './generated-text.js';

/** Options shared by single and batch generation. */
export interface GenerationOptions extends SamplingOptions {
  /** Stop after this many new tokens. */
  readonly maxTokens: number;
  /** The end token cannot be drawn before this many new tokens (default 0; as HF's `min_new_tokens`). Stop strings still apply. */
  readonly minTokens?: number;
  /** Stop when the model's end token is drawn (default true; the end token is not returned). */
  readonly stopAtEnd?: boolean;
  /**
   * Decodes tokens to text (any Tokenizer). Needed for `stop`; with it, events
   * carry text and the result has `text`.
   */
  readonly tokenizer?: TextDecoding;
  /**
   * Stop as soon as the generated text contains one of these (needs `tokenizer`).
   * `text` is cut just before the stop string; `tokens` keeps the tokens whose
   * text lies wholly before it (token granularity: a token straddling the start
   * of the stop string is dropped, its leading characters stay in `text`).
   */
  readonly stop?: readonly string[];
  /**
   * Whether the penalties (repetition, frequency, presence) count the prompt's
   * tokens too (default true, as Hugging Face; OpenAI's API counts only generated tokens).
   */
  readonly penalizePrompt?: boolean;
}

export interface GenerateOptions<State> extends GenerationOptions {
  /** Random source (default: the global generator seeded by `manualSeed`). */
  readonly generator?: RandomGenerator;
  /** Start from this state instead of the initial state (the prompt is fed after it). */
  readonly state?: State;
  /** Called with every event `generateStream` would yield. */
  readonly onToken?: (event: GenerationEvent<State>) => void;
}

/** Why generation stopped: the model's end token, the `maxTokens` limit, or a stop string. */
export type FinishReason = 'end' | 'length' | 'stop';

export interface GenerateResult<State> {
  /** New tokens (the prompt is not repeated; no end token; cut before a stop string). */
  readonly tokens: number[];
  /** The model's ln p of each returned token (before temperature, penalties or filtering). */
  readonly logProbs: number[];
  /** Generated text, when a tokenizer was given (cut just before the stop string). */
  readonly text?: string;
  readonly finishReason: FinishReason;
  /** Whether generation stopped at the end token (`finishReason === 'end'`). */
  readonly ended: boolean;
  /** The stop string found, when `finishReason === 'stop'`. */
  readonly stopString?: string;
  /** State after the prompt and the returned tokens (continue generating from here). */
  readonly state: State;
}

/** One sampled token. */
export interface TokenEvent {
  readonly kind: 'token';
  readonly token: number;
  /** Position among the new tokens (0-based). */
  readonly index: number;
  /** The model's ln p of the token. */
  readonly logProb: number;
  /**
   * Text that became complete and safe to show with this token ('' when held back:
   * an incomplete UTF-8 sequence or a possible start of a stop string; always ''
   * without a tokenizer). The texts of all events concatenate to `result.text`.
   */
  readonly text: string;
}

/** The last event: any text still held back, and the result. */
export interface FinishEvent<State> {
  readonly kind: 'finish';
  readonly text: string;
  readonly result: GenerateResult<State>;
}

export type GenerationEvent<State> = TokenEvent | FinishEvent<State>;

function validateGenerationOptions(options: GenerationOptions): void {
  const { maxTokens, minTokens, stop, tokenizer } = options;
  if (!(Number.isInteger(maxTokens) && maxTokens >= 0)) throw new RangeError(`generate: maxTokens must be an integer ≥ 0, got ${maxTokens}`);
  if (minTokens !== undefined && !(Number.isInteger(minTokens) && minTokens >= 0)) throw new RangeError(`generate: minTokens must be an integer ≥ 0, got ${minTokens}`);
  if (stop !== undefined && stop.length > 0 && tokenizer === undefined) throw new Error('generate: stop strings need a tokenizer to decode tokens (pass options.tokenizer)');
}

/**
 * One sequence being generated. `step()` does one unit of work and reports it:
 * sample + feed one token, or finish.
 */
class SequenceGeneration<State> {
  private state: State;
  private readonly tokens: number[] = [];
  private readonly logProbs: number[] = [];
  private readonly history: TokenHistory | undefined;
  private readonly text: GeneratedText | undefined;
  /** With stop strings: states[i] is the state after `statesFrom + i` new tokens (older ones can no longer be cut back to). */
  private states: State[] = [];
  private statesFrom = 0;
  private stoppedAt: string | undefined;
  private done = false;
  private readonly minTokens: number;
  private readonly stopAtEnd: boolean;
  private readonly tracksStates: boolean;

  constructor(
    private readonly model: LanguageModel<State>,
    prompt: ArrayLike<number>,
    private readonly options: GenerationOptions,
    private readonly sampler: TokenSampler,
    private readonly generator: RandomGenerator,
    startState: State | undefined,
  ) {
    this.minTokens = options.minTokens ?? 0;
    this.stopAtEnd = options.stopAtEnd ?? true;
    this.state = advanceTokens(model, startState ?? model.initialState(), prompt);
    if (sampler.usesHistory) {
      this.history = new TokenHistory(model.vocabSize);
      if (options.penalizePrompt ?? true) this.history.addAll(prompt);
    }
    const stop = options.stop ?? [];
    if (options.tokenizer !== undefined) this.text = new GeneratedText(options.tokenizer, stop, prompt);
    this.tracksStates = stop.length > 0;
    if (this.tracksStates) this.states.push(this.state);
  }

  step(): GenerationEvent<State> {
    if (this.done) throw new Error('generate: the sequence has already finished');
    if (this.stoppedAt !== undefined) return this.finish('stop');
    if (this.tokens.length >= this.options.maxTokens) return this.finish('length');
    const model = this.model;
    const logProbs = model.nextLogProbs(this.state);
    const endToken = model.endToken ?? -1;
    const token = this.sampler.sample(logProbs, this.generator, {
      history: this.history,
      suppressedToken: this.tokens.length < this.minTokens ? endToken : -1,
    });
    if (this.stopAtEnd && token === endToken) return this.finish('end');
    const index = this.tokens.length;
    const logProb = logProbs[token];
    this.tokens.push(token);
    this.logProbs.push(logProb);
    this.history?.add(token);
    let text = '';
    if (this.text !== undefined) {
      const step = this.text.push(token);
      text = step.released;
      this.stoppedAt = step.stopString;
    }
    // A token that completes a stop string is always cut (its text ends past the
    // stop string's start), so it is not fed to the model.
    if (this.stoppedAt === undefined) {
      this.state = model.advance(this.state, token);
      if (this.tracksStates) this.rememberState();
    }
    return { kind: 'token', token, index, logProb, text };
  }

  /** Keep the states a stop string could still cut back to; drop older ones. */
  private rememberState(): void {
    this.states.push(this.state);
    const drop = (this.text as GeneratedText).earliestPossibleCut() - this.statesFrom;
    if (drop > 0) {
      this.states = this.states.slice(drop);
      this.statesFrom += drop;
    }
  }

  private finish(reason: FinishReason): FinishEvent<State> {
    this.done = true;
    let flushed = '';
    if (this.text !== undefined) {
      const step = this.text.finish();
      flushed = step.released;
      if (step.stopString !== undefined) {
        this.stoppedAt = step.stopString;
        reason = 'stop';
      }
      const kept = this.text.keptTokens;
      if (kept < this.tokens.length) {
        this.tokens.length = kept;
        this.logProbs.length = kept;
        this.state = this.states[kept - this.statesFrom];
      }
    }
    const result: GenerateResult<State> = {
      tokens: this.tokens,
      logProbs: this.logProbs,
      text: this.text?.value,
      finishReason: reason,
      ended: reason === 'end',
      stopString: reason === 'stop' ? this.stoppedAt : undefined,
      state: this.state,
    };
    return { kind: 'finish', text: flushed, result };
  }
}

/**
 * Feed `prompt`, then sample token by token, yielding each as it is drawn (with
 * its text when `options.tokenizer` is given) and finally a `finish` event with
 * the result (also the iterator's return value). Lazy: nothing is computed until
 * the first `next()`; options are checked at the call.
 *
 * ```ts
 * for (const event of generateStream(model, prompt, { maxTokens: 200, tokenizer, stop: ['\n\n'] }))
 *   process.stdout.write(event.text);
 * ```
 */
export function generateStream<State>(
  model: LanguageModel<State>,
  prompt: ArrayLike<number>,
  options: GenerateOptions<State>,
): Generator<GenerationEvent<State>, GenerateResult<State>, undefined> {
  validateGenerationOptions(options);
  const sampler = new TokenSampler(model.vocabSize, options);
  const generator = options.generator ?? defaultGenerator;
  return (function* run(): Generator<GenerationEvent<State>, GenerateResult<State>, undefined> {
    const sequence = new SequenceGeneration(model, prompt, options, sampler, generator, options.state);
    for (;;) {
      const event = sequence.step();
      yield event;
      if (event.kind === 'finish') return event.result;
    }
  })();
}

/** Feed `prompt`, then sample up to `maxTokens` tokens (see `generateStream`; `onToken` sees each event). */
export function generate<State>(model: LanguageModel<State>, prompt: ArrayLike<number>, options: GenerateOptions<State>): GenerateResult<State> {
  for (const event of generateStream(model, prompt, options)) {
    options.onToken?.(event);
    if (event.kind === 'finish') return event.result;
  }
  throw new Error('generate: the stream ended without a result'); // unreachable: the stream always finishes
}

export interface BatchGenerateOptions<State> extends GenerationOptions {
  /**
   * One random source shared by all sequences (default: the global generator).
   * Draws happen in a fixed order: step 1 of sequence 0, 1, …, n−1, then step 2
   * of each sequence still running, and so on.
   */
  readonly generator?: RandomGenerator;
  /**
   * One random source per sequence instead; then sequence i's result equals
   * `generate(model, prompts[i], { ...options, generator: generators[i] })`.
   */
  readonly generators?: readonly RandomGenerator[];
  /** Start states, one per prompt (default: the initial state). */
  readonly states?: readonly State[];
  /** Called with every event, and the index of the sequence it belongs to. */
  readonly onToken?: (event: GenerationEvent<State>, sequence: number) => void;
}

/**
 * Generate a continuation of each prompt with the same options. The sequences
 * run interleaved, one token each per round in prompt order, each through the
 * single-sequence loop (the model is called once per sequence per step: there
 * is no batched forward in the LanguageModel interface). Results are in prompt order.
 */
export function generateBatch<State>(model: LanguageModel<State>, prompts: readonly ArrayLike<number>[], options: BatchGenerateOptions<State>): GenerateResult<State>[] {
  validateGenerationOptions(options);
  const { generators, states } = options;
  if (generators !== undefined && generators.length !== prompts.length) throw new RangeError(`generateBatch: got ${generators.length} generators for ${prompts.length} prompts (pass one per prompt, or a single options.generator)`);
  if (states !== undefined && states.length !== prompts.length) throw new RangeError(`generateBatch: got ${states.length} start states for ${prompts.length} prompts`);
  const sampler = new TokenSampler(model.vocabSize, options);
  const shared = options.generator ?? defaultGenerator;
  const sequences = prompts.map((prompt, i) => new SequenceGeneration(model, prompt, options, sampler, generators?.[i] ?? shared, states?.[i]));
  const results: (GenerateResult<State> | undefined)[] = new Array(prompts.length).fill(undefined);
  let running = prompts.length;
  while (running > 0) {
    for (let i = 0; i < sequences.length; i++) {
      if (results[i] !== undefined) continue;
      const event = sequences[i].step();
      options.onToken?.(event, i);
      if (event.kind === 'finish') {
        results[i] = event.result;
        running--;
      }
    }
  }
  return results as GenerateResult<State>[];
}
