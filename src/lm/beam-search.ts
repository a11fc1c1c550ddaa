/**
 * Beam search over any LanguageModel: keep the `beamWidth` most likely partial
 * continuations, extend each by every token, keep the best again — an
 * approximation to the most likely continuation (greedy decoding is width 1).
 *
 * Follows Hugging Face's `BeamSearchScorer` (itself after fairseq):
 * - each step ranks the 2·width best (beam, token) extensions of all beams by
 *   total ln p, ties broken by beam rank, then token id (deterministic);
 * - an extension by the end token becomes a finished hypothesis if it ranks
 *   among the first `width` (so width 1 finishes exactly where greedy would);
 *   the other extensions fill the next beams, up to `width` of them;
 * - finished hypotheses are compared by the length-normalized score
 *       score = ln p(y | prompt) / |y|^α
 *   (HF's `length_penalty` α; Wu et al. 2016 §7 discuss why raw ln p favours short
 *   outputs). |y| counts the new tokens including the end token; α = 0 ranks by
 *   raw ln p, α = 1 by mean ln p per token. Beams still open at `maxTokens` are
 *   returned as unfinished hypotheses scored the same way.
 * - early stopping is exact, not heuristic: ln p only falls as a beam grows
 *   (log-probabilities are ≤ 0), so an open beam with ln p = r and length L can
 *   at best reach r / L'^α for some length L' in [L, maxTokens]. Search stops once
 *   `numReturn` finished hypotheses score above that bound for every open beam, which
 *   returns the same hypotheses as searching to `maxTokens`.
 */
import { advanceTokens, type LanguageModel } from './model.js';
import { selectTopK } from './top-k.js';

export interface BeamSearchOptions<State> {
  /** Number of beams kept at each step (≥ 1). */
  readonly beamWidth: number;
  /** Most new tokens per hypothesis, the end token included. */
  readonly maxTokens: number;
  /** α in ln p / |y|^α (default 1: mean log-probability per token; 0: raw ln p). */
  readonly lengthPenalty?: number;
  /** How many hypotheses to return, best first (default 1; at most beamWidth). */
  readonly numReturn?: number;
  /** Finish a hypothesis at the model's end token (default true). */
  readonly stopAtEnd?: boolean;
  /** Tokens never to produce. */
  readonly bannedTokens?: readonly number[];
  /** Stop as soon as no open beam can beat the finished ones (default true; the result is the same either way). */
  readonly earlyStopping?: boolean;
  /** Start from this state instead of the initial state (the prompt is fed after it). */
  readonly state?: State;
}

export interface BeamHypothesis<State> {
  /** New tokens (no prompt, no end token). */
  readonly tokens: number[];
  /** ln p of the tokens given the prompt, including the end token's when `finished`. */
  readonly logProb: number;
  /** Tokens counted by the length penalty: tokens.length, + 1 when finished. */
  readonly length: number;
  /** logProb / length^α: the ranking score. */
  readonly score: number;
  /** Whether the hypothesis ended with the end token (false: it reached maxTokens). */
  readonly finished: boolean;
  /** State after the prompt and `tokens`. */
  readonly state: State;
}

/** The divisor |y|^α (a length of 0 counts as 1). */
export function lengthNormalizer(length: number, alpha: number): number {
  return Math.max(length, 1) ** alpha;
}

interface Beam<State> {
  readonly tokens: number[];
  readonly logProb: number;
  readonly state: State;
}

interface Candidate {
  readonly beam: number;
  readonly token: number;
  readonly logProb: number;
}

/** Hypothesis order: score desc, then tokens lexicographically (deterministic whatever the discovery order). */
function compareHypotheses<State>(a: BeamHypothesis<State>, b: BeamHypothesis<State>): number {
  if (a.score !== b.score) return a.score > b.score || Number.isNaN(b.score) ? -1 : 1;
  const n = Math.min(a.tokens.length, b.tokens.length);
  for (let i = 0; i < n; i++) if (a.tokens[i] !== b.tokens[i]) return a.tokens[i] - b.tokens[i];
  return a.tokens.length - b.tokens.length;
}

/** Beam search for the most likely continuations of `prompt`; returns `numReturn` hypotheses, best first. */
export function beamSearch<State>(model: LanguageModel<State>, prompt: ArrayLike<number>, options: BeamSearchOptions<State>): BeamHypothesis<State>[] {
  const { beamWidth, maxTokens } = options;
  const alpha = options.lengthPenalty ?? 1;
  const numReturn = options.numReturn ?? 1;
  const V = model.vocabSize;
  if (!(Number.isInteger(beamWidth) && beamWidth >= 1)) throw new RangeError(`beamSearch: beamWidth must be an integer ≥ 1, got ${beamWidth}`);
  if (!(Number.isInteger(maxTokens) && maxTokens >= 0)) throw new RangeError(`beamSearch: maxTokens must be an integer ≥ 0, got ${maxTokens}`);
  if (!Number.isFinite(alpha)) throw new RangeError(`beamSearch: lengthPenalty must be a finite number, got ${alpha}`);
  if (!(Number.isInteger(numReturn) && numReturn >= 1 && numReturn <= beamWidth)) throw new RangeError(`beamSearch: numReturn must be an integer in [1, beamWidth = ${beamWidth}], got ${numReturn}`);
  const banned = options.bannedTokens ?? [];
  for (const t of banned) if (!(Number.isInteger(t) && t >= 0 && t < V)) throw new RangeError(`beamSearch: banned token ${t} is out of range for a vocabulary of ${V}`);
  const endToken = (options.stopAtEnd ?? true) ? (model.endToken ?? -1) : -1;
  const earlyStopping = options.earlyStopping ?? true;

  const finished: BeamHypothesis<State>[] = []; // best first, at most numReturn
  const addFinished = (h: BeamHypothesis<State>): void => {
    let i = finished.length;
    while (i > 0 && compareHypotheses(h, finished[i - 1]) < 0) i--;
    if (i >= numReturn) return;
    finished.splice(i, 0, h);
    if (finished.length > numReturn) finished.pop();
  };
  const hypothesis = (beam: Beam<State>, logProb: number, isFinished: boolean): BeamHypothesis<State> => {
    const length = beam.tokens.length + (isFinished ? 1 : 0);
    return { tokens: beam.tokens, logProb, length, score: logProb / lengthNormalizer(length, alpha), finished: isFinished, state: beam.state };
  };
  /** Best score an open beam could still reach (see the header). */
  const bound = (beam: Beam<State>): number => {
    const longest = alpha > 0 ? maxTokens : beam.tokens.length;
    return beam.logProb / lengthNormalizer(longest, alpha);
  };

  let beams: Beam<State>[] = [{ tokens: [], logProb: 0, state: advanceTokens(model, options.state ?? model.initialState(), prompt) }];
  const perBeam = Math.min(2 * beamWidth, V);
  const masked = banned.length > 0 ? new Float64Array(V) : undefined;
  const scratch = new Int32Array(perBeam);
  let stoppedEarly = false;
  for (let step = 0; step < maxTokens && beams.length > 0; step++) {
    const candidates: Candidate[] = [];
    for (let b = 0; b < beams.length; b++) {
      let logProbs: ArrayLike<number> = model.nextLogProbs(beams[b].state);
      if (masked !== undefined) {
        masked.set(logProbs);
        for (const t of banned) masked[t] = Number.NEGATIVE_INFINITY;
        logProbs = masked;
      }
      const top = selectTopK(logProbs, perBeam, scratch);
      for (let j = 0; j < top.length; j++) candidates.push({ beam: b, token: top[j], logProb: beams[b].logProb + logProbs[top[j]] });
    }
    candidates.sort((x, y) => y.logProb - x.logProb || x.beam - y.beam || x.token - y.token);
    const next: Beam<State>[] = [];
    for (let rank = 0; rank < candidates.length && next.length < beamWidth; rank++) {
      const c = candidates[rank];
      const parent = beams[c.beam];
      if (c.token === endToken) {
        if (rank < beamWidth) addFinished(hypothesis(parent, c.logProb, true));
        continue;
      }
      next.push({ tokens: [...parent.tokens, c.token], logProb: c.logProb, state: model.advance(parent.state, c.token) });
    }
    beams = next;
    if (earlyStopping && finished.length >= numReturn) {
      const worstKept = finished[numReturn - 1].score;
      // Strict: an open beam that could tie might still win the tie-break.
      if (beams.every((beam) => bound(beam) < worstKept)) {
        stoppedEarly = true;
        break;
      }
    }
  }
  // Open beams at the limit compete as unfinished hypotheses.
  if (!stoppedEarly) for (const beam of beams) addFinished(hypothesis(beam, beam.logProb, false));
  return finished;
}
