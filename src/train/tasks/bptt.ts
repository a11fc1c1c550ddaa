/**
 * Language-model training by truncated backpropagation through time, for
 * models that carry a hidden state (the RNN-LM): sequential (B, T) chunks with
 * the state carried from chunk to chunk and detached (seed 002's truncated
 * BPTT: "iterations are each batches of T = 50 context, sequentially"), reset
 * when the lanes wrap around; evaluation runs K consecutive chunks of the
 * split from its start with a fresh state, so the estimate is deterministic.
 */
import type { Module } from '../../nn/module.js';
import { Tensor } from '../../tensor/tensor.js';
import { BpttBatches, requireBatchable } from '../batching.js';
import { inEvalMode, lossOf, type StepLocalCapability, type TrainTask } from './task.js';
import type { TaskData } from './windows.js';

/** An RNN-LM: loss plus a hidden state to carry. */
export interface RecurrentModel<State> extends Module, StepLocalCapability {
  forward(idx: Tensor, targets?: Tensor, state?: State | null): { loss: Tensor | null; state: State };
  detachState(state: State): State;
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
  const stepLocal = model.stepLocal === true;
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
