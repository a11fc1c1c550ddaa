/**
 * A training session: everything a host needs to run one training road — a
 * task, an optimizer, a schedule, budgets, the run's generator, an optional
 * resume point, and how to package the model as a checkpoint — run against a
 * host that supplies storage, a stop signal and the progress display.
 *
 * Each model family builds sessions (a language model: src/train/language-model-run.ts);
 * each host runs them (Node: src/node/train/host.ts, with run directories,
 * progress bars and signals; a page: a MemoryCheckpointStore and its own
 * callbacks). Nothing here touches files or the process.
 */
import type { Schedule } from '../optim/schedules.js';
import type { Generator } from '../tensor/random.js';
import { serializeTrainingState, type Checkpoint } from './checkpoint.js';
import {
  trainLoop, type CheckpointKind, type EvalMetrics, type LoopConfig, type LossHistory, type ScheduleConfig, type Selection,
  type StepMetrics, type TrainableOptimizer, type TrainingSnapshot, type TrainResult,
} from './loop.js';
import type { EvalRecord, StepRecord } from './metrics.js';
import type { CheckpointStore } from './store.js';
import type { TrainTask } from './tasks/task.js';

export interface TrainingSession {
  task: TrainTask;
  optimizer: TrainableOptimizer;
  config: LoopConfig & Partial<ScheduleConfig>;
  /** Default: the warmup-cosine (or constant) schedule of the config. */
  schedule?: Schedule;
  generator: Generator;
  resume?: TrainingSnapshot;
  evalHooks?: readonly (() => Record<string, number>)[];
  selectBy?: Selection;
  /** The model, its configuration and side files as checkpoint data (without the training state). */
  checkpoint(): Omit<Checkpoint, 'state'>;
}

export interface TrainingHost {
  store: CheckpointStore;
  signal?: AbortSignal;
  /** Every logged update; `history` is the run's loss history so far (for a live chart). */
  onStep?(record: StepRecord, history: Readonly<LossHistory>): void;
  /** Every evaluation (its best/last checkpoints are saved right after). */
  onEval?(record: EvalRecord, history: Readonly<LossHistory>): void;
  clock?: () => number;
}

export interface SessionResult extends TrainResult {
  history: LossHistory;
}

/** Run a session on a host: train, saving best/last checkpoints to the host's store. */
export async function runTrainingSession(session: TrainingSession, host: TrainingHost): Promise<SessionResult> {
  const onCheckpoint = (kind: CheckpointKind, snapshot: TrainingSnapshot): void | Promise<void> =>
    host.store.save(kind, { ...session.checkpoint(), state: serializeTrainingState(snapshot) });
  const result = await trainLoop({
    task: session.task, config: session.config, optimizer: session.optimizer, schedule: session.schedule,
    generator: session.generator, resume: session.resume, evalHooks: session.evalHooks, selectBy: session.selectBy,
    signal: host.signal, clock: host.clock, onCheckpoint,
    onStep: (metrics: StepMetrics, history) => host.onStep?.({ kind: 'step', ...metrics }, history),
    onEval: (metrics: EvalMetrics, history) => host.onEval?.({ kind: 'eval', ...metrics }, history),
  });
  // The loop's own record, which a resumed run continues from the snapshot's.
  return { ...result, history: result.state.history };
}
