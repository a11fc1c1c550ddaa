/**
 * The "wasm" backend: the C kernels of native/ compiled to WebAssembly with
 * SIMD128 (scripts/wasm/build.mjs), embedded in this package as base64 in
 * ./kernels-wasm.ts — no .wasm file to locate at run time, no bundler setup.
 * Browser-safe; single-threaded. In Node, `lmkit` and `lmkit/node` register it
 * automatically (and use it when the native addon is missing); in a browser:
 *
 *   import { initWasmBackend } from 'lmkit';
 *   await initWasmBackend();          // compiles, registers and selects 'wasm'
 */
import type { Backend } from '../backend.js';
import { createCompiledBackend } from '../compiled/create-backend.js';
import { registerBackend, setBackend } from '../index.js';
import { WASM_BASE64 } from './kernels-wasm.js';
import { wasmRawKernels, type WasmExports } from './wasm-kernels.js';

export interface InitWasmOptions {
  /** Make 'wasm' the active backend (default true). */
  select?: boolean;
}

let backend: Backend | null = null;

function moduleBytes(): Uint8Array {
  const text = atob(WASM_BASE64);
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
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: WasmInstance }>;
}

function webAssembly(): WebAssemblyApi {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (!api) throw new Error('initWasmBackend: this JavaScript engine has no WebAssembly support');
  return api;
}

/** Wrap a fresh instance as the 'wasm' backend and register it (once). */
function register(instance: WasmInstance): Backend {
  const exports = instance.exports as unknown as WasmExports;
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

/**
 * Compile and register the wasm backend synchronously (and select it unless
 * `select: false`). Works in Node and in workers; browsers refuse synchronous
 * compilation of modules this size on the main thread — use initWasmBackend() there.
 */
export function initWasmBackendSync(options: InitWasmOptions = {}): Backend {
  const api = webAssembly();
  backend ??= register(new api.Instance(new api.Module(moduleBytes()), imports));
  return selected(backend, options);
}

/** Compile and register the wasm backend (and select it unless `select: false`). */
export async function initWasmBackend(options: InitWasmOptions = {}): Promise<Backend> {
  if (!backend) {
    const { instance } = await webAssembly().instantiate(moduleBytes(), imports);
    backend ??= register(instance);
  }
  return selected(backend, options);
}
