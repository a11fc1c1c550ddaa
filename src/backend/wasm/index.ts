/**
 * The "wasm" backend: the C kernels of native/ compiled to WebAssembly with
 * SIMD128 (scripts/wasm/build.mjs), embedded in this package as base64 in
 * ./kernels-wasm.ts — no .wasm file to locate at run time, no bundler setup.
 * Browser-safe. Single-threaded by default; with `threads > 1` the threaded
 * build runs the large kernels on workers sharing its memory (./workers.ts),
 * where the platform allows it. In Node, `lmkit` and `lmkit/node` register it
 * automatically with one thread per CPU (and use it when the native addon is
 * missing); in a browser:
 *
 *   import { initWasmBackend } from 'lmkit';
 *   await initWasmBackend();                                    // single-threaded
 *   await initWasmBackend({ threads: navigator.hardwareConcurrency }); // workers, if cross-origin isolated
 */
import type { Backend } from '../backend.js';
import { createCompiledBackend } from '../compiled/create-backend.js';
import { registerBackend, setBackend } from '../index.js';
import { WASM_BASE64, WASM_THREADS_BASE64 } from './kernels-wasm.js';
import { wasmRawKernels, type WasmExports } from './wasm-kernels.js';
import { browserSpawner, sharedMemoryAllowed, WORKER_START, type WorkerSpawner } from './workers.js';

export type { WorkerSpawner, WasmWorkerData } from './workers.js';

export interface InitWasmOptions {
  /** Make 'wasm' the active backend (default true). */
  select?: boolean;
  /**
   * Threads for the large kernels, the caller's included (default 1). Above 1 the
   * threaded build runs on workers sharing the module's memory — where shared
   * memory is allowed (Node; cross-origin-isolated pages) and workers can be
   * started; otherwise the single-threaded build runs.
   */
  threads?: number;
  /** How to start a worker (default: Web Workers from a Blob URL; lmkit/node passes worker_threads). */
  spawnWorker?: WorkerSpawner;
}

let backend: Backend | null = null;
let threadState: { exports: ThreadedExports; workers: number } | null = null;

function decode(base64: string): Uint8Array {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

const imports = { env: { log: Math.log } };

/**
 * The part of the WebAssembly JS API used here. The project compiles against
 * ES2022 without the DOM library, which is where TypeScript declares it.
 */
interface WasmInstance { exports: unknown }
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => { readonly buffer: ArrayBuffer };
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: WasmInstance }>;
  instantiate(module: object, imports: object): Promise<WasmInstance>;
  compile(bytes: Uint8Array): Promise<object>;
}

/** The threaded build's extra exports (native/src/wasm.c). */
interface ThreadedExports extends WasmExports {
  stackBlock(bytes: number): number;
  setThreads(threads: number): number;
  workerTasks(): number;
}

function webAssembly(): WebAssemblyApi {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (!api) throw new Error('initWasmBackend: this JavaScript engine has no WebAssembly support');
  return api;
}

/** Wrap a fresh instance as the 'wasm' backend and register it (once). */
function register(exports: WasmExports): Backend {
  if (exports.init() !== 0) throw new Error('initWasmBackend: the kernel module failed to initialise');
  // Copying in and out costs more than an elementwise op, so those stay in js.
  const created = createCompiledBackend('wasm', wasmRawKernels(exports), { elementwiseMinSize: Infinity });
  registerBackend(created);
  return created;
}

function selected(created: Backend, options: InitWasmOptions): Backend {
  if (options.select ?? true) setBackend(created.name);
  return created;
}

/** Each worker's stack: the kernels keep their scratch in work buffers, so this is generous. */
const WORKER_STACK_BYTES = 1 << 20;

/** The threaded build's plan: `threads − 1` workers, started with `spawn`. */
interface ThreadPlan {
  threads: number;
  spawn: WorkerSpawner;
}

/** Threads and a way to start workers, or null when the threaded build cannot run here. */
function threadPlan(options: InitWasmOptions): ThreadPlan | null {
  const threads = Math.min(Math.max(1, Math.floor(options.threads ?? 1)), 64);
  const spawn = options.spawnWorker ?? browserSpawner();
  return threads >= 2 && spawn && sharedMemoryAllowed() ? { threads, spawn } : null;
}

function sharedMemory(api: WebAssemblyApi): { readonly buffer: ArrayBuffer } {
  return new api.Memory({ initial: 64, maximum: 32768, shared: true });
}

/**
 * Start the workers of the threaded build on `instance` (over `memory`), each
 * with its own stack. They arrive asynchronously and count themselves in; until
 * they have, jobs run on the threads already there (the caller alone at first).
 */
function startThreads(instance: WasmInstance, module: object, memory: object, plan: ThreadPlan): ThreadedExports | null {
  const exports = { ...(instance.exports as ThreadedExports), memory } as ThreadedExports;
  if (exports.init() !== 0) return null;
  for (let index = 1; index < plan.threads; index++) {
    const stackTop = exports.stackBlock(WORKER_STACK_BYTES) + WORKER_STACK_BYTES;
    plan.spawn(WORKER_START, { module, memory, index, stackTop });
  }
  exports.setThreads(plan.threads);
  threadState = { exports, workers: plan.threads - 1 };
  return exports;
}

function create(api: WebAssemblyApi, options: InitWasmOptions): Backend {
  const plan = threadPlan(options);
  if (plan) {
    const memory = sharedMemory(api);
    const module = new api.Module(decode(WASM_THREADS_BASE64));
    const threaded = startThreads(new api.Instance(module, { env: { log: Math.log, memory } }), module, memory, plan);
    if (threaded) return register(threaded);
  }
  return register(new api.Instance(new api.Module(decode(WASM_BASE64)), imports).exports as WasmExports);
}

/**
 * Compile and register the wasm backend synchronously (and select it unless
 * `select: false`). Works in Node and in workers; browsers refuse synchronous
 * compilation of modules this size on the main thread — use initWasmBackend() there.
 */
export function initWasmBackendSync(options: InitWasmOptions = {}): Backend {
  backend ??= create(webAssembly(), options);
  return selected(backend, options);
}

/** Compile and register the wasm backend (and select it unless `select: false`); asynchronous, as browsers require. */
export async function initWasmBackend(options: InitWasmOptions = {}): Promise<Backend> {
  if (!backend) {
    const api = webAssembly();
    const plan = threadPlan(options);
    let created: Backend | null = null;
    if (plan) {
      const memory = sharedMemory(api);
      const module = await api.compile(decode(WASM_THREADS_BASE64));
      const threaded = startThreads(await api.instantiate(module, { env: { log: Math.log, memory } }), module, memory, plan);
      if (threaded) created = register(threaded);
    }
    if (!created) {
      const { instance } = await api.instantiate(decode(WASM_BASE64), imports);
      created = register(instance.exports as WasmExports);
    }
    backend ??= created;
  }
  return selected(backend, options);
}

/** Threads the wasm backend uses (1 for the single-threaded build or before initialisation). */
export function wasmThreads(): number {
  return threadState ? threadState.workers + 1 : 1;
}

/**
 * Cap the wasm backend's threads at `threads` (it never starts more workers than
 * it was initialised with); returns the count in effect.
 */
export function setWasmThreads(threads: number): number {
  if (!threadState) return 1;
  return threadState.exports.setThreads(Math.min(Math.max(1, Math.floor(threads)), threadState.workers + 1));
}

/** Kernel tasks the workers have run so far (0 for the single-threaded build); for tests and diagnostics. */
export function wasmWorkerTasks(): number {
  return threadState ? threadState.exports.workerTasks() : 0;
}
