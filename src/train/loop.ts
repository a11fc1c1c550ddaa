/**
 * The training loop, written once for every model family (seed 000's mini-batch
 * SGD on the log-likelihood, with nanoGPT's refinements): AdamW with parameter
 * groups, linear warmup + cosine learning-rate decay, global-norm clipping,
 * gradient accumulation, periodic evaluation, best/last checkpoints, and three
 * ways to stop — an update budget, a time budget, or an AbortSignal (SIGINT in
 * the CLI). Browser-safe: saving a checkpoint is a callback.
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
import type { AdamW } from '../optim/adam.js';
import { clipGradNorm, gradNorm } from '../optim/clip.js';
import type { OptimizerStateDict } from '../optim/optimizer.js';
import { constantSchedule, setLearningRate, warmupCosineSchedule, type Schedule } from '../optim/schedules.js';
import type { Generator } from '../tensor/random.js';
import type { TrainConfig } from './config.js';
import type { TaskState, TrainTask } from './tasks.js';

/** Loss history kept for the loss-curve plot: [update, loss] pairs. */
export interface LossHistory {
  train: [number, number][];
  /** nanoGPT's estimate_loss on both splits at each evaluation. */
  evalTrain: [number, number][];
  val: [number, number][];
}

/** Everything about the loop's progress that a checkpoint must keep for an exact resume. */
export interface LoopState {
  /** Updates done. */
  step: number;
  bestValLoss: number | null;
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

export interface EvalMetrics {
  step: number;
  trainLoss: number;
  valLoss: number;
  /** This evaluation set a new best validation loss. */
  best: boolean;
  elapsedMs: number;
}

export type StopReason = 'maxIters' | 'maxTime' | 'interrupt';
export type CheckpointKind = 'best' | 'last';

export interface TrainLoopOptions {
  task: TrainTask;
  config: TrainConfig;
  optimizer: AdamW;
  /** The run's generator (the one the model and task draw from). */
  generator: Generator;
  /** Continue from a snapshot taken by an earlier run. */
  resume?: TrainingSnapshot;
  /** Abort between updates (the CLI wires SIGINT to it); a 'last' checkpoint is still saved. */
  signal?: AbortSignal;
  onStep?(metrics: StepMetrics): void;
  onEval?(metrics: EvalMetrics): void;
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
  /** Median milliseconds per update over this invocation. */
  msPerIter: number;
}

export function learningRateSchedule(config: TrainConfig): Schedule {
  if (!config.decayLr) return constantSchedule(config.learningRate);
  return warmupCosineSchedule({ maxLr: config.learningRate, minLr: config.minLr, warmupSteps: config.warmupIters, decaySteps: config.lrDecayIters });
}

/** Yield to the event loop so signals (SIGINT) and timers get a chance to run. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function trainLoop(options: TrainLoopOptions): Promise<TrainResult> {
  const { task, config, optimizer, generator } = options;
  const clock = options.clock ?? (() => performance.now());
  const params = task.model.parameters();
  const schedule = learningRateSchedule(config);

  const state: LoopState = options.resume
    ? structuredClone(options.resume.loop)
    : { step: 0, bestValLoss: null, lastEvalStep: -1, elapsedMs: 0, generatorState: generator.getState(), history: { train: [], evalTrain: [], val: [] } };
  if (options.resume) {
    optimizer.loadStateDict(options.resume.optimizer);
    generator.setState(options.resume.loop.generatorState);
    task.loadState(options.resume.task);
  }
  task.model.train();

  const startedAt = clock() - state.elapsedMs;
  const elapsed = (): number => clock() - startedAt;
  const snapshot = (): TrainingSnapshot => ({
    loop: { ...structuredClone(state), elapsedMs: elapsed(), generatorState: generator.getState() },
    optimizer: optimizer.stateDict(),
    task: task.saveState(),
  });
  let lastTrainLoss: number | null = null;
  let lastValLoss: number | null = null;

  const evaluate = async (): Promise<void> => {
    const trainLoss = task.evalLoss('train', config.evalIters);
    const valLoss = task.evalLoss('val', config.evalIters);
    lastTrainLoss = trainLoss;
    lastValLoss = valLoss;
    state.lastEvalStep = state.step;
    state.history.evalTrain.push([state.step, trainLoss]);
    state.history.val.push([state.step, valLoss]);
    const best = state.bestValLoss === null || valLoss < state.bestValLoss;
    if (best) state.bestValLoss = valLoss;
    options.onEval?.({ step: state.step, trainLoss, valLoss, best, elapsedMs: elapsed() });
    if (best) await options.onCheckpoint?.('best', snapshot());
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
      throw new Error(`training diverged at update ${state.step}: the loss is ${loss} — lower --lr, enable --grad-clip, or check the data`);
    }
    const norm = config.gradClip > 0 ? clipGradNorm(params, config.gradClip) : gradNorm(params);
    optimizer.step();
    state.step++;
    const ms = clock() - start;
    stepTimes.push(ms);
    if (state.step % config.logInterval === 0 || state.step === 1) {
      state.history.train.push([state.step, loss]);
      options.onStep?.({
        step: state.step, lr, loss, gradNorm: norm, msPerIter: ms,
        tokensPerSecond: (task.tokensPerBatch * config.gradAccumulation * 1000) / ms, elapsedMs: elapsed(),
      });
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
  return { stoppedBy, state, trainLoss: lastTrainLoss, valLoss: lastValLoss, msPerIter: median(stepTimes) };
}
