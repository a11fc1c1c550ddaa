/**
 * One evaluation of the training loop: the task's loss on both splits
 * (nanoGPT's estimate_loss), the task's further metrics (accuracy, BLEU …) and
 * any hooks', recorded in the loop's history, and the decision whether this is
 * the best model so far (by the validation loss, or by a metric the caller
 * names — a tagger keeps the checkpoint with the best dev accuracy, not the
 * lowest dev loss).
 */
import type { LoopState } from './loop.js';
import { inEvalMode, type TrainTask } from './tasks/task.js';

export interface EvalMetrics {
  step: number;
  trainLoss: number;
  valLoss: number;
  /** Further metrics by name ('val.accuracy', …); absent when the task and hooks report none. */
  metrics?: Record<string, number>;
  /** This evaluation set a new best (by the selection metric). */
  best: boolean;
  elapsedMs: number;
}

/** Which evaluation result makes a checkpoint 'best': 'valLoss', 'trainLoss', or a name in EvalMetrics.metrics. */
export interface Selection {
  metric: string;
  mode: 'min' | 'max';
}

const DEFAULT_SELECTION: Selection = { metric: 'valLoss', mode: 'min' };

export type BestSelector = (result: Omit<EvalMetrics, 'best' | 'elapsedMs'>, state: LoopState) => boolean;

/**
 * Decides (and records in the loop state) whether an evaluation is the best so
 * far. The validation loss's best is always kept in `bestValLoss` (the run
 * summary reports it); another metric's best goes to `bestScore`.
 */
export function bestSelector(selection: Selection = DEFAULT_SELECTION): BestSelector {
  const better = (value: number, best: number | null | undefined): boolean =>
    best === null || best === undefined || (selection.mode === 'min' ? value < best : value > best);
  return (result, state) => {
    const lossImproved = state.bestValLoss === null || result.valLoss < state.bestValLoss;
    if (lossImproved) state.bestValLoss = result.valLoss;
    if (selection.metric === 'valLoss' && selection.mode === 'min') return lossImproved;
    const value = metricValue(result, selection.metric);
    if (!better(value, state.bestScore)) return false;
    state.bestScore = value;
    return true;
  };
}

function metricValue(result: Omit<EvalMetrics, 'best' | 'elapsedMs'>, metric: string): number {
  if (metric === 'valLoss') return result.valLoss;
  if (metric === 'trainLoss') return result.trainLoss;
  const value = result.metrics?.[metric];
  if (value === undefined) {
    const known = ['valLoss', 'trainLoss', ...Object.keys(result.metrics ?? {})];
    throw new Error(`selectBy: the evaluation reported no metric '${metric}' (it has: ${known.join(', ')})`);
  }
  return value;
}

export interface EvaluationContext {
  evalIters: number;
  hooks: readonly (() => Record<string, number>)[];
  isBest: BestSelector;
  elapsedMs: number;
}

/** Add an evaluation's further metrics to a loss history. */
function appendMetrics(history: LoopState['history'], step: number, metrics: Record<string, number>): void {
  history.metrics ??= {};
  for (const [name, value] of Object.entries(metrics)) (history.metrics[name] ??= []).push([step, value]);
}

/** Run one evaluation at the loop's current step and record it in `state`. */
export function runEvaluation(task: TrainTask, state: LoopState, context: EvaluationContext): EvalMetrics {
  const trainLoss = task.evalLoss('train', context.evalIters);
  const valLoss = task.evalLoss('val', context.evalIters);
  const metrics: Record<string, number> = { ...task.evalMetrics?.(context.evalIters) };
  for (const hook of context.hooks) Object.assign(metrics, inEvalMode(task.model, hook));
  const hasMetrics = Object.keys(metrics).length > 0;
  state.lastEvalStep = state.step;
  state.history.evalTrain.push([state.step, trainLoss]);
  state.history.val.push([state.step, valLoss]);
  if (hasMetrics) appendMetrics(state.history, state.step, metrics);
  const result = { step: state.step, trainLoss, valLoss, ...(hasMetrics ? { metrics } : {}) };
  const best = context.isBest(result, state);
  return { ...result, best, elapsedMs: context.elapsedMs };
}
