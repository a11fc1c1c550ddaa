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

/**
 * A token stream as the Int32Array the batchers slice: an Int32Array as is, or
 * the data of a 1-D int32 tensor (a view, no copy). Anything else is refused by
 * name, since float ids would be silently truncated.
 */
export function tokenIds(stream: Int32Array | Tensor, what: string): Int32Array {
  if (stream instanceof Int32Array) return stream;
  if (stream instanceof Tensor) {
    if (stream.dtype !== 'int32' || stream.shape.length !== 1) {
      throw new TypeError(`${what}: expected token ids as an Int32Array or a 1-D int32 tensor, got a ${stream.dtype} tensor of shape [${stream.shape.join(', ')}]`);
    }
    return stream.data as Int32Array;
  }
  const name = (stream as object | null)?.constructor?.name ?? typeof stream;
  throw new TypeError(`${what}: expected token ids as an Int32Array or a 1-D int32 tensor, got ${name}`);
}

/** B random windows (nanoGPT's get_batch), drawn from `generator`; `stream` is an Int32Array or a 1-D int32 tensor. */
export function randomWindows(stream: Int32Array | Tensor, batchSize: number, blockSize: number, generator: Generator): TokenBatch {
  const ids = tokenIds(stream, 'randomWindows');
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

  /** The token stream (a tensor given to the constructor is read through its data, not copied). */
  readonly ids: Int32Array;

  /** `stream`: an Int32Array or a 1-D int32 tensor of token ids. */
  constructor(stream: Int32Array | Tensor, readonly batchSize: number, readonly blockSize: number, what = 'token stream') {
    const ids = tokenIds(stream, 'BpttBatches');
    this.ids = ids;
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
