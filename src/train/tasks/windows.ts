/**
 * Language-model training on random windows, for models that see a whole
 * context at once (the GPT): nanoGPT's get_batch draws B windows of T tokens
 * uniformly at random every step; evaluation is nanoGPT's estimate_loss — the
 * mean loss of K random batches per split.
 */
import type { Module } from '../../nn/module.js';
import { recyclingStep } from '../../tensor/buffer-pool.js';
import { Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { randomWindows, requireBatchable, type TokenBatch } from '../batching.js';
import type { TokenSplits } from '../tokens.js';
import { inEvalMode, lossOf, type Split, type StepLocalCapability, type TrainTask } from './task.js';

/** The shape of a model that maps (B, T) ids and targets to a mean loss (GPT). */
export interface WindowModel extends Module, StepLocalCapability {
  forward(idx: Tensor, targets?: Tensor): { loss: Tensor | null };
}

export interface TaskData {
  splits: TokenSplits;
  batchSize: number;
  blockSize: number;
}

/**
 * `generator` draws the training windows; evaluation windows come from a fresh
 * Generator(evalSeed) at every evaluation, so each evaluation scores the same
 * batches and never advances the training stream.
 */
export function gptTask(model: WindowModel, data: TaskData, generator: Generator, evalSeed = 0): TrainTask {
  const { splits, batchSize, blockSize } = data;
  requireBatchable(splits.train.length, batchSize, blockSize, 'training split', 'random');
  requireBatchable(splits.val.length, batchSize, blockSize, 'validation split', 'random');
  const batch = (split: Split, from: Generator): TokenBatch => randomWindows(splits[split], batchSize, blockSize, from);
  const stepLocal = model.stepLocal === true;
  return {
    model,
    tokensPerBatch: batchSize * blockSize,
    stepLocal,
    trainLoss() {
      const { inputs, targets } = batch('train', generator);
      return lossOf(model.forward(inputs, targets));
    },
    evalLoss(split, batches) {
      const evalGenerator = new Generator(evalSeed);
      const lossOfBatch = (): number => {
        const { inputs, targets } = batch(split, evalGenerator);
        return lossOf(model.forward(inputs, targets)).item();
      };
      return inEvalMode(model, () => {
        let total = 0;
        // A step-local model's evaluation batch keeps nothing either: its buffers serve the next batch.
        for (let i = 0; i < batches; i++) total += stepLocal ? recyclingStep(lossOfBatch) : lossOfBatch();
        return total / batches;
      });
    },
    // Everything random comes from the generator, which the loop checkpoints.
    saveState: () => ({ json: {}, tensors: new Map() }),
    loadState() {},
  };
}
