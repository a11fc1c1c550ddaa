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
import type { LanguageModelNetwork, ModelConfig } from '../../lm/factory.js';
import type { Generator } from '../../tensor/random.js';
import type { Tokenizer } from '../../text/tokenizer.js';
import { deserializeTrainingState, serializeTrainingState, type Checkpoint, type CheckpointConfig, type SerializedTrainingState } from '../../train/checkpoint.js';
import type { TrainConfig } from '../../train/config.js';
import { languageModelCheckpoint, restoreLanguageModel, TOKENIZER_FILE } from '../../train/language-model-run.js';
import type { CheckpointKind, TrainingSnapshot } from '../../train/loop.js';
import type { CheckpointStore } from '../../train/store.js';

/** config.json of a language-model checkpoint. */
export type CheckpointConfigFile = CheckpointConfig & { model: ModelConfig; training?: TrainConfig };

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

/** Write a language model's checkpoint directory atomically (replacing an existing checkpoint at `dir`). */
export function saveCheckpoint(dir: string, parts: SaveCheckpointParts, options: { beforeSwap?: () => void } = {}): void {
  const state = parts.snapshot ? serializeTrainingState(parts.snapshot) : undefined;
  writeCheckpointDir(dir, { ...languageModelCheckpoint(parts), ...(state ? { state } : {}) }, options);
}

/** Write checkpoint data as a directory, atomically (replacing an existing checkpoint at `dir`). */
export function writeCheckpointDir(dir: string, checkpoint: Checkpoint, options: { beforeSwap?: () => void } = {}): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  const old = `${dir}.old-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    writeCheckpointFiles(tmp, checkpoint);
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

function writeCheckpointFiles(dir: string, checkpoint: Checkpoint): void {
  writeSynced(join(dir, 'model.safetensors'), serializeSafetensors(checkpoint.weights, { format: 'pt', producer: 'lmkit' }));
  writeSynced(join(dir, 'config.json'), `${JSON.stringify(checkpoint.config, null, 2)}\n`);
  for (const [name, text] of Object.entries(checkpoint.files)) writeSynced(join(dir, name), text);
  if (checkpoint.state) {
    writeSynced(join(dir, 'optimizer.safetensors'), serializeSafetensors(checkpoint.state.tensors));
    writeSynced(join(dir, 'state.json'), `${JSON.stringify(checkpoint.state.json)}\n`);
  }
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

const RESUMABLE_FILES = ['config.json', 'model.safetensors', 'optimizer.safetensors', 'state.json'];

/** Updates done by a complete resumable checkpoint in `dir`, or null when a file is missing or state.json is cut short. */
function resumableStep(dir: string): number | null {
  if (!RESUMABLE_FILES.every((name) => existsSync(join(dir, name)))) return null;
  try {
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { loop?: { step?: unknown } };
    return typeof state.loop?.step === 'number' ? state.loop.step : null;
  } catch {
    return null;
  }
}

/**
 * The checkpoint a resume continues from: the complete one with the most
 * updates among best/, last/ and the copies an interrupted save leaves behind
 * (`<name>.old-<pid>`: the previous checkpoint, renamed aside; `<name>.tmp-<pid>`:
 * the new one, complete once its state.json is), last/ winning a tie. A copy
 * is moved back to its own name first (the current one, if any, renamed aside
 * as a save does), so nothing newer than what is resumed is ever deleted.
 * Returns undefined when the run directory holds no resumable checkpoint.
 */
export function newestResumableCheckpoint(runDir: string): string | undefined {
  const candidates = readdirSync(runDir)
    .map((entry) => ({ entry, match: /^(best|last)(?:\.(?:old|tmp)-\d+)?$/.exec(entry) }))
    .filter((c): c is { entry: string; match: RegExpExecArray } => c.match !== null)
    .map(({ entry, match }) => ({ entry, base: match[1], step: resumableStep(join(runDir, entry)) }))
    .filter((c) => c.step !== null) as { entry: string; base: string; step: number }[];
  if (candidates.length === 0) return undefined;
  const rank = (c: { entry: string; base: string }): number => (c.entry === c.base ? 2 : 0) + (c.base === 'last' ? 1 : 0);
  candidates.sort((a, b) => b.step - a.step || rank(b) - rank(a));
  const chosen = candidates[0];
  if (chosen.entry === chosen.base) return join(runDir, chosen.entry);
  const target = join(runDir, chosen.base);
  if (existsSync(target)) renameSync(target, `${target}.old-${process.pid}-${Date.now()}`);
  renameSync(join(runDir, chosen.entry), target);
  fsyncDirectory(runDir);
  return target;
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

/**
 * Read a checkpoint directory as plain data: config.json, model.safetensors,
 * the named side files, and (with `state`) the training state for a resume.
 */
export function readCheckpointDir(dir: string, options: { files?: readonly string[]; state?: boolean } = {}): Checkpoint {
  const configPath = join(dir, 'config.json');
  const config = readJson(configPath, 'the model configuration') as CheckpointConfig;
  const weightsPath = join(dir, 'model.safetensors');
  const { tensors: weights } = parseSafetensors(readBytes(weightsPath, 'the model weights'), weightsPath);
  const files: Record<string, string> = {};
  for (const name of options.files ?? [TOKENIZER_FILE]) {
    // The side files are JSON/text files: a leading BOM is a file signature (JSON.parse would reject it), so it is stripped.
    files[name] = new TextDecoder().decode(readBytes(join(dir, name), name === TOKENIZER_FILE ? 'the tokenizer' : name));
  }
  return { config, weights, files, ...(options.state ? { state: readTrainingState(dir) } : {}) };
}

/** Load model, tokenizer and configs from a checkpoint or run directory. */
export function loadCheckpoint(path: string, options: { prefer?: 'best' | 'last'; generator?: Generator } = {}): CheckpointContents & { dir: string } {
  const dir = resolveCheckpointDir(path, options.prefer);
  return { dir, ...restoreLanguageModel(readCheckpointDir(dir), dir, options.generator) };
}

function readTrainingState(dir: string): SerializedTrainingState {
  const tensorsPath = join(dir, 'optimizer.safetensors');
  const statePath = join(dir, 'state.json');
  const { tensors } = parseSafetensors(readBytes(tensorsPath, 'the optimizer state needed to resume'), tensorsPath);
  const json = readJson(statePath, 'the training state needed to resume') as SerializedTrainingState['json'];
  return { tensors, json };
}

/** A run directory's best/ and last/ as a checkpoint store (atomic saves; loads fall back as resolveCheckpointDir does). */
export class DirectoryCheckpointStore implements CheckpointStore {
  constructor(readonly runDir: string, private readonly files: readonly string[] = [TOKENIZER_FILE]) {}

  save(kind: CheckpointKind, checkpoint: Checkpoint): void {
    writeCheckpointDir(join(this.runDir, kind), checkpoint);
  }

  load(kind: CheckpointKind): Checkpoint | undefined {
    let dir: string;
    try {
      dir = resolveCheckpointDir(this.runDir, kind);
    } catch {
      return undefined;
    }
    return readCheckpointDir(dir, { files: this.files, state: true });
  }
}

/** The optimizer/loop/task state saved next to the weights, for `--resume`. */
export function loadTrainingSnapshot(dir: string): TrainingSnapshot {
  const { tensors, json } = readTrainingState(dir);
  return deserializeTrainingState(tensors, json, join(dir, 'state.json'));
}
