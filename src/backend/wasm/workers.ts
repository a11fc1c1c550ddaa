/**
 * Workers for the threaded WebAssembly build. Each worker instantiates the same
 * compiled module over the same shared memory, moves to its own stack (every
 * instance starts on the linker's stack), and enters the C thread pool's worker
 * loop (native/src/threads.c), which sleeps in memory.atomic.wait between jobs
 * and never returns. The bootstrap is one small script that runs as a Web Worker
 * (started from a Blob URL) or as a Node worker_threads script (started by
 * src/node/backend/wasm-workers.ts, since this folder stays browser-safe).
 */

/** What a worker needs: the compiled module, the shared memory, its thread index and the top of its stack. */
export interface WasmWorkerData {
  module: object;
  memory: object;
  index: number;
  stackTop: number;
}

/**
 * Starts a worker running `source` (WORKER_START: it defines `start`) plus a line
 * that calls `start(data)`; the worker must not keep its host alive.
 */
export type WorkerSpawner = (source: string, data: WasmWorkerData) => void;

/**
 * The worker script's body: `start(data)` instantiates and enters the pool. A
 * spawner appends the line that calls it — with the first message in a browser,
 * with workerData in Node (src/node/backend/wasm-workers.ts).
 */
export const WORKER_START = `
const start = (data) => {
  const kernels = new WebAssembly.Instance(data.module, { env: { log: Math.log, memory: data.memory } }).exports;
  kernels.setStackPointer(data.stackTop);
  kernels.workerLoop(data.index);
};
`;

interface BrowserGlobals {
  Worker?: new (url: string) => { postMessage(data: unknown): void };
  Blob?: new (parts: string[], options: { type: string }) => object;
  URL?: { createObjectURL(blob: object): string };
}

/** Web Workers from a Blob URL, where the page may have them; null elsewhere. */
export function browserSpawner(): WorkerSpawner | null {
  const g = globalThis as unknown as BrowserGlobals;
  const { Worker, Blob, URL } = g;
  if (!Worker || !Blob || !URL) return null;
  return (source, data) => {
    const script = `${source}\nself.onmessage = (event) => start(event.data);\n`;
    const worker = new Worker(URL.createObjectURL(new Blob([script], { type: 'text/javascript' })));
    worker.postMessage(data);
  };
}

/**
 * Shared WebAssembly memory needs SharedArrayBuffer, which browsers grant only to
 * cross-origin-isolated pages (COOP + COEP headers); Node always has it.
 */
export function sharedMemoryAllowed(): boolean {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean };
  return typeof g.SharedArrayBuffer === 'function' && g.crossOriginIsolated !== false;
}
