/**
 * GPT, the Transformer language model: config, model, KV-cached LanguageModel
 * adapter, and Hugging Face GPT-2 weight conversion. The code lives in ./gpt/.
 */
export { resolveGPTConfig, gptConfigToJSON, GPTConfigError, GPT_CONFIG_DEFAULTS, type GPTConfig, type GPTConfigInput, type GPTNorm, type GPTPositions, type GPTActivation, type GPTAttention } from './gpt/config.js';
export { GPT, GPTTransformer, GPTBlock, CausalSelfAttention, GPTMLP, IGNORE_TARGET, type GPTOutput, type GPTNumParametersOptions, type FromGPT2Options } from './gpt/model.js';
export { KVCache, type KVCacheShape } from './gpt/kv-cache.js';
export { GPTLanguageModel, GPTState, type GPTLanguageModelOptions } from './gpt/language-model.js';
export {
  gptConfigFromGPT2, gptConfigToGPT2, inferGPT2Config, gpt2ToStateDict, stateDictToGPT2, GPT2WeightsError,
  type GPT2HFConfig, type InferGPT2ConfigOptions, type ToGPT2Options,
} from './gpt/gpt2.js';
