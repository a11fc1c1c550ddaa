/** nn: PyTorch-style modules, layers and initializers. */
export { Module, functionalCall, StateDictError, type ModuleOptions, type StateDict, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export { Parameter } from './parameter.js';
export * as init from './init.js';
export type { InitOptions, KaimingOptions, Nonlinearity, FanMode } from './init.js';
export { Linear, type LinearOptions } from './linear.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { Conv1d, type Conv1dLayerOptions, type Conv1dPaddingMode } from './conv1d.js';
export { LayerNorm, type LayerNormOptions } from './norm.js';
export { Dropout, type DropoutOptions } from './dropout.js';
export { Identity, ReLU, GELU, Sigmoid, Tanh, Softmax, LogSoftmax, type GeluApproximation } from './activation.js';
export { Sequential, ModuleList, type TensorModule } from './container.js';
export {
  RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell,
  type RNNNonlinearity, type RecurrentOptions, type RNNOptions, type LSTMOptions, type RecurrentResult, type LSTMResult, type CellOptions,
} from './rnn.js';
export { MultiheadAttention, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions, type MultiheadAttentionResult } from './attention.js';
export { TransformerBlock, type TransformerBlockOptions, type TransformerBlockForwardOptions, type TransformerNorm, type TransformerActivation } from './transformer.js';
export {
  LearnedPositionEmbedding, SinusoidalPositionEncoding,
  type LearnedPositionEmbeddingOptions, type SinusoidalPositionEncodingOptions,
} from './position.js';
