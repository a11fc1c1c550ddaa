/**
 * Training a language model (GPT or RNN-LM) on a text: the family's part of
 * the training road. A run is the model, its tokenizer and configurations and
 * the run's one generator; `startRun` builds a fresh one from a RunSpec,
 * `resumeRun` rebuilds one from a checkpoint (plain data, from any store), and
 * `languageModelSession` turns a run and its text into a TrainingSession any
 * host can run (src/train/session.ts).
 */
import { createModel, resolveModelConfig, type LanguageModelNetwork, type ModelConfig } from '../lm/factory.js';
import { GPT } from '../lm/gpt.js';
import { Generator } from '../tensor/random.js';
import { CharTokenizer } from '../text/char.js';
import { loadTokenizer } from '../text/load.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { checkCheckpointConfig, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, deserializeTrainingState, modelTensors, type Checkpoint } from './checkpoint.js';
import { resolveTrainConfig, type TrainConfig } from './config.js';
import { configureOptimizer } from './configure-optimizer.js';
import type { TrainingSnapshot } from './loop.js';
import type { RunSpec } from './run-spec.js';
import type { TrainingSession } from './session.js';
import { rnnTask } from './tasks/bptt.js';
import type { TrainTask } from './tasks/task.js';
import { gptTask } from './tasks/windows.js';
import { encodeStream, splitTrainVal, type TokenSplits } from './tokens.js';

/** The file a language-model checkpoint keeps its tokenizer in. */
export const TOKENIZER_FILE = 'tokenizer.json';

export interface LanguageModelRun {
  model: LanguageModelNetwork;
  modelConfig: ModelConfig;
  tokenizer: Tokenizer;
  training: TrainConfig;
  /** The run's one generator: initialization, dropout and batch sampling all draw from it. */
  generator: Generator;
  /** Where a resumed run continues from. */
  resume?: TrainingSnapshot;
}

/**
 * A new run: the tokenizer ('char' or absent: a character vocabulary built
 * from the text, as nanoGPT's prepare.py), the model sized to it (a GPT's
 * context defaults to the training blockSize), initialized from the seed.
 */
export function startRun(spec: Pick<RunSpec, 'model' | 'training'>, text: string, tokenizerChoice: Tokenizer | 'char' = 'char'): LanguageModelRun {
  const training = resolveTrainConfig(spec.training);
  const tokenizer = tokenizerChoice === 'char' ? CharTokenizer.train(text, { unkToken: null }) : tokenizerChoice;
  const input: { type: string } & Record<string, unknown> = { ...spec.model, vocabSize: tokenizer.vocabSize };
  if (spec.model.type === 'gpt' && input.blockSize === undefined) input.blockSize = training.blockSize;
  const modelConfig = resolveModelConfig(input);
  const generator = new Generator(training.seed);
  const model = createModel(modelConfig, { generator });
  return { model, modelConfig, tokenizer, training, generator };
}

export interface RestoredLanguageModel {
  model: LanguageModelNetwork;
  modelConfig: ModelConfig;
  tokenizer: Tokenizer;
  training?: TrainConfig;
}

/**
 * Rebuild model and tokenizer from checkpoint data. `source` names where it
 * came from (a directory, 'memory') in errors. The model is left in eval mode.
 */
export function restoreLanguageModel(checkpoint: Omit<Checkpoint, 'state'>, source: string, generator?: Generator): RestoredLanguageModel {
  const configSource = `${source}/config.json`;
  const config = checkCheckpointConfig(checkpoint.config, configSource);
  let modelConfig: ModelConfig;
  try {
    modelConfig = resolveModelConfig(config.model as { type: string } & Record<string, unknown>);
  } catch (err) {
    throw new Error(`${configSource}: ${(err as Error).message}`);
  }
  const model = createModel(modelConfig, { generator });
  try {
    model.loadStateDict(checkpoint.weights);
  } catch (err) {
    throw new Error(`${source}/model.safetensors does not match ${configSource}: ${(err as Error).message}`);
  }
  const tokenizerSource = `${source}/${TOKENIZER_FILE}`;
  const tokenizerJson = checkpoint.files[TOKENIZER_FILE];
  if (tokenizerJson === undefined) throw new Error(`${tokenizerSource}: missing (the tokenizer)`);
  const tokenizer = loadTokenizer(tokenizerJson, tokenizerSource);
  if (tokenizer.vocabSize > model.config.vocabSize) {
    throw new Error(`${tokenizerSource}: the tokenizer has ${tokenizer.vocabSize} ids but the model only ${model.config.vocabSize}`);
  }
  model.eval();
  return { model, modelConfig, tokenizer, training: config.training as TrainConfig | undefined };
}

/** The budgets a resumed run may change; every other training option must stay as saved. */
export const RESUMABLE_OPTIONS = ['maxIters', 'maxTime', 'evalInterval', 'logInterval'] as const;

/**
 * A run continued from a checkpoint with its training state. Only the budgets
 * (RESUMABLE_OPTIONS) may change; any other option given that differs from the
 * saved run is reported through `note` and ignored.
 */
export function resumeRun(checkpoint: Checkpoint, source: string, overrides: Partial<TrainConfig> = {}, note: (line: string) => void = () => {}): LanguageModelRun {
  const generator = new Generator(0); // its state is restored from the snapshot
  const { model, modelConfig, tokenizer, training: saved } = restoreLanguageModel(checkpoint, source, generator);
  if (!saved) throw new Error(`${source}/config.json has no training configuration to resume`);
  if (!checkpoint.state) throw new Error(`${source}: missing the optimizer state needed to resume (optimizer.safetensors, state.json)`);
  const budgets: Partial<TrainConfig> = {};
  for (const key of RESUMABLE_OPTIONS) if (overrides[key] !== undefined) budgets[key] = overrides[key];
  const training = resolveTrainConfig({ ...saved, ...budgets });
  const kept = training as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined && !(RESUMABLE_OPTIONS as readonly string[]).includes(key) && kept[key] !== value) {
      note(`note: --resume keeps the saved ${key} = ${String(kept[key])} (ignoring ${String(value)}); only ${RESUMABLE_OPTIONS.join(', ')} may change`);
    }
  }
  const resume = deserializeTrainingState(checkpoint.state.tensors, checkpoint.state.json, `${source}/state.json`);
  model.train();
  return { model, modelConfig, tokenizer, training, generator, resume };
}

/** The run's model as checkpoint data (weights each tied tensor once, config, tokenizer). */
export function languageModelCheckpoint(run: Pick<LanguageModelRun, 'model' | 'modelConfig' | 'tokenizer'> & { training?: TrainConfig }): Omit<Checkpoint, 'state'> {
  return {
    config: { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, model: run.modelConfig, ...(run.training ? { training: { ...run.training } } : {}) },
    weights: modelTensors(run.model),
    files: { [TOKENIZER_FILE]: run.tokenizer.save() },
  };
}

/** The task of the model's family: random windows for a GPT, truncated BPTT for a recurrent model. */
export function languageModelTask(run: LanguageModelRun, splits: TokenSplits): TrainTask {
  const { model, training } = run;
  const data = { splits, batchSize: training.batchSize, blockSize: training.blockSize };
  return model instanceof GPT ? gptTask(model, data, run.generator, training.seed + 1) : rnnTask(model, data);
}

export interface LanguageModelSession extends TrainingSession {
  /** The run the session trains (model, tokenizer, configurations). */
  run: LanguageModelRun;
  splits: TokenSplits;
  /** Tokens in the whole text. */
  tokens: number;
}

/** A session for `run` on `text` (nanoGPT's split: the first trainFraction for training, the tail for validation). */
export function languageModelSession(run: LanguageModelRun, text: string): LanguageModelSession {
  const { modelConfig, training } = run;
  if (modelConfig.type === 'gpt' && training.blockSize > modelConfig.blockSize) {
    throw new RangeError(`training blockSize ${training.blockSize} exceeds the model's blockSize ${modelConfig.blockSize}; lower --block-size`);
  }
  const ids = encodeStream(text, run.tokenizer);
  const splits = splitTrainVal(ids, training.trainFraction);
  return {
    task: languageModelTask(run, splits),
    optimizer: configureOptimizer(run.model, training),
    config: training,
    generator: run.generator,
    resume: run.resume,
    run,
    splits,
    tokens: ids.length,
    checkpoint: () => languageModelCheckpoint(run),
  };
}
