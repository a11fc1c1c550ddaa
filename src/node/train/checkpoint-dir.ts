/**
 * Checkpoint directories on disk (format in src/train/checkpoint.ts):
 *
 *   <ckpt>/model.safetensors  config.json  tokenizer.json  [optimizer.safetensors  state.json]
 *
 * Saving never destroys the previous good checkpoint: everything is written and
 * fsynced into `<ckpt>.tmp-<pid>`, then the old directory is renamed aside, the
 * new one renamed into place, and the old one deleted. If the process dies
 * between the two renames, `<ckpt>.old-<pid>` still holds the previous
 * checkpoint and loadCheckpoint uses it.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseSafetensors, serializeSafetensors } from '../../io/safetensors.js';
import { createModel, resolveModelConfig, type LanguageModelNetwork, type ModelConfig } from '../../lm/factory.js';
import { loadTokenizer } from '../../text/load.js';
import type { Generator } from '../../tensor/random.js';
import type { Tokenizer } from '../../text/tokenizer.js';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, deserializeTrainingState, modelTensors, serializeTrainingState, type SerializedTrainingState } from '../../train/checkpoint.js';
import type { TrainConfig } from '../../train/config.js';
import type { TrainingSnapshot } from '../../train/loop.js';

export interface CheckpointConfigFile {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  model: ModelConfig;
  training?: TrainConfig;
}

export interface CheckpointContents {
  model: LanguageModelNetwork;
  modelConfig: ModelConfig;
  tokenizer: Tokenizer;
  training?: TrainConfig;
}

function writeSynced(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface SaveCheckpointParts {
  model: LanguageModelNetwork;
  modelConfig: ModelConfig;
  tokenizer: Tokenizer;
  training?: TrainConfig;
  /** Optimizer + loop + task state for an exact resume. */
  snapshot?: TrainingSnapshot;
}

/** Write a checkpoint directory atomically (replacing an existing checkpoint at `dir`). */
export function saveCheckpoint(dir: string, parts: SaveCheckpointParts, options: { beforeSwap?: () => void } = {}): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  const old = `${dir}.old-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    writeSynced(join(tmp, 'model.safetensors'), serializeSafetensors(modelTensors(parts.model), { format: 'pt', producer: 'lmkit' }));
    const config: CheckpointConfigFile = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, model: parts.modelConfig, ...(parts.training ? { training: parts.training } : {}) };
    writeSynced(join(tmp, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    writeSynced(join(tmp, 'tokenizer.json'), parts.tokenizer.save());
    if (parts.snapshot) {
      const state = serializeTrainingState(parts.snapshot);
      writeSynced(join(tmp, 'optimizer.safetensors'), serializeSafetensors(state.tensors));
      writeSynced(join(tmp, 'state.json'), `${JSON.stringify(state.json)}\n`);
    }
    options.beforeSwap?.();
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  fsyncDirectory(tmp);
  const hadOld = existsSync(dir);
  if (hadOld) renameSync(dir, old);
  renameSync(tmp, dir);
  fsyncDirectory(dirname(dir)); // make the renames durable before the old copy goes
  if (hadOld) rmSync(old, { recursive: true, force: true });
  // Copies left by an earlier process that died between its two renames are superseded now.
  const prefix = `${basename(dir)}.old-`;
  for (const entry of readdirSync(dirname(dir))) if (entry.startsWith(prefix)) rmSync(join(dirname(dir), entry), { recursive: true, force: true });
}

/** fsync a directory so renames and new entries in it survive a power cut (not supported everywhere: best effort). */
function fsyncDirectory(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot fsync a directory; the renames are still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Resolve what the user pointed at: a checkpoint directory (has config.json), or
 * a run directory holding best/ and last/ (`prefer` picks; the other is the fallback).
 */
export function resolveCheckpointDir(path: string, prefer: 'best' | 'last' = 'best'): string {
  if (!existsSync(path)) throw new Error(`${path}: no such checkpoint or run directory`);
  if (!statSync(path).isDirectory()) throw new Error(`${path}: expected a checkpoint directory (with config.json and model.safetensors) or a run directory (with best/ or last/)`);
  if (existsSync(join(path, 'config.json'))) return path;
  const order = prefer === 'best' ? ['best', 'last'] : ['last', 'best'];
  for (const name of order) if (existsSync(join(path, name, 'config.json'))) return join(path, name);
  // A save interrupted between its two renames leaves only '<name>.old-<pid>'.
  for (const name of order) {
    const leftover = readdirSync(path).find((entry) => entry.startsWith(`${name}.old-`));
    if (leftover && existsSync(join(path, leftover, 'config.json'))) return join(path, leftover);
  }
  throw new Error(`${path}: not a checkpoint (no config.json) and no best/ or last/ checkpoint inside`);
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${path}: missing (${what})`);
    throw new Error(`${path}: cannot read (${(err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

function readBytes(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${path}: missing (${what})`);
    throw new Error(`${path}: cannot read (${(err as Error).message})`);
  }
}

/** Load model, tokenizer and configs from a checkpoint or run directory. */
export function loadCheckpoint(path: string, options: { prefer?: 'best' | 'last'; generator?: Generator } = {}): CheckpointContents & { dir: string } {
  const dir = resolveCheckpointDir(path, options.prefer);
  const configPath = join(dir, 'config.json');
  const config = readJson(configPath, 'the model configuration') as Partial<CheckpointConfigFile>;
  if (config.format !== CHECKPOINT_FORMAT) throw new Error(`${configPath}: not an lmkit checkpoint config (format is ${JSON.stringify(config.format)}, expected "${CHECKPOINT_FORMAT}")`);
  if (config.version !== CHECKPOINT_VERSION) throw new Error(`${configPath}: checkpoint version ${String(config.version)} is not supported (this lmkit reads version ${CHECKPOINT_VERSION})`);
  let modelConfig: ModelConfig;
  try {
    modelConfig = resolveModelConfig(config.model as unknown as { type: string } & Record<string, unknown>);
  } catch (err) {
    throw new Error(`${configPath}: ${(err as Error).message}`);
  }
  const model = createModel(modelConfig, { generator: options.generator });
  const weightsPath = join(dir, 'model.safetensors');
  const { tensors } = parseSafetensors(readBytes(weightsPath, 'the model weights'), weightsPath);
  try {
    model.loadStateDict(tensors);
  } catch (err) {
    throw new Error(`${weightsPath} does not match ${configPath}: ${(err as Error).message}`);
  }
  const tokenizerPath = join(dir, 'tokenizer.json');
  const tokenizer = loadTokenizer(new TextDecoder().decode(readBytes(tokenizerPath, 'the tokenizer')), tokenizerPath);
  if (tokenizer.vocabSize > model.config.vocabSize) {
    throw new Error(`${tokenizerPath}: the tokenizer has ${tokenizer.vocabSize} ids but the model only ${model.config.vocabSize}`);
  }
  model.eval();
  return { dir, model, modelConfig, tokenizer, training: config.training };
}

/** The optimizer/loop/task state saved next to the weights, for `--resume`. */
export function loadTrainingSnapshot(dir: string): TrainingSnapshot {
  const tensorsPath = join(dir, 'optimizer.safetensors');
  const statePath = join(dir, 'state.json');
  const { tensors } = parseSafetensors(readBytes(tensorsPath, 'the optimizer state needed to resume'), tensorsPath);
  const json = readJson(statePath, 'the training state needed to resume') as SerializedTrainingState['json'];
  return deserializeTrainingState(tensors, json, statePath);
}
