/**
 * One place that turns a saved model configuration into a model, so a
 * checkpoint's config.json is enough to rebuild the network before its weights
 * are loaded. `type` says the family: 'gpt', or the recurrent cell of an RNN-LM.
 */
import type { ModuleOptions } from '../nn/module.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { GPT, resolveGPTConfig, type GPTConfig } from './gpt.js';
import type { LanguageModel } from './model.js';
import { RNNLM, resolveRNNLMConfig, type RNNLMConfig } from './rnn-lm.js';

export type RecurrentCell = 'rnn' | 'lstm' | 'gru';
export type ModelType = 'gpt' | RecurrentCell;
export const MODEL_TYPES: readonly ModelType[] = ['gpt', 'lstm', 'gru', 'rnn'];

export type ModelConfig = ({ type: 'gpt' } & GPTConfig) | ({ type: RecurrentCell } & RNNLMConfig);
export type LanguageModelNetwork = GPT | RNNLM;

/** Validate and complete a model configuration (errors say what to change). */
export function resolveModelConfig(input: { type: string } & Record<string, unknown>): ModelConfig {
  const { type, ...rest } = input;
  if (type === 'gpt') return { type, ...resolveGPTConfig(rest as Parameters<typeof resolveGPTConfig>[0]) };
  if (type === 'lstm' || type === 'gru' || type === 'rnn') {
    const { cell, ...others } = rest as { cell?: string };
    if (cell !== undefined && cell !== type) throw new RangeError(`model config: type '${type}' but cell '${cell}'`);
    return { type, ...resolveRNNLMConfig({ ...(others as Omit<Parameters<typeof resolveRNNLMConfig>[0], 'cell'>), cell: type }) };
  }
  throw new RangeError(`model config: unknown model type '${String(type)}' (expected one of ${MODEL_TYPES.join(', ')})`);
}

export function createModel(config: ModelConfig, options: ModuleOptions = {}): LanguageModelNetwork {
  if (config.type === 'gpt') {
    const { type: _type, ...gpt } = config;
    return new GPT(gpt, options);
  }
  const { type: _type, ...rnn } = config;
  return new RNNLM(rnn, options);
}

/** The model's JSON config, as stored in a checkpoint. */
export function modelConfigOf(model: LanguageModelNetwork): ModelConfig {
  return model instanceof GPT ? { type: 'gpt', ...model.config } : { type: model.config.cell, ...model.config };
}

/**
 * Special tokens that open or separate sequences, in the order they are tried
 * as a start: GPT-2 begins unconditional samples with <|endoftext|> (its
 * document separator); Llama 3 uses <|begin_of_text|>; SentencePiece models <s>;
 * BERT's WordPiece vocabularies [CLS] and [SEP].
 */
const SEQUENCE_START_TOKENS: readonly string[] = ['<|endoftext|>', '<|begin_of_text|>', '<s>', '<bos>', '[BOS]', '[CLS]', '[SEP]'];

/** A start token and, in words, why it was chosen (for the CLI's notes). */
export interface StartToken {
  readonly id: number;
  readonly reason: 'given' | 'newline' | 'sequence start' | 'first ordinary token';
}

/**
 * The id of "\n" when it is a single known token. A character vocabulary is asked
 * directly (its encode throws on, or maps to <unk>, a character it lacks); other
 * tokenizers encode it and must not answer with their unknown token.
 */
function newlineToken(tokenizer: Tokenizer): number | undefined {
  if (tokenizer.kind === 'char') return tokenizer.tokenToId('\n');
  const ids = tokenizer.encode('\n');
  return ids.length === 1 && ids[0] !== tokenizer.unknownTokenId ? ids[0] : undefined;
}

/**
 * The token generation starts from when the prompt is empty (a network predicts
 * from at least one token):
 *  1. the newline, when it is one token — nanoGPT's sample.py starts from "\n";
 *  2. else a sequence-start special token (SEQUENCE_START_TOKENS);
 *  3. else the first ordinary (non-special) token of the vocabulary. A word
 *     vocabulary trained by lmkit lists words by decreasing frequency, so this is
 *     the most frequent word; any tokenizer has such a token, so the choice never fails.
 */
export function defaultStartToken(tokenizer: Tokenizer): StartToken {
  const newline = newlineToken(tokenizer);
  if (newline !== undefined) return { id: newline, reason: 'newline' };
  for (const name of SEQUENCE_START_TOKENS) {
    const id = tokenizer.specialTokens.get(name);
    if (id !== undefined) return { id, reason: 'sequence start' };
  }
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    const token = tokenizer.idToToken(id);
    if (token !== undefined && !tokenizer.specialTokens.has(token)) return { id, reason: 'first ordinary token' };
  }
  throw new Error(`defaultStartToken: the ${tokenizer.kind} tokenizer has no ordinary token to start from`);
}

/**
 * The id of `text` as a start token: one token of the vocabulary (a special
 * token may be named). Anything else is refused, naming the text and what it
 * encodes to, since a silently different start would change every sample.
 */
export function startTokenOf(tokenizer: Tokenizer, text: string): number {
  const direct = tokenizer.tokenToId(text) ?? tokenizer.specialTokens.get(text);
  if (direct !== undefined) return direct;
  let ids: number[] = [];
  try {
    ids = tokenizer.encode(text);
  } catch {
    // a character vocabulary without <unk> throws on characters it lacks: not one token
  }
  if (ids.length === 1 && ids[0] !== tokenizer.unknownTokenId) return ids[0];
  const found = ids.length === 0 ? 'no token' : ids.length === 1 ? 'the unknown token' : `${ids.length} tokens`;
  throw new Error(`start token ${JSON.stringify(text)}: the model's ${tokenizer.kind} vocabulary reads it as ${found}; give a single token it knows (a word, a character, or a special token such as ${JSON.stringify(tokenizer.idToToken(defaultStartToken(tokenizer).id))})`);
}

/**
 * The network as a LanguageModel for generation and scoring. A prompt may be
 * empty: generation then starts from `options.startToken`, by default
 * `defaultStartToken(tokenizer)`.
 */
export function asLanguageModel(model: LanguageModelNetwork, tokenizer?: Tokenizer, options: { startToken?: number } = {}): LanguageModel<unknown> {
  const startToken = options.startToken ?? (tokenizer ? defaultStartToken(tokenizer).id : undefined);
  return model.asLanguageModel({ startToken }) as LanguageModel<unknown>;
}
