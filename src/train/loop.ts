/**
 * The training loop, written once for every trainable thing (seed 000's
 * mini-batch SGD on the log-likelihood, with nanoGPT's refinements): any
 * optimizer and learning-rate schedule, global-norm clipping, gradient
 * accumulation, periodic evaluation with metrics beyond the loss, best/last
 * snapshots, and three ways to stop — an update budget, a time budget, or an
 * AbortSignal (SIGINT or SIGTERM in the CLI, a Stop button in a page).
 * Browser-safe: what happens to a snapshot is the caller's callback
 * (src/train/session.ts hands it to a host's checkpoint store).
 *
 * What a model family contributes is a *task* (src/train/tasks/): the loss of
 * the next mini-batch and an evaluation of a split.
 *
 * Determinism: every random draw of a run (initialization, dropout, batch
 * sampling) comes from one seeded Generator, whose state is part of the
 * snapshot; evaluation draws from its own generator re-seeded at every
 * evaluation, so evaluating never perturbs training and every evaluation scores
 * the same batches (comparable numbers, less noise). Hence N updates, or
 * N/2 + save + resume + N/2, give bit-identical weights on the same backend.
 */
import { backward } from '../autograd/tape.js';
import { recyclingStep } from '../tensor/buffer-pool.js';
import { mul } from '../ops/binary.js';
import { clipGradNorm, gradNorm } from '../optim/clip.js';
import type { OptimizerStateDict, OptimizerStateDictInput } from '../optim/optimizer.js';
import { constantSchedule, setLearningRate, warmupCosineSchedule, type Schedule } from '../optim/schedules.js';
import type { Generator } from '../tensor/random.js';
import type { TrainConfig } from './config.js';
import { bestSelector, runEvaluation, type EvalMetrics, type Selection } from './evaluation.js';
import type { TaskState, TrainTask } from './tasks/task.js';

export type { EvalMetrics, Selection } from './evaluation.js';

/** Loss history kept for the loss-curve plot: [update, value] pairs. */
export interface LossHistory {
  train: [number, number][];
  /** nanoGPT's estimate_loss on both splits at each evaluation. */
  evalTrain: [number, number][];
  val: [number, number][];
  /** Further evaluation metrics by name ('val.accuracy', …), when the task or a hook reports any. */
  metrics?: Record<string, [number, number][]>;
}

/** Everything about the loop's progress that a checkpoint must keep for an exact resume. */
export interface LoopState {
  /** Updates done. */
  step: number;
  bestValLoss: number | null;
  /** Best value of the selection metric when it is not the validation loss (see TrainLoopOptions.selectBy). */
  bestScore?: number | null;
  /** Update at which the last evaluation ran (-1: none yet). */
  lastEvalStep: number;
  /** Wall time spent in this run so far, across resumes. */
  elapsedMs: number;
  generatorState: number[];
  history: LossHistory;
}

/** A full snapshot: loop + optimizer + task data position. */
export interface TrainingSnapshot {
  loop: LoopState;
  optimizer: OptimizerStateDict;
  task: TaskState;
}

export interface StepMetrics {
  step: number;
  lr: number;
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  tokensPerSecond: number;
  msPerIter: number;
  elapsedMs: number;
}

export type StopReason = 'maxIters' | 'maxTime' | 'interrupt';
export type CheckpointKind = 'best' | 'last';

/**
 * What the loop needs of an optimizer — every Optimizer in src/optim has it:
 * parameter groups carrying an lr (set by the schedule), zeroGrad, step, and a
 * state dict for exact resume.
 */
export interface TrainableOptimizer {
  readonly paramGroups: readonly { lr: number }[];
  zeroGrad(): void;
  step(): void;
  stateDict(): OptimizerStateDict;
  loadStateDict(dict: OptimizerStateDictInput): void;
}

/** The loop's own settings (a TrainConfig has them all). */
export type LoopConfig = Pick<TrainConfig, 'maxIters' | 'maxTime' | 'gradAccumulation' | 'gradClip' | 'evalInterval' | 'evalIters' | 'logInterval'>;

/** The fields learningRateSchedule reads. */
export type ScheduleConfig = Pick<TrainConfig, 'learningRate' | 'decayLr' | 'minLr' | 'warmupIters' | 'lrDecayIters'>;

export interface TrainLoopOptions {
  task: TrainTask;
  /** Budgets and intervals; also the learning-rate schedule's fields when `schedule` is not given. */
  config: LoopConfig & Partial<ScheduleConfig>;
  optimizer: TrainableOptimizer;
  /** lr as a function of the update index (default: learningRateSchedule(config)). */
  schedule?: Schedule;
  /** The run's generator (the one the model and task draw from). */
  generator: Generator;
  /** Continue from a snapshot taken by an earlier run. */
  resume?: TrainingSnapshot;
  /** Abort between updates (the CLI wires SIGINT to it); a 'last' checkpoint is still saved. */
  signal?: AbortSignal;
  /**
   * Extra metrics computed at every evaluation (in eval mode, no grad), merged
   * with the task's: e.g. `{ 'val.bleu': … }`. Names should say the split.
   */
  evalHooks?: readonly (() => Record<string, number>)[];
  /** Which evaluation result makes a checkpoint 'best' (default: the lowest validation loss). */
  selectBy?: Selection;
  /** Every logged update, with the run's history so far (the loop's own record: read it, do not change it). */
  onStep?(metrics: StepMetrics, history: Readonly<LossHistory>): void;
  /** Every evaluation, with the run's history so far (read-only, as for onStep). */
  onEval?(metrics: EvalMetrics, history: Readonly<LossHistory>): void;
  /** Persist a snapshot; awaited before training continues. */
  onCheckpoint?(kind: CheckpointKind, snapshot: TrainingSnapshot): void | Promise<void>;
  /** Milliseconds clock (default performance.now). */
  clock?: () => number;
}

export interface TrainResult {
  stoppedBy: StopReason;
  state: LoopState;
  /** Last evaluation's losses (null when no evaluation ran). */
  trainLoss: number | null;
  valLoss: number | null;
  /** Last evaluation's further metrics ({} when none). */
  metrics: Record<string, number>;
  /** Median milliseconds per update over this invocation. */
  msPerIter: number;
}

/** Warmup + cosine decay (nanoGPT's get_lr), or a constant lr when decayLr is off. */
export function learningRateSchedule(config: ScheduleConfig): Schedule {
  if (!config.decayLr) return constantSchedule(config.learningRate);
  return warmupCosineSchedule({ maxLr: config.learningRate, minLr: config.minLr, warmupSteps: config.warmupIters, decaySteps: config.lrDecayIters });
}

function scheduleOf(options: TrainLoopOptions): Schedule {
  if (options.schedule) return options.schedule;
  const { learningRate, decayLr, minLr, warmupIters, lrDecayIters } = options.config;
  if (learningRate === undefined || decayLr === undefined || (decayLr && (minLr === undefined || warmupIters === undefined || lrDecayIters === undefined))) {
    throw new TypeError('trainLoop: give a schedule, or the schedule fields in config (learningRate, decayLr, minLr, warmupIters, lrDecayIters)');
  }
  return learningRateSchedule({ learningRate, decayLr, minLr: minLr ?? 0, warmupIters: warmupIters ?? 0, lrDecayIters: lrDecayIters ?? 0 });
}

/** Yield to the event loop so signals (SIGINT) and timers get a chance to run. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The loop state to start from: a copy of the snapshot's (restoring optimizer, generator and task), or a fresh one. */
function initialState(options: TrainLoopOptions): LoopState {
  const { resume, optimizer, generator, task } = options;
  if (!resume) {
    return { step: 0, bestValLoss: null, lastEvalStep: -1, elapsedMs: 0, generatorState: generator.getState(), history: { train: [], evalTrain: [], val: [] } };
  }
  optimizer.loadStateDict(resume.optimizer);
  generator.setState(resume.loop.generatorState);
  task.loadState(resume.task);
  return structuredClone(resume.loop);
}

/**
 * One optimizer update: zero the gradients, accumulate `gradAccumulation`
 * micro-batch gradients (each loss scaled by 1/gradAccumulation, so the sum is
 * the mean), clip, step. Returns the mean loss and the pre-clipping norm.
 */
function update(task: TrainTask, optimizer: TrainableOptimizer, config: LoopConfig, step: number): { loss: number; norm: number } {
  optimizer.zeroGrad();
  const accumulate = (): number => {
    let sum = 0;
    for (let micro = 0; micro < config.gradAccumulation; micro++) {
      const microLoss = task.trainLoss();
      sum += microLoss.item() / config.gradAccumulation;
      backward(config.gradAccumulation === 1 ? microLoss : mul(microLoss, 1 / config.gradAccumulation));
    }
    return sum;
  };
  // A step-local task keeps nothing its forward and backward allocate (the .grad sums are the tape's own
  // copies): every buffer of the step goes back to the pool for the next one (tensor/buffer-pool.ts).
  const loss = task.stepLocal ? recyclingStep(accumulate) : accumulate();
  if (!Number.isFinite(loss)) {
    throw new Error(`training diverged at update ${step}: the loss is ${loss} — lower --lr, enable --grad-clip, or check the data`);
  }
  const params = task.model.parameters();
  const norm = config.gradClip > 0 ? clipGradNorm(params, config.gradClip) : gradNorm(params);
  optimizer.step();
  return { loss, norm };
}

export async function trainLoop(options: TrainLoopOptions): Promise<TrainResult> {
  const { task, config, optimizer, generator } = options;
  const clock = options.clock ?? (() => performance.now());
  const schedule = scheduleOf(options);
  const state = initialState(options);
  const isBest = bestSelector(options.selectBy);
  task.model.train();

  const startedAt = clock() - state.elapsedMs;
  const elapsed = (): number => clock() - startedAt;
  const snapshot = (): TrainingSnapshot => ({
    loop: { ...structuredClone(state), elapsedMs: elapsed(), generatorState: generator.getState() },
    optimizer: optimizer.stateDict(),
    task: task.saveState(),
  });
  let last: EvalMetrics | null = null;

  const evaluate = async (): Promise<void> => {
    last = runEvaluation(task, state, { evalIters: config.evalIters, hooks: options.evalHooks ?? [], isBest, elapsedMs: elapsed() });
    options.onEval?.(last, state.history);
    if (last.best) await options.onCheckpoint?.('best', snapshot());
    await options.onCheckpoint?.('last', snapshot());
  };

  const stepTimes: number[] = [];
  let lastYield = clock();
  let stoppedBy: StopReason;
  for (;;) {
    // An interrupt is honoured first: the user wants out now, not after one more evaluation.
    if (options.signal?.aborted) { stoppedBy = 'interrupt'; break; }
    if (state.step % config.evalInterval === 0 && state.lastEvalStep !== state.step) await evaluate();
    if (state.step >= config.maxIters) { stoppedBy = 'maxIters'; break; }
    if (config.maxTime > 0 && elapsed() >= config.maxTime * 1000) { stoppedBy = 'maxTime'; break; }

    const start = clock();
    const lr = schedule(state.step);
    setLearningRate(optimizer, lr);
    const { loss, norm } = update(task, optimizer, config, state.step);
    state.step++;
    const ms = clock() - start;
    stepTimes.push(ms);
    if (state.step % config.logInterval === 0 || state.step === 1) {
      state.history.train.push([state.step, loss]);
      options.onStep?.({
        step: state.step, lr, loss, gradNorm: norm, msPerIter: ms,
        tokensPerSecond: (task.tokensPerBatch * config.gradAccumulation * 1000) / ms, elapsedMs: elapsed(),
      }, state.history);
    }
    if (clock() - lastYield >= 50) {
      await yieldToEventLoop();
      lastYield = clock();
    }
  }
  // The final update is always checkpointed as last/ (an evaluation saves it): a stop by budget
  // ends with an evaluation, an interrupt just saves (the user wants out now).
  if (state.lastEvalStep !== state.step) {
    if (stoppedBy === 'interrupt') await options.onCheckpoint?.('last', snapshot());
    else await evaluate();
  }
  state.elapsedMs = elapsed();
  state.generatorState = generator.getState();
  const final = last as EvalMetrics | null;
  return { stoppedBy, state, trainLoss: final?.trainLoss ?? null, valLoss: final?.valLoss ?? null, metrics: final?.metrics ?? {}, msPerIter: median(stepTimes) };
}
