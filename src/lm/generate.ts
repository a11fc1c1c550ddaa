/**
 * Sampling written once for every LanguageModel — the seeds' procedure (seed 000,
 * "Sampling from a Language Model"): treat each next-token distribution as a
 * weighted die, pick the die for the current context, roll it, feed the result
 * back, repeat — until the end token or a length limit.
 *
 * Shaping the die before rolling: temperature T (log-probs divided by T; T → 0 is
 * greedy), top-k (keep the k most likely tokens), top-p / nucleus (keep the
 * smallest set whose probability reaches p), banned tokens. All randomness comes
 * from the seeded Generator, so a seed reproduces a sample exactly.
 */
import { defaultGenerator, type Generator } from '../tensor/random.js';
import type { LanguageModel } from './model.js';

export interface SamplingOptions {
  /** Divide log-probabilities by this (default 1). 0 means greedy (always the most likely token). */
  readonly temperature?: number;
  /** Keep only the k most likely tokens (0 or undefined: all). */
  readonly topK?: number;
  /** Keep the smallest set of most likely tokens whose probability sums to ≥ p (1 or undefined: all). */
  readonly topP?: number;
  /** Tokens never to produce (e.g. an n-gram model's `<unk>`). */
  readonly bannedTokens?: readonly number[];
}

function validateSampling(options: SamplingOptions): void {
  const { temperature, topK, topP } = options;
  if (temperature !== undefined && !(temperature >= 0 && Number.isFinite(temperature))) throw new RangeError(`temperature must be a finite number ≥ 0, got ${temperature}`);
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 0)) throw new RangeError(`topK must be an integer ≥ 0, got ${topK}`);
  if (topP !== undefined && !(topP > 0 && topP <= 1)) throw new RangeError(`topP must be in (0, 1], got ${topP}`);
}

/** Draw one token id from natural-log probabilities (unnormalized is fine). */
export function sampleFromLogProbs(logProbs: ArrayLike<number>, options: SamplingOptions = {}, generator: Generator = defaultGenerator): number {
  validateSampling(options);
  const V = logProbs.length;
  const scores = Float64Array.from(logProbs);
  for (const t of options.bannedTokens ?? []) if (t >= 0 && t < V) scores[t] = Number.NEGATIVE_INFINITY;
  let best = -1;
  for (let i = 0; i < V; i++) if (scores[i] > Number.NEGATIVE_INFINITY && (best < 0 || scores[i] > scores[best])) best = i;
  if (best < 0) throw new Error('sampling: no token has non-zero probability');
  const temperature = options.temperature ?? 1;
  if (temperature === 0) return best;
  const max = scores[best];
  const weights = new Float64Array(V);
  for (let i = 0; i < V; i++) weights[i] = Math.exp((scores[i] - max) / temperature);
  const topK = options.topK ?? 0;
  const topP = options.topP ?? 1;
  if ((topK > 0 && topK < V) || topP < 1) {
    const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => weights[b] - weights[a] || a - b);
    let keep = topK > 0 ? Math.min(topK, V) : V;
    if (topP < 1) {
      let total = 0;
      for (let j = 0; j < keep; j++) total += weights[order[j]];
      let acc = 0;
      for (let j = 0; j < keep; j++) {
        acc += weights[order[j]];
        if (acc >= topP * total) {
          keep = j + 1;
          break;
        }
      }
    }
    for (let j = keep; j < V; j++) weights[order[j]] = 0;
  }
  return generator.categorical(weights);
}

export interface GenerateOptions<State> extends SamplingOptions {
  /** Stop after this many new tokens. */
  readonly maxTokens: number;
  readonly generator?: Generator;
  /** Stop when the model's end token is drawn (default true; the end token is not returned). */
  readonly stopAtEnd?: boolean;
  /** Start from this state instead of the initial state (the prompt is fed after it). */
  readonly state?: State;
}

export interface GenerateResult<State> {
  /** New tokens (the prompt is not repeated). */
  readonly tokens: number[];
  /** Whether generation stopped at the end token. */
  readonly ended: boolean;
  readonly state: State;
}

/** Feed `prompt`, then sample up to `maxTokens` tokens. */
export function generate<State>(model: LanguageModel<State>, prompt: ArrayLike<number>, options: GenerateOptions<State>): GenerateResult<State> {
  if (!(Number.isInteger(options.maxTokens) && options.maxTokens >= 0)) throw new RangeError(`maxTokens must be an integer ≥ 0, got ${options.maxTokens}`);
  validateSampling(options);
  const generator = options.generator ?? defaultGenerator;
  const stopAtEnd = options.stopAtEnd ?? true;
  let state = options.state ?? model.initialState();
  for (let i = 0; i < prompt.length; i++) state = model.advance(state, prompt[i]);
  const tokens: number[] = [];
  for (let i = 0; i < options.maxTokens; i++) {
    const token = sampleFromLogProbs(model.nextLogProbs(state), options, generator);
    if (stopAtEnd && token === model.endToken) return { tokens, ended: true, state };
    tokens.push(token);
    state = model.advance(state, token);
  }
  return { tokens, ended: false, state };
}
