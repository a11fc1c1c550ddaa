/**
 * The pure half of checkpoints: turning a model, an optimizer snapshot and the
 * loop state into named tensors + JSON, and back (the files are written by
 * src/node/train/checkpoint-dir.ts). Formats:
 *
 *   model.safetensors      parameters and buffers, each tied parameter once, under
 *                          GPT-2/nanoGPT (or PyTorch) names
 *   config.json            { format: 'lmkit-checkpoint', version, model: {type, …}, training: {…} }
 *   optimizer.safetensors  optimizer buffers as 'optimizer.<param index>.<name>'
 *                          and task tensors (an RNN's carried state) as 'task.<name>'
 *   state.json             { optimizer: {name, paramGroups, scalars}, loop: LoopState, task: {…} }
 */
import type { Module } from '../nn/module.js';
import type { OptimizerStateDict, ParamStateValue } from '../optim/optimizer.js';
import type { TrainingSnapshot, LoopState } from './loop.js';
import type { TaskState } from './tasks/index.js';
import { Tensor } from '../tensor/tensor.js';

export const CHECKPOINT_FORMAT = 'lmkit-checkpoint';
export const CHECKPOINT_VERSION = 1;

/**
 * Model weights to save: the state dict (parameters and persistent buffers)
 * with each tied parameter once, under its first name — safetensors forbids two
 * entries sharing storage, and loadStateDict re-ties by loading a tied tensor
 * through any one of its names.
 */
export function modelTensors(model: Module): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const seen = new Set<unknown>();
  for (const [name, t] of Object.entries(model.stateDict())) {
    if (seen.has(t.data)) continue;
    seen.add(t.data);
    out.set(name, t);
  }
  return out;
}

export interface SerializedTrainingState {
  tensors: Map<string, Tensor>;
  json: {
    optimizer: { name: string; paramGroups: OptimizerStateDict['paramGroups']; scalars: Record<string, Record<string, number | null>> };
    loop: LoopState;
    task: Record<string, unknown>;
  };
}

export function serializeTrainingState(snapshot: TrainingSnapshot): SerializedTrainingState {
  const tensors = new Map<string, Tensor>();
  const scalars: Record<string, Record<string, number | null>> = {};
  for (const [index, entry] of Object.entries(snapshot.optimizer.state)) {
    scalars[index] = {};
    for (const [key, value] of Object.entries(entry)) {
      if (value === null || typeof value === 'number') scalars[index][key] = value;
      else tensors.set(`optimizer.${index}.${key}`, new Tensor(value, [value.length]));
    }
  }
  for (const [name, t] of snapshot.task.tensors) tensors.set(`task.${name}`, t);
  return {
    tensors,
    json: {
      optimizer: { name: snapshot.optimizer.optimizer, paramGroups: snapshot.optimizer.paramGroups, scalars },
      loop: snapshot.loop,
      task: snapshot.task.json,
    },
  };
}

export function deserializeTrainingState(tensors: ReadonlyMap<string, Tensor>, json: SerializedTrainingState['json'], source: string): TrainingSnapshot {
  if (!json || typeof json !== 'object' || !json.optimizer || !json.loop) throw new Error(`${source}: not an lmkit training state (missing optimizer or loop)`);
  const state: OptimizerStateDict['state'] = {};
  for (const [index, entry] of Object.entries(json.optimizer.scalars ?? {})) state[index] = { ...entry };
  const task: TaskState = { json: json.task ?? {}, tensors: new Map() };
  for (const [name, t] of tensors) {
    const match = /^optimizer\.(\d+)\.(\w+)$/.exec(name);
    if (match) {
      (state[match[1]] ??= {})[match[2]] = t.data as ParamStateValue;
    } else if (name.startsWith('task.')) {
      task.tensors.set(name.slice(5), t);
    } else {
      throw new Error(`${source}: unexpected tensor '${name}' in the optimizer file`);
    }
  }
  const generatorState = json.loop.generatorState as readonly (number | null)[];
  if (!Array.isArray(generatorState) || generatorState.length !== 5) throw new Error(`${source}: loop.generatorState must be the 5 numbers of Generator.getState()`);
  // JSON has no NaN: the generator's empty normal cache (NaN) was written as null.
  const loop = { ...json.loop, generatorState: generatorState.map((v) => (v === null ? Number.NaN : v)) };
  return { optimizer: { optimizer: json.optimizer.name, state, paramGroups: json.optimizer.paramGroups }, loop, task };
}

/** config.json of a checkpoint: what it is, how to rebuild the model, how it was trained. */
export interface CheckpointConfig {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /** The model's configuration; `type` names the family ('gpt', 'lstm', …). */
  model: { type: string };
  /** The training configuration (absent in a checkpoint made outside training). */
  training?: Record<string, unknown>;
}

/**
 * A checkpoint as plain data, whatever stores it (a directory in Node, memory
 * or IndexedDB in a page): the configuration, the weights, further text files
 * by name (a language model's 'tokenizer.json', a tagger's vocabularies), and
 * — for a checkpoint a run can resume from — the optimizer, loop and task
 * state. Tensors are copies: a saved checkpoint never changes as training goes on.
 */
export interface Checkpoint {
  config: CheckpointConfig;
  weights: Map<string, Tensor>;
  files: Record<string, string>;
  state?: SerializedTrainingState;
}

/** Check config.json's format and version (`source` names the file in errors). */
export function checkCheckpointConfig(config: unknown, source: string): CheckpointConfig {
  const candidate = config as Partial<CheckpointConfig> | null;
  if (!candidate || typeof candidate !== 'object') throw new Error(`${source}: not an lmkit checkpoint config (expected a JSON object)`);
  if (candidate.format !== CHECKPOINT_FORMAT) throw new Error(`${source}: not an lmkit checkpoint config (format is ${JSON.stringify(candidate.format)}, expected "${CHECKPOINT_FORMAT}")`);
  if (candidate.version !== CHECKPOINT_VERSION) throw new Error(`${source}: checkpoint version ${String(candidate.version)} is not supported (this lmkit reads version ${CHECKPOINT_VERSION})`);
  if (!candidate.model || typeof candidate.model !== 'object' || typeof (candidate.model as { type?: unknown }).type !== 'string') throw new Error(`${source}: the model configuration needs a "type"`);
  return candidate as CheckpointConfig;
}

const copyTensor = (t: Tensor): Tensor => new Tensor(t.data.slice(), t.shape);

function copyTensors(tensors: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  return new Map([...tensors].map(([name, t]) => [name, copyTensor(t)]));
}

/** A deep copy (tensors included) — what a store keeps, so later training cannot change a saved checkpoint. */
export function copyCheckpoint(checkpoint: Checkpoint): Checkpoint {
  return {
    config: structuredClone(checkpoint.config),
    weights: copyTensors(checkpoint.weights),
    files: { ...checkpoint.files },
    ...(checkpoint.state ? { state: { tensors: copyTensors(checkpoint.state.tensors), json: structuredClone(checkpoint.state.json) } } : {}),
  };
}
