/**
 * A training *task* is what the loop (src/train/loop.ts) needs to know about a
 * model family: how to compute one mini-batch loss, how to evaluate a split,
 * and what it carries between batches that a checkpoint must keep. The loop is
 * written once over this interface; each family adds a task, not a loop:
 *
 * - `gptTask` (windows.ts): random windows every step (nanoGPT's get_batch).
 * - `rnnTask` (bptt.ts): truncated-BPTT chunks with the hidden state carried.
 */
import { noGrad } from '../../autograd/mode.js';
import type { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';

export type Split = 'train' | 'val';

/** What a task carries between steps that a checkpoint must keep (JSON + tensors). */
export interface TaskState {
  json: Record<string, unknown>;
  tensors: Map<string, Tensor>;
}

export interface TrainTask {
  readonly model: Module;
  /** Items (tokens, for a language model) consumed per mini-batch, for the rate the progress bar shows. */
  readonly tokensPerBatch: number;
  /** Loss of the next mini-batch, with its graph attached. */
  trainLoss(): Tensor;
  /** Mean loss over `batches` evaluation batches of a split (no grad, eval mode, then back to the previous mode). */
  evalLoss(split: Split, batches: number): number;
  /**
   * Metrics beyond the loss at each evaluation (accuracy, BLEU …), named with
   * their split ('val.accuracy'); the loop records them and can select the
   * best checkpoint by one of them.
   */
  evalMetrics?(batches: number): Record<string, number>;
  saveState(): TaskState;
  loadState(state: TaskState): void;
  /** Forget any carried context (an RNN's hidden state), so the next batch starts fresh. */
  resetState?(): void;
  /**
   * Nothing trainLoss (and the backward through it) allocates is kept past the
   * update — no carried state, no caches — so the loop recycles every buffer of
   * the step (see recyclingStep). True for a GPT; an RNN carries its hidden state.
   */
  readonly stepLocal?: boolean;
}

/**
 * A model whose training step allocates nothing it keeps (no caches filled by
 * forward): it says so with `stepLocal`, and its task lets the loop recycle
 * the step's buffers.
 */
export interface StepLocalCapability {
  readonly stepLocal?: boolean;
}

/** Run `fn` in eval mode without recording gradients, then restore the model's mode. */
export function inEvalMode<T>(model: Module, fn: () => T): T {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(fn);
  } finally {
    if (wasTraining) model.train();
  }
}

export function lossOf(result: { loss: Tensor | null }): Tensor {
  if (!result.loss) throw new Error('training task: the model returned no loss for a batch with targets');
  return result.loss;
}
