/**
 * lmkit — language models from first principles. This entry point is
 * browser-safe: nothing here imports Node modules (those live in 'lmkit/node').
 */
export * from './tensor/random.js';
export type { DType, FloatDType, TypedArray } from './tensor/dtype.js';
export { ShapeError, type Shape } from './tensor/shape.js';
export { Tensor, type NestedArray } from './tensor/tensor.js';
export { clearBufferPool, bufferPoolBytes } from './tensor/buffer-pool.js';
export * from './tensor/creation.js';
export * from './ops/index.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled, detectAnomaly, setDetectAnomaly, AnomalyError } from './autograd/mode.js';
export { backward, type BackwardOptions } from './autograd/tape.js';
export * from './autograd/functional.js';
export * from './autograd/gradcheck.js';
export { setBackend, getBackend, registerBackend, availableBackends } from './backend/index.js';
export { advanceTokens, type LanguageModel } from './lm/model.js';
export * from './optim/index.js';
export * from './train/data.js';
export * from './nn/index.js';
// Tokenizers, tiktoken-compatible byte-level BPE and file formats.
export { TiktokenTokenizer, type TiktokenOptions, type TiktokenJson } from './text/tiktoken.js';
export { preTokenize, PRE_TOKENIZER_NAMES, PRE_TOKENIZER_PATTERNS, type PreTokenizerName } from './text/bpe/pretokenize.js';
export { StreamingDecoder, utf8Encode, utf8Decode, BYTE_TO_UNICODE, bytesToByteLevel, byteLevelToBytes } from './text/bpe/bytes.js';
export * from './text/formats/index.js';
export * from './lm/ngram/index.js';
export * from './lm/score.js';
export * from './lm/generate.js';
export * from './lm/beam-search.js';
export * from './lm/rank.js';
export * from './lm/perplexity.js';
// Tokenizers: char, word, BPE in every variant, WordPiece, and the one loader.
export { BpeModel, type BpeModelSpec, type BpeTrainingInfo } from './text/bpe/model.js';
// Seed 004's BPE written literally: the slow, readable trainer the fast one is tested against.
export { referenceTrainBpe, referenceEncode, referenceEncodeWord, referenceWords, type ReferenceBpeModel, type ReferenceBpeOptions } from './text/bpe/reference.js';
export { BpeTrainer, trainBpe, resolveTrainOptions, type BpeTrainOptions } from './text/bpe/train.js';
export { BPE_PRESETS, METASPACE, type BaseUnit, type WhitespaceMode, type MergeObjective, type BpeVariant } from './text/bpe/variant.js';
export { CharTokenizer, CharCounter, withBoundaries, type CharTokenizerOptions } from './text/char.js';
export { WordTokenizer, WordCounter, splitWords, WORD_PATTERN, type WordTokenizerOptions } from './text/word.js';
export { WordPieceTokenizer, WordPieceTrainer, trainWordPiece, bertBasicTokenize, BERT_SPECIAL_TOKENS, type WordPieceOptions, type WordPieceTrainOptions } from './text/wordpiece.js';
export { loadTokenizer, registerTokenizerKind, registeredTokenizerKinds, type TokenizerFromJson } from './text/load.js';
export { TokenizerFormatError } from './text/json.js';
export { tokenizerStats, TokenStatsCollector, type TokenizerStats } from './text/stats.js';
export type { Tokenizer, EncodeOptions, StreamDecoder } from './text/tokenizer.js';
// safetensors read/write.
export { parseSafetensors, serializeSafetensors, SafetensorsError, type SafetensorsContents } from './io/safetensors.js';
// GPT (Transformer-LM), its KV-cached LanguageModel, and Hugging Face GPT-2 weight conversion.
export * from './lm/gpt.js';
// The WebAssembly backend: in browsers `await initWasmBackend()`; Node selects it automatically.
export { initWasmBackend, initWasmBackendSync, wasmThreads, setWasmThreads, type InitWasmOptions, type WorkerSpawner, type WasmWorkerData } from './backend/wasm/index.js';
// RNN-LM (Elman RNN / LSTM / GRU language model) and its LanguageModel adapter.
export * from './lm/rnn-lm.js';
// Training: one road for every model family — a task and a session on the core loop, checkpoints as plain data in any store;
// the language-model family's run (spec → model, tokenizer, session), token streams and batches, presets and family defaults.
export { createModel, resolveModelConfig, modelConfigOf, asLanguageModel, MODEL_TYPES, type ModelConfig, type ModelType, type RecurrentCell, type LanguageModelNetwork } from './lm/factory.js';
export { encodeStream, splitTrainVal, type TokenSplits } from './train/tokens.js';
export { randomWindows, BpttBatches, requireBatchable, type TokenBatch } from './train/batching.js';
export { gptTask, rnnTask, inEvalMode, type TrainTask, type TaskState, type TaskData, type Split, type WindowModel, type RecurrentModel, type StepLocalCapability } from './train/tasks/index.js';
export { resolveTrainConfig, TRAIN_CONFIG_DEFAULTS, TrainConfigError, type TrainConfig } from './train/config.js';
export {
  trainLoop, learningRateSchedule, type TrainLoopOptions, type TrainResult, type TrainingSnapshot, type LoopState, type LossHistory,
  type StepMetrics, type EvalMetrics, type StopReason, type CheckpointKind, type TrainableOptimizer, type LoopConfig, type ScheduleConfig, type Selection,
} from './train/loop.js';
export {
  modelTensors, serializeTrainingState, deserializeTrainingState, checkCheckpointConfig, copyCheckpoint, CHECKPOINT_FORMAT, CHECKPOINT_VERSION,
  type SerializedTrainingState, type Checkpoint, type CheckpointConfig,
} from './train/checkpoint.js';
export { MemoryCheckpointStore, type CheckpointStore } from './train/store.js';
export { runTrainingSession, type TrainingSession, type TrainingHost, type SessionResult } from './train/session.js';
export { resolveRun, FAMILY_DEFAULTS, familyDefaults, type RunRequest, type RunSpec, type FamilyDefaults } from './train/run-spec.js';
export {
  startRun, resumeRun, restoreLanguageModel, languageModelCheckpoint, languageModelTask, languageModelSession, RESUMABLE_OPTIONS, TOKENIZER_FILE,
  type LanguageModelRun, type LanguageModelSession, type RestoredLanguageModel,
} from './train/language-model-run.js';
export { metricsLine, parseMetricsJsonl, metricsUpTo, lossHistoryFromMetrics, type MetricsRecord, type StepRecord, type EvalRecord } from './train/metrics.js';
export { lossCurveSvg, lossHistorySvg, niceTicks, type LossSeries, type LossPlotOptions } from './train/plot.js';
export { streamLoss, streamLossMethod, type StreamLoss, type StreamLossOptions } from './train/evaluate.js';
export { configureOptimizer, type AdamWGroupsConfig } from './train/configure-optimizer.js';
export { PRESETS, getPreset, type TrainingPreset } from './train/presets.js';
