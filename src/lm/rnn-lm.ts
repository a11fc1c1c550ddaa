/**
 * The RNN language model (Elman RNN / LSTM / GRU): config, model, and its
 * LanguageModel adapter. The code lives in ./rnn/.
 */
export {
  resolveRNNLMConfig, rnnLMConfigToJSON, RNNLMConfigError, RNN_LM_CONFIG_DEFAULTS,
  type RNNLMConfig, type RNNLMConfigInput, type RNNLMCell, type RNNLMNonlinearity,
} from './rnn/config.js';
export { RNNLM, type RNNState, type RNNLMOutput, type RNNLMHidden } from './rnn/model.js';
export { RNNLanguageModel, RNNLMState, type RNNLanguageModelOptions } from './rnn/language-model.js';
