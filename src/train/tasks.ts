/**
 * A training *task* is what the loop needs to know about a model family: how to
 * compute one mini-batch loss and how to estimate the loss on a split. The loop
 * (src/train/loop.ts) is written once over this interface.
 *
 * - `gptTask`: random windows every step (nanoGPT's get_batch); evaluation is
 *   nanoGPT's estimate_loss — the mean loss of K random batches per split.
 * - `rnnTask`: sequential truncated-BPTT chunks with the hidden state carried
 *   from chunk to chunk and detached (seed 002's truncated BPTT), reset when the
 *   lanes wrap around; evaluation runs K consecutive chunks of the split from
 *   its start with a fresh state, so the estimate is deterministic.
 */
import { noGrad } from '../autograd/mode.js';
import type { Module } from '../nn/module.js';
import { recyclingStep } from '../tensor/buffer-pool.js';
import { Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { BpttBatches, randomWindows, requireBatchable, type TokenBatch } from './batching.js';
import type { TokenSplits } from './tokens.js';

export type Split = 'train' | 'val';

/** What a task carries between steps that a checkpoint must keep (JSON + tensors). */
export interface TaskState {
  json: Record<string, unknown>;
  tensors: Map<string, Tensor>;
}

export interface TrainTask {
  readonly model: Module;
  /** Tokens consumed per mini-batch (B·T), for tokens/s. */
  readonly tokensPerBatch: number;
  /** Loss of the next mini-batch, with its graph attached. */
  trainLoss(): Tensor;
  /** Mean loss over `batches` evaluation batches of a split (no grad, eval mode, then back to the previous mode). */
  evalLoss(split: Split, batches: number): number;
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

/** The shape of a model that maps (B, T) ids and targets to a mean loss (GPT). */
export interface WindowModel extends Module {
  forward(idx: Tensor, targets?: Tensor): { loss: Tensor | null };
}

/** An RNN-LM: loss plus a hidden state to carry. */
export interface RecurrentModel<State> extends Module {
  forward(idx: Tensor, targets?: Tensor, state?: State | null): { loss: Tensor | null; state: State };
  detachState(state: State): State;
}

function inEvalMode<T>(model: Module, fn: () => T): T {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(fn);
  } finally {
    if (wasTraining) model.train();
  }
}

function lossOf(result: { loss: Tensor | null }): Tensor {
  if (!result.loss) throw new Error('training task: the model returned no loss for a batch with targets');
  return result.loss;
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
  const stepLocal = (model as { readonly stepLocal?: unknown }).stepLocal === true;
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

/** Hidden states are tensors or small records of tensors ({ h, c }). */
type StateRecord = Tensor | { readonly [key: string]: Tensor | undefined };

function stateTensors(state: StateRecord | null): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  if (!state) return out;
  if (state instanceof Tensor) out.set('state', state);
  else for (const [key, value] of Object.entries(state)) if (value) out.set(`state.${key}`, value);
  return out;
}

function stateFromTensors(tensors: Map<string, Tensor>): StateRecord | null {
  if (tensors.has('state')) return tensors.get('state') as Tensor;
  const record: Record<string, Tensor> = {};
  for (const [key, value] of tensors) if (key.startsWith('state.')) record[key.slice(6)] = value;
  return Object.keys(record).length > 0 ? record : null;
}

/** The same state in fresh buffers (not from the buffer pool, so no step recycles them). */
function copyState<State extends StateRecord>(state: State): State {
  const copy = (t: Tensor): Tensor => new Tensor(t.data.slice(), t.shape);
  if (state instanceof Tensor) return copy(state) as State;
  const record: Record<string, Tensor | undefined> = {};
  for (const [key, value] of Object.entries(state)) record[key] = value && copy(value);
  return record as State;
}

export function rnnTask<State extends StateRecord>(model: RecurrentModel<State>, data: TaskData): TrainTask {
  const { splits, batchSize, blockSize } = data;
  const train = new BpttBatches(splits.train, batchSize, blockSize, 'training split');
  // Validate the validation split up front (a too-short split should fail before training, not at the first eval).
  requireBatchable(splits.val.length, batchSize, blockSize, 'validation split', 'sequential');
  let carried: State | null = null;
  const stepLocal = (model as { readonly stepLocal?: unknown }).stepLocal === true;
  return {
    model,
    tokensPerBatch: batchSize * blockSize,
    stepLocal,
    trainLoss() {
      const { inputs, targets, reset } = train.next();
      if (reset) carried = null;
      const result = model.forward(inputs, targets, carried);
      carried = model.detachState(result.state); // truncated BPTT: keep the values, cut the graph
      // The step's buffers are recycled when it ends: the carried values must live in buffers of their own.
      if (stepLocal) carried = copyState(carried);
      return lossOf(result);
    },
    evalLoss(split, batches) {
      return inEvalMode(model, () => {
        const stream = new BpttBatches(splits[split], batchSize, blockSize, `${split === 'val' ? 'validation' : 'training'} split`);
        const count = Math.min(batches, stream.chunksPerEpoch);
        let state: State | null = null;
        let total = 0;
        for (let i = 0; i < count; i++) {
          const { inputs, targets } = stream.next();
          const result = model.forward(inputs, targets, state);
          state = result.state;
          total += lossOf(result).item();
        }
        return total / count;
      });
    },
    resetState() {
      carried = null;
    },
    saveState: () => ({ json: { cursor: train.cursor }, tensors: stateTensors(carried) }),
    loadState(state) {
      const cursor = state.json.cursor;
      if (typeof cursor !== 'number' || !Number.isInteger(cursor) || cursor < 0 || cursor >= train.chunksPerEpoch) {
        throw new Error(`rnnTask.loadState: BPTT cursor ${String(cursor)} is not a chunk index in [0, ${train.chunksPerEpoch}) — was the checkpoint trained on different data or batch sizes?`);
      }
      train.cursor = cursor;
      carried = stateFromTensors(state.tensors) as State | null;
    },
  };
}
