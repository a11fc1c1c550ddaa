/**
 * The Node driver around the training loop: reads the data, builds (or
 * resumes) the model, shows a progress bar, writes metrics.jsonl and loss.svg,
 * saves best/ and last/ checkpoints, and turns the first Ctrl-C into a clean
 * stop with a saved checkpoint (a second Ctrl-C exits at once; the atomic saves
 * keep the previous checkpoint intact either way).
 *
 * Run directory layout:
 *   <out>/best/  <out>/last/   checkpoints (src/node/train/checkpoint-dir.ts)
 *   <out>/metrics.jsonl        one JSON object per logged update and per evaluation
 *   <out>/loss.svg             the loss curve, rewritten at every evaluation
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createModel, resolveModelConfig, type LanguageModelNetwork, type ModelConfig, type ModelType } from '../../lm/factory.js';
import { GPT } from '../../lm/gpt.js';
import type { RNNLM } from '../../lm/rnn-lm.js';
import { Generator } from '../../tensor/random.js';
import { CharTokenizer } from '../../text/char.js';
import type { Tokenizer } from '../../text/tokenizer.js';
import { configureOptimizer } from '../../train/configure-optimizer.js';
import { resolveTrainConfig, type TrainConfig } from '../../train/config.js';
import { trainLoop, type CheckpointKind, type EvalMetrics, type LossHistory, type StopReason, type TrainingSnapshot } from '../../train/loop.js';
import { metricsLine, metricsUpTo, parseMetricsJsonl, type MetricsRecord } from '../../train/metrics.js';
import { lossHistorySvg } from '../../train/plot.js';
import { gptTask, rnnTask, type TrainTask } from '../../train/tasks.js';
import { encodeStream, splitTrainVal } from '../../train/tokens.js';
import { describeBackend } from '../backend/select.js';
import { readTextFile, writeFileAtomic } from '../files.js';
import { createProgress } from '../progress.js';
import { loadCheckpoint, loadTrainingSnapshot, resolveCheckpointDir, saveCheckpoint } from './checkpoint-dir.js';

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

/** The budgets a resumed run may change; every other training option must stay as saved. */
const RESUMABLE_OPTIONS = ['maxIters', 'maxTime', 'evalInterval', 'logInterval'] as const;

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

export async function runTraining(options: RunTrainingOptions): Promise<RunSummary> {
  const log = options.quiet ? () => {} : (options.log ?? ((line: string) => process.stdout.write(`${line}\n`)));
  const text = options.text ?? (options.dataPath ? readTextFile(options.dataPath) : undefined);
  if (text === undefined) throw new Error('runTraining: give dataPath or text');

  let model: LanguageModelNetwork, tokenizer: Tokenizer, modelConfig: ModelConfig, training: TrainConfig;
  let resume: TrainingSnapshot | undefined;
  // The one run generator: initialization, dropout and batch sampling all draw from it.
  let generator: Generator;
  if (options.resume) {
    // last/, or best/ (or a copy a crash left between the two renames of a save) if last/ is gone.
    let lastDir: string;
    try {
      lastDir = resolveCheckpointDir(options.outDir, 'last');
    } catch {
      throw new Error(`${options.outDir}: nothing to resume (no last/ or best/ checkpoint); drop --resume to start a new run`);
    }
    generator = new Generator(0); // its state is restored from the snapshot
    const loaded = loadCheckpoint(lastDir, { generator });
    ({ model, tokenizer, modelConfig } = loaded);
    if (!loaded.training) throw new Error(`${lastDir}/config.json has no training configuration to resume`);
    // Only the budgets may change on resume; everything else must match the saved run.
    training = resolveTrainConfig({ ...loaded.training, ...pick(options.training ?? {}, RESUMABLE_OPTIONS) });
    const saved = training as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(options.training ?? {})) {
      if (value !== undefined && !(RESUMABLE_OPTIONS as readonly string[]).includes(key) && saved[key] !== value) {
        log(`note: --resume keeps the saved ${key} = ${String(saved[key])} (ignoring ${String(value)}); only ${RESUMABLE_OPTIONS.join(', ')} may change`);
      }
    }
    resume = loadTrainingSnapshot(lastDir);
    log(`resuming from ${lastDir} at update ${resume.loop.step}`);
  } else {
    checkOutDir(options.outDir, options.force ?? false);
    training = resolveTrainConfig(options.training);
    tokenizer = options.tokenizer === undefined || options.tokenizer === 'char' ? CharTokenizer.train(text, { unkToken: null }) : options.tokenizer;
    const input = { blockSize: options.model.type === 'gpt' ? training.blockSize : undefined, ...options.model, vocabSize: tokenizer.vocabSize };
    if (input.blockSize === undefined) delete input.blockSize;
    modelConfig = resolveModelConfig(input);
    generator = new Generator(training.seed);
    model = createModel(modelConfig, { generator });
  }
  if (modelConfig.type === 'gpt' && training.blockSize > modelConfig.blockSize) {
    throw new RangeError(`training blockSize ${training.blockSize} exceeds the model's blockSize ${modelConfig.blockSize}; lower --block-size`);
  }

  const ids = encodeStream(text, tokenizer);
  const splits = splitTrainVal(ids, training.trainFraction);
  const data = { splits, batchSize: training.batchSize, blockSize: training.blockSize };
  const task: TrainTask = model instanceof GPT
    ? gptTask(model, data, generator, training.seed + 1)
    : rnnTask(model as RNNLM, data);
  const optimizer = configureOptimizer(model, training);
  if (!resume) prepareOutDir(options.outDir, options.force ?? false);
  const parameters = model.parameters().reduce((n, p) => n + p.size, 0);
  log(`model: ${modelConfig.type}, ${(parameters / 1e6).toFixed(2)} M parameters; data: ${ids.length} tokens (${splits.train.length} train / ${splits.val.length} val), vocabulary ${tokenizer.vocabSize}`);
  log(`training: ${training.maxIters} updates of ${training.batchSize}×${training.blockSize} tokens${training.maxTime > 0 ? `, time budget ${training.maxTime} s` : ''}; backend ${describeBackend()}; run directory ${options.outDir}`);

  const metricsPath = join(options.outDir, 'metrics.jsonl');
  const plotPath = join(options.outDir, 'loss.svg');
  const history: LossHistory = resume ? structuredClone(resume.loop.history) : { train: [], evalTrain: [], val: [] };
  if (resume && existsSync(metricsPath)) {
    // A run killed after its last save logged updates the resumed run will redo: drop them so each update appears once.
    const kept = metricsUpTo(parseMetricsJsonl(readFileSync(metricsPath, 'utf8'), metricsPath), resume.loop.step);
    writeFileAtomic(metricsPath, kept.map(metricsLine).join(''), { force: true });
  }
  const title = `${modelConfig.type} on ${options.dataPath ?? 'text'}`;
  const writePlot = (): void => writeFileAtomic(plotPath, lossHistorySvg(history, { title }), { force: true });

  const bar = createProgress('train', training.maxIters, { quiet: options.quiet, unit: 'it' });
  const interactive = !options.quiet && process.stderr.isTTY;
  let lastVal: number | null = null;
  const controller = new AbortController();
  const signal = options.signal ?? controller.signal;
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      bar.stop();
      process.stderr.write('\nstopping after this update and saving last/ (Ctrl-C again to quit at once)\n');
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  if (!options.signal) process.on('SIGINT', onSigint);

  const onCheckpoint = (kind: CheckpointKind, snapshot: TrainingSnapshot): void => {
    saveCheckpoint(join(options.outDir, kind), { model, modelConfig, tokenizer, training, snapshot });
  };
  let result;
  try {
    result = await trainLoop({
      task, config: training, optimizer, generator, resume, signal, onCheckpoint,
      onStep(m) {
        history.train.push([m.step, m.loss]);
        const record: MetricsRecord = { kind: 'step', ...m };
        appendFileSync(metricsPath, metricsLine(record));
        bar.update(m.step, { loss: m.loss.toFixed(4), val: lastVal === null ? '—' : lastVal.toFixed(4), 'tok/s': Math.round(m.tokensPerSecond) });
        options.onMetrics?.(record);
      },
      onEval(m: EvalMetrics) {
        history.evalTrain.push([m.step, m.trainLoss]);
        history.val.push([m.step, m.valLoss]);
        const record: MetricsRecord = { kind: 'eval', ...m };
        appendFileSync(metricsPath, metricsLine(record));
        writePlot();
        lastVal = m.valLoss;
        // With a live bar the eval shows in the bar; otherwise (logs, CI) as a line.
        if (!interactive) log(`update ${m.step}: train loss ${m.trainLoss.toFixed(4)}, val loss ${m.valLoss.toFixed(4)}${m.best ? ' (best)' : ''}, ${(m.elapsedMs / 1000).toFixed(0)} s`);
        options.onMetrics?.(record);
      },
    });
  } finally {
    bar.stop();
    if (!options.signal) process.off('SIGINT', onSigint);
  }
  writePlot();
  const stepsThisRun = result.state.step - (resume?.loop.step ?? 0);
  const seconds = result.state.elapsedMs / 1000;
  const why = { maxIters: 'reached maxIters', maxTime: `time budget of ${training.maxTime} s used up`, interrupt: 'interrupted' }[result.stoppedBy];
  log(`stopped after ${result.state.step} updates (${why}) in ${seconds.toFixed(1)} s; ${result.msPerIter.toFixed(1)} ms/update; best val loss ${result.state.bestValLoss?.toFixed(4) ?? '—'}`);
  log(`checkpoints: ${join(options.outDir, 'best')} and ${join(options.outDir, 'last')}; metrics ${metricsPath}; loss curve ${plotPath}`);
  return {
    outDir: options.outDir, stoppedBy: result.stoppedBy, steps: result.state.step, seconds,
    msPerIter: result.msPerIter, tokensPerSecond: stepsThisRun > 0 ? (task.tokensPerBatch * training.gradAccumulation * 1000) / result.msPerIter : 0,
    trainLoss: result.trainLoss, valLoss: result.valLoss, bestValLoss: result.state.bestValLoss, parameters,
    peakRssMb: process.resourceUsage().maxRSS / 1024, model, tokenizer, modelConfig, training,
  };
}

function pick<T extends object>(source: T, keys: readonly (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
