/**
 * Mini-batches of token windows, the two ways the two model families train:
 *
 * - Transformers: B random contiguous windows of T tokens per step, the target
 *   being the window shifted by one (nanoGPT's get_batch: start offsets drawn
 *   uniformly from [0, len − T − 1]).
 * - RNNs, truncated BPTT (seed 002: "iterations are each batches of T = 50
 *   context, sequentially"): the stream is cut into B contiguous lanes and
 *   consecutive (B, T) chunks are read left to right, so the hidden state at the
 *   end of one chunk is the right initial state for the next. At the end of the
 *   lanes the stream wraps around and the state must be reset.
 */
import { Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

export interface TokenBatch {
  /** int32 (B, T) inputs. */
  inputs: Tensor;
  /** int32 (B, T) next tokens. */
  targets: Tensor;
}

/**
 * Throw a helpful error when `length` tokens cannot make one (B, T) batch.
 * `what` names the stream ('training split', 'validation split').
 */
export function requireBatchable(length: number, batchSize: number, blockSize: number, what: string, mode: 'random' | 'sequential'): void {
  const need = mode === 'random' ? blockSize + 1 : batchSize * blockSize + 1;
  if (length < need) {
    throw new RangeError(
      `the ${what} has ${length} tokens, but one ${mode === 'random' ? `window of blockSize ${blockSize} needs ${need}` : `batch of ${batchSize} lanes × ${blockSize} steps needs ${need}`}` +
      ` — use a smaller --block-size${mode === 'sequential' ? ' or --batch-size' : ''}, or more data`,
    );
  }
}

/** B random windows (nanoGPT's get_batch), drawn from `generator`. */
export function randomWindows(ids: Int32Array, batchSize: number, blockSize: number, generator: Generator): TokenBatch {
  const inputs = new Int32Array(batchSize * blockSize);
  const targets = new Int32Array(batchSize * blockSize);
  const maxStart = ids.length - blockSize - 1;
  for (let b = 0; b < batchSize; b++) {
    const start = generator.randint(0, maxStart + 1);
    inputs.set(ids.subarray(start, start + blockSize), b * blockSize);
    targets.set(ids.subarray(start + 1, start + 1 + blockSize), b * blockSize);
  }
  return { inputs: new Tensor(inputs, [batchSize, blockSize]), targets: new Tensor(targets, [batchSize, blockSize]) };
}

/**
 * Sequential truncated-BPTT batches over B contiguous lanes. `cursor` (the step
 * within the lanes) is part of a training checkpoint, so resuming continues
 * exactly where the run stopped.
 */
export class BpttBatches {
  readonly laneLength: number;
  readonly chunksPerEpoch: number;
  /** Next chunk index within the current pass over the lanes. */
  cursor = 0;

  constructor(readonly ids: Int32Array, readonly batchSize: number, readonly blockSize: number, what = 'token stream') {
    requireBatchable(ids.length, batchSize, blockSize, what, 'sequential');
    // Each lane needs one extra token for the last target, hence (len − 1) / B.
    this.laneLength = Math.floor((ids.length - 1) / batchSize);
    this.chunksPerEpoch = Math.floor(this.laneLength / blockSize);
  }

  /** The next chunk; `reset` is true when it starts a new pass (the carried state must be cleared). */
  next(): TokenBatch & { reset: boolean } {
    const reset = this.cursor === 0;
    const { batchSize: B, blockSize: T, laneLength } = this;
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const start = b * laneLength + this.cursor * T;
      inputs.set(this.ids.subarray(start, start + T), b * T);
      targets.set(this.ids.subarray(start + 1, start + 1 + T), b * T);
    }
    this.cursor = (this.cursor + 1) % this.chunksPerEpoch;
    return { inputs: new Tensor(inputs, [B, T]), targets: new Tensor(targets, [B, T]), reset };
  }
}
