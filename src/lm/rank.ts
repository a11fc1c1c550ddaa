/**
 * Multiple-choice ranking by likelihood — seed 003's zero-shot setting ("What
 * else can a large LM do?"): feed the context, score each candidate answer by
 * how likely the model finds it as a continuation, pick the most likely. No
 * training; the examples there (OpenBookQA "Organisms require energy in order to
 * do what?", SAT analogies "lull is to trust as", ANLI) come from the GPT-3 paper
 * (Brown et al. 2020, §2.4), which ranks by
 *   - per-token likelihood: ln p(answer | context) / tokens, for most tasks;
 *   - unconditional normalization: ln p(answer | context) − ln p(answer | "Answer: "),
 *     for a few (ARC, OpenBookQA, RACE), to discount answers that are likely anywhere.
 * EleutherAI's lm-evaluation-harness adds per-character normalization (its `acc_norm`),
 * which does not depend on the tokenizer.
 *
 * The prompt is fed once; every choice is scored from that state (states are
 * immutable, so branching is free).
 */
import { advanceTokens, type LanguageModel } from './model.js';
import { scoreSequence } from './score.js';

/**
 * How a choice's log-likelihood is turned into a ranking score:
 * - 'none': ln p(choice | prompt);
 * - 'token': that / number of tokens (GPT-3's default);
 * - 'char': that / number of characters of the decoded choice (needs `tokenizer`);
 * - 'unconditional': ln p(choice | prompt) − ln p(choice | unconditionalPrompt).
 */
export type ChoiceNormalization = 'none' | 'token' | 'char' | 'unconditional';

export interface RankChoicesOptions<State> {
  /** Default 'none'. */
  readonly normalize?: ChoiceNormalization;
  /** Decodes a choice to count its characters (Unicode code points); needed for 'char'. Any Tokenizer. */
  readonly tokenizer?: { decode(ids: ArrayLike<number>): string };
  /** The context of the unconditional term, e.g. the tokens of "Answer: " (default: none, the initial state). */
  readonly unconditionalPrompt?: ArrayLike<number>;
  /** Start from this state instead of `model.initialState()` (the prompt is fed after it). */
  readonly state?: State;
}

export interface RankedChoice {
  /** Position of the choice in the `choices` argument. */
  readonly index: number;
  /** ln p(choice | prompt). */
  readonly logProb: number;
  /** ln p of each of its tokens. */
  readonly logProbs: Float64Array;
  readonly tokenCount: number;
  /** Characters of the decoded choice, when a tokenizer was given. */
  readonly charCount?: number;
  /** ln p(choice | unconditionalPrompt), for 'unconditional'. */
  readonly unconditionalLogProb?: number;
  /** The ranking score under the chosen normalization (higher is better). */
  readonly score: number;
}

export interface RankChoicesResult {
  /** Choices best first (ties: earlier choice first). */
  readonly ranked: readonly RankedChoice[];
  /** Choices in the order given. */
  readonly choices: readonly RankedChoice[];
  /** Index of the best choice (`ranked[0].index`). */
  readonly best: number;
}

/**
 * Score every choice as a continuation of `prompt` and rank them. Choices are token
 * ids; encode them with their leading space (" the sun was rising."), as they
 * would appear after the prompt.
 */
export function rankChoices<State>(
  model: LanguageModel<State>,
  prompt: ArrayLike<number>,
  choices: readonly ArrayLike<number>[],
  options: RankChoicesOptions<State> = {},
): RankChoicesResult {
  const normalize = options.normalize ?? 'none';
  if (!['none', 'token', 'char', 'unconditional'].includes(normalize)) throw new RangeError(`rankChoices: unknown normalize ${JSON.stringify(normalize)} (expected 'none', 'token', 'char' or 'unconditional')`);
  if (choices.length === 0) throw new RangeError('rankChoices: no choices to rank');
  const tokenizer = options.tokenizer;
  if (normalize === 'char' && tokenizer === undefined) throw new Error("rankChoices: normalize 'char' needs options.tokenizer to count the characters of each choice");
  const start = options.state ?? model.initialState();
  const promptState = advanceTokens(model, start, prompt);
  const unconditionalState = normalize === 'unconditional' ? advanceTokens(model, model.initialState(), options.unconditionalPrompt ?? []) : undefined;
  const scored = choices.map((choice, index): RankedChoice => {
    // An empty continuation has probability 1 (ln p = 0): it would always rank first.
    if (choice.length === 0) throw new RangeError(`rankChoices: choice ${index} is empty; an empty continuation has probability 1 and would always rank first`);
    const s = scoreSequence(model, choice, { state: promptState, includeEnd: false });
    const charCount = tokenizer !== undefined ? Array.from(tokenizer.decode(choice)).length : undefined;
    let score = s.logProb;
    let unconditionalLogProb: number | undefined;
    if (normalize === 'token') {
      score = s.logProb / choice.length;
    } else if (normalize === 'char') {
      if (charCount === 0) throw new RangeError(`rankChoices: choice ${index} decodes to empty text; it has no characters to normalize by`);
      score = s.logProb / (charCount as number);
    } else if (normalize === 'unconditional') {
      unconditionalLogProb = scoreSequence(model, choice, { state: unconditionalState, includeEnd: false }).logProb;
      score = s.logProb - unconditionalLogProb;
    }
    return { index, logProb: s.logProb, logProbs: s.logProbs, tokenCount: choice.length, charCount, unconditionalLogProb, score };
  });
  // NaN scores (a −∞ − −∞ unconditional term) rank last.
  const key = (c: RankedChoice): number => (Number.isNaN(c.score) ? Number.NEGATIVE_INFINITY : c.score);
  const ranked = [...scored].sort((a, b) => key(b) - key(a) || a.index - b.index);
  return { ranked, choices: scored, best: ranked[0].index };
}
