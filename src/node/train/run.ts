/**
 * `runTraining`: a language model trained on a text file by the core training
 * road (src/train/language-model-run.ts builds the run and its session), on
 * the Node host (src/node/train/host.ts: run directory, metrics.jsonl,
 * loss.svg, progress bar, Ctrl-C). This file only reads the text, picks new
 * or resumed, guards the run directory and summarizes.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LanguageModelNetwork, ModelConfig, ModelType } from '../../lm/factory.js';
import type { Tokenizer } from '../../text/tokenizer.js';
import type { TrainConfig } from '../../train/config.js';
import { languageModelSession, resumeRun, startRun, type LanguageModelRun } from '../../train/language-model-run.js';
import type { StopReason } from '../../train/loop.js';
import type { MetricsRecord } from '../../train/metrics.js';
import { describeBackend } from '../backend/select.js';
import { readTextFile } from '../files.js';
import { readCheckpointDir, resolveCheckpointDir } from './checkpoint-dir.js';
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

/** Refuse an existing run (without force) before any work is done. */
function checkOutDir(outDir: string, force: boolean): void {
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new Error(`${outDir} is a file, not a run directory; choose another --out`);
  if (!force && existsSync(outDir) && readdirSync(outDir).length > 0) {
    throw new Error(`${outDir} already holds a run; pass --resume to continue it, --force to replace it, or choose another --out`);
  }
}

/** Create the run directory (clearing a replaced run's files) once the configuration and data have been validated. */
function prepareOutDir(outDir: string, force: boolean): void {
  checkOutDir(outDir, force);
  if (force) for (const entry of ['best', 'last', 'metrics.jsonl', 'loss.svg']) rmSync(join(outDir, entry), { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
}

/** The run in outDir continued from last/ (or best/, or the copy a crash left between the two renames of a save). */
function resumeFromRunDir(options: RunTrainingOptions, log: (line: string) => void): LanguageModelRun {
  let lastDir: string;
  try {
    lastDir = resolveCheckpointDir(options.outDir, 'last');
  } catch {
    throw new Error(`${options.outDir}: nothing to resume (no last/ or best/ checkpoint); drop --resume to start a new run`);
  }
  const run = resumeRun(readCheckpointDir(lastDir, { state: true }), lastDir, options.training, log);
  log(`resuming from ${lastDir} at update ${run.resume?.loop.step}`);
  return run;
}

export async function runTraining(options: RunTrainingOptions): Promise<RunSummary> {
  const log = options.quiet ? () => {} : (options.log ?? ((line: string) => process.stdout.write(`${line}\n`)));
  const text = options.text ?? (options.dataPath ? readTextFile(options.dataPath) : undefined);
  if (text === undefined) throw new Error('runTraining: give dataPath or text');
  if (!options.resume) checkOutDir(options.outDir, options.force ?? false);
  const run = options.resume
    ? resumeFromRunDir(options, log)
    : startRun({ model: options.model, training: options.training ?? {} }, text, options.tokenizer);
  const session = languageModelSession(run, text);
  if (!options.resume) prepareOutDir(options.outDir, options.force ?? false);
  const { modelConfig, training, tokenizer, model } = run;
  const parameters = model.parameters().reduce((n, p) => n + p.size, 0);
  log(`model: ${modelConfig.type}, ${(parameters / 1e6).toFixed(2)} M parameters; data: ${session.tokens} tokens (${session.splits.train.length} train / ${session.splits.val.length} val), vocabulary ${tokenizer.vocabSize}`);
  log(`training: ${training.maxIters} updates of ${training.batchSize}×${training.blockSize} tokens${training.maxTime > 0 ? `, time budget ${training.maxTime} s` : ''}; backend ${describeBackend()}; run directory ${options.outDir}`);

  const result = await runOnNodeHost(session, {
    outDir: options.outDir, title: `${modelConfig.type} on ${options.dataPath ?? 'text'}`, maxIters: training.maxIters,
    quiet: options.quiet, log, signal: options.signal, onMetrics: options.onMetrics,
  });
  const stepsThisRun = result.state.step - (run.resume?.loop.step ?? 0);
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
