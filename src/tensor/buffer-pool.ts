/**
 * Reuse of gradient buffers between training steps (what PyTorch's caching
 * allocator does for every tensor; here only where lifetimes are known).
 *
 * A reverse pass allocates a gradient buffer for nearly every activation, and
 * each one is dead as soon as the node that consumes it has run — but a typed
 * array is only freed by the garbage collector, and at training-step rates the
 * fresh allocations (page faults, zero-filling, external-memory GCs) cost a
 * fifth of a GPT training step. So the tape (autograd/tape.ts) records the
 * buffers it allocates during one backward pass, counts the pending gradients
 * that refer to each (views share the buffer), and hands a buffer back here
 * once nothing refers to it. `allocate` takes buffers of the exact size from
 * here, zero-filled as a fresh one would be. A training step whose model keeps
 * nothing it allocates (recyclingStep below) also returns its forward
 * activations when the step is over. Nothing else — user tensors, parameter
 * gradients, optimizer state — ever enters the pool.
 */
import type { TypedArray } from './dtype.js';

/** Buffers below this many elements live on V8's heap cheaply; pooling them is not worth the bookkeeping. */
export const POOL_MIN_ELEMENTS = 4096;
/** At most this many bytes wait in the pool (a step releases about as much as the next one takes). */
const POOL_MAX_BYTES = 256 * 2 ** 20;

const free = new Map<string, TypedArray[]>();
/** The arrays in `free`, so a buffer released twice (by a backward pass and by its step) is pooled once. */
const pooled = new Set<TypedArray>();
let pooledBytes = 0;

/** Buffers allocated while a recording is active, by their ArrayBuffer (views share it). */
let recording: Map<ArrayBufferLike, TypedArray> | null = null;
const stack: (Map<ArrayBufferLike, TypedArray> | null)[] = [];

function key(array: TypedArray): string {
  return `${array.constructor === Float32Array ? 'f' : array.constructor === Float64Array ? 'd' : 'i'}${array.length}`;
}

/** A pooled buffer of this kind and length (zero-filled unless the caller will overwrite all of it), or undefined. */
export function takePooled(kind: 'f' | 'd' | 'i', length: number, zeroed = true): TypedArray | undefined {
  const list = free.get(`${kind}${length}`);
  const array = list?.pop();
  if (!array) return undefined;
  pooled.delete(array);
  pooledBytes -= array.byteLength;
  if (zeroed) array.fill(0);
  return array;
}

/** Called by allocate for every buffer of at least POOL_MIN_ELEMENTS: every active recording sees it. */
export function noteAllocation(array: TypedArray): void {
  if (!recording) return;
  recording.set(array.buffer, array);
  for (const outer of stack) outer?.set(array.buffer, array);
}

/** Record the buffers allocated from now until stopRecording (recordings nest; each active one sees every allocation). */
export function startRecording(): Map<ArrayBufferLike, TypedArray> {
  const recorded = new Map<ArrayBufferLike, TypedArray>();
  stack.push(recording);
  recording = recorded;
  return recorded;
}

export function stopRecording(): void {
  recording = stack.pop() ?? null;
}

/** Hand a whole buffer back (the caller guarantees nothing refers to it any more); one already pooled is ignored. */
export function releaseBuffer(array: TypedArray): void {
  if (pooled.has(array) || pooledBytes + array.byteLength > POOL_MAX_BYTES) return;
  pooled.add(array);
  const k = key(array);
  let list = free.get(k);
  if (!list) { list = []; free.set(k, list); }
  list.push(array);
  pooledBytes += array.byteLength;
}

/** Drop every pooled buffer (tests; or to give the memory back to the garbage collector). */
export function clearBufferPool(): void {
  free.clear();
  pooled.clear();
  pooledBytes = 0;
}

/** Bytes currently waiting in the pool. */
export function bufferPoolBytes(): number {
  return pooledBytes;
}

/**
 * Run one training step whose every large allocation is dead when it returns —
 * forward activations, saved tensors, gradients, temporaries — and pool them all.
 * Only for steps that keep nothing they allocate: the caller reads what it needs
 * (the loss as a number) inside `step`, parameters' .grad are copies made by the
 * tape, and optimizer state is created outside. The training loop uses it when
 * the task declares its model step-local (GPT.stepLocal).
 */
export function recyclingStep<T>(step: () => T): T {
  const recorded = startRecording();
  try {
    return step();
  } finally {
    stopRecording();
    for (const array of recorded.values()) releaseBuffer(array);
  }
}
