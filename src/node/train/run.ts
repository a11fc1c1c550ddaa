/**
 * `runTraining`: a language model trained on a text file by the core training
 * road (src/train/language-model-run.ts builds the run and its session), on
 * the Node host (src/node/train/host.ts: run directory, metrics.jsonl,
 * loss.svg, progress bar, Ctrl-C). This file only reads the text, picks new
 * or resumed, guards the run directory and summarizes.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LanguageModelNetwork, ModelConfig, ModelType } from '../../lm/factory.js';
import type { Tokenizer } from '../../text/tokenizer.js';
import type { TrainConfig } from '../../train/config.js';
import { languageModelSession, resumeRun, startRun, type LanguageModelRun, type LanguageModelSession } from '../../train/language-model-run.js';
import type { StopReason } from '../../train/loop.js';
import type { MetricsRecord } from '../../train/metrics.js';
import { describeBackend } from '../backend/select.js';
import { readTextFile } from '../files.js';
import { newestResumableCheckpoint, readCheckpointDir } from './checkpoint-dir.js';
import { lockRunDir, removeStaleSaves, runEntries } from './run-dir.js';
import { runOnNodeHost } from './host.js';

export interface RunTrainingOptions {
  /** Model family and any config fields (vocabSize comes from the tokenizer; a GPT's blockSize defaults to the training blockSize). */
  model: { type: ModelType } & Record<string, unknown>;
  training?: Partial<TrainConfig>;
  /** Text file to train on (ignored when `text` is given). */
  dataPath?: string;
  text?: string;
  /** A tokenizer, or 'char' (default): a character vocabulary built from the data, as nanoGPT's prepare.py. */
  tokenizer?: Tokenizer | 'char';
  outDir: string;
  /** Replace an existing run directory. */
  force?: boolean;
  /** Continue the run in outDir from its last/ checkpoint (training options may raise maxIters/maxTime). */
  resume?: boolean;
  /** No progress bar and no log lines. */
  quiet?: boolean;
  /** Where log lines go (default: stdout). */
  log?: (line: string) => void;
  /** Stop signal; when absent, SIGINT is handled (first Ctrl-C stops cleanly). */
  signal?: AbortSignal;
  /** Called with every record written to metrics.jsonl (after it is written). */
  onMetrics?(record: MetricsRecord): void;
}

export interface RunSummary {
  outDir: string;
  stoppedBy: StopReason;
  steps: number;
  seconds: number;
  msPerIter: number;
  tokensPerSecond: number;
  trainLoss: number | null;
  valLoss: number | null;
  bestValLoss: number | null;
  parameters: number;
  peakRssMb: number;
  model: LanguageModelNetwork;
  tokenizer: Tokenizer;
  modelConfig: ModelConfig;
  training: TrainConfig;
}

/** Refuse an existing run (without force) before any work is done; `outDir` exists (claimOutDir made it). */
function checkOutDir(outDir: string, force: boolean): void {
  if (!force && runEntries(outDir).length > 0) {
    throw new Error(`${outDir} already holds a run; pass --resume to continue it, --force to replace it, or choose another --out`);
  }
}

/** Clear a replaced run's files (with force) once the configuration and data have been validated. */
function clearReplacedRun(outDir: string, force: boolean): void {
  if (force) for (const entry of ['best', 'last', 'metrics.jsonl', 'loss.svg']) rmSync(join(outDir, entry), { recursive: true, force: true });
}

/** The run in outDir continued from its newest complete checkpoint (last/, best/, or a copy a crash left mid-save). */
function resumeFromRunDir(options: RunTrainingOptions, log: (line: string) => void): LanguageModelRun {
  const dir = newestResumableCheckpoint(options.outDir); // the directory exists: claimOutDir made it
  if (!dir) throw new Error(`${options.outDir}: nothing to resume (no complete last/ or best/ checkpoint); drop --resume to start a new run`);
  const run = resumeRun(readCheckpointDir(dir, { state: true }), dir, options.training, log);
  log(`resuming from ${dir} at update ${run.resume?.loop.step}`);
  return run;
}

/**
 * Take the run directory for this process (creating it if needed) before any
 * work: a second run on the same directory fails here. On failure before
 * training, a directory this call created is removed again.
 */
function claimOutDir(options: RunTrainingOptions): { release(): void; abandon(): void } {
  if (existsSync(options.outDir) && !statSync(options.outDir).isDirectory()) throw new Error(`${options.outDir} is a file, not a run directory; choose another --out`);
  const created = !existsSync(options.outDir);
  mkdirSync(options.outDir, { recursive: true });
  const lock = lockRunDir(options.outDir);
  const claim = {
    release: lock.release,
    abandon() {
      lock.release();
      if (created && existsSync(options.outDir) && runEntries(options.outDir).length === 0) rmSync(options.outDir, { recursive: true, force: true });
    },
  };
  try {
    if (!options.resume) checkOutDir(options.outDir, options.force ?? false);
  } catch (err) {
    claim.abandon();
    throw err;
  }
  return claim;
}

function startOrResume(options: RunTrainingOptions, text: string, log: (line: string) => void): LanguageModelSession {
  const run = options.resume
    ? resumeFromRunDir(options, log)
    : startRun({ model: options.model, training: options.training ?? {} }, text, options.tokenizer);
  return languageModelSession(run, text);
}

export async function runTraining(options: RunTrainingOptions): Promise<RunSummary> {
  const log = options.quiet ? () => {} : (options.log ?? ((line: string) => process.stdout.write(`${line}\n`)));
  const text = options.text ?? (options.dataPath ? readTextFile(options.dataPath) : undefined);
  if (text === undefined) throw new Error('runTraining: give dataPath or text');
  const claim = claimOutDir(options);
  try {
    let session: LanguageModelSession;
    try {
      session = startOrResume(options, text, log);
      if (!options.resume) clearReplacedRun(options.outDir, options.force ?? false);
    } catch (err) {
      claim.abandon();
      throw err;
    }
    for (const entry of removeStaleSaves(options.outDir)) log(`removed ${join(options.outDir, entry)}, left by an interrupted save`);
    return await trainOnNodeHost(session, options, log);
  } finally {
    claim.release();
  }
}

async function trainOnNodeHost(session: LanguageModelSession, options: RunTrainingOptions, log: (line: string) => void): Promise<RunSummary> {
  const run = session.run;
  const { modelConfig, training, tokenizer, model } = run;
  const parameters = model.parameters().reduce((n, p) => n + p.size, 0);
  log(`model: ${modelConfig.type}, ${(parameters / 1e6).toFixed(2)} M parameters; data: ${session.tokens} tokens (${session.splits.train.length} train / ${session.splits.val.length} val), vocabulary ${tokenizer.vocabSize}`);
  log(`training: ${training.maxIters} updates of ${training.batchSize}×${training.blockSize} tokens${training.maxTime > 0 ? `, time budget ${training.maxTime} s` : ''}; backend ${describeBackend()}; run directory ${options.outDir}`);

  const result = await runOnNodeHost(session, {
    outDir: options.outDir, title: `${modelConfig.type} on ${options.dataPath ?? 'text'}`, maxIters: training.maxIters,
    quiet: options.quiet, log, signal: options.signal, onMetrics: options.onMetrics,
  });
  const stepsThisRun = result.state.step - (session.resume?.loop.step ?? 0);
  const seconds = result.state.elapsedMs / 1000;
  const why = { maxIters: 'reached maxIters', maxTime: `time budget of ${training.maxTime} s used up`, interrupt: 'interrupted' }[result.stoppedBy];
  log(`stopped after ${result.state.step} updates (${why}) in ${seconds.toFixed(1)} s; ${result.msPerIter.toFixed(1)} ms/update; best val loss ${result.state.bestValLoss?.toFixed(4) ?? '—'}`);
  log(`checkpoints: ${join(options.outDir, 'best')} and ${join(options.outDir, 'last')}; metrics ${join(options.outDir, 'metrics.jsonl')}; loss curve ${join(options.outDir, 'loss.svg')}`);
  return {
    outDir: options.outDir, stoppedBy: result.stoppedBy, steps: result.state.step, seconds,
    msPerIter: result.msPerIter, tokensPerSecond: stepsThisRun > 0 ? (session.task.tokensPerBatch * training.gradAccumulation * 1000) / result.msPerIter : 0,
    trainLoss: result.trainLoss, valLoss: result.valLoss, bestValLoss: result.state.bestValLoss, parameters,
    peakRssMb: process.resourceUsage().maxRSS / 1024, model, tokenizer, modelConfig, training,
  };
}
