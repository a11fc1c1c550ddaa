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
 * The network as a LanguageModel for generation and scoring. A prompt may be
 * empty: generation then starts from `startToken` — by default the tokenizer's
 * newline, as nanoGPT's sample.py starts from "\n".
 */
export function asLanguageModel(model: LanguageModelNetwork, tokenizer?: Tokenizer): LanguageModel<unknown> {
  const newline = tokenizer?.encode('\n');
  const startToken = newline && newline.length === 1 ? newline[0] : undefined;
  return model.asLanguageModel({ startToken }) as LanguageModel<unknown>;
}
