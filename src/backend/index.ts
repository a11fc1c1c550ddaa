/**
 * The backend registry. Ops call kernels through the live binding `kernels`, so
 * switching backend (`setBackend`) takes effect for every later op. "js" is always
 * here; "wasm" registers itself through initWasmBackend() (./wasm/), and in Node
 * "native" and "wasm" are registered and one selected at load (src/node/backend/).
 */
import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';

const registry = new Map<string, Backend>([['js', jsBackend]]);

/** The kernels every op calls. */
export let kernels: Backend = jsBackend;

export function registerBackend(backend: Backend): void {
  registry.set(backend.name, backend);
}

export function setBackend(name: string): Backend {
  const backend = registry.get(name);
  if (!backend) {
    throw new Error(`setBackend: unknown backend '${name}' (available: ${[...registry.keys()].join(', ')})`);
  }
  kernels = backend;
  return backend;
}

export function getBackend(): Backend {
  return kernels;
}

export function availableBackends(): string[] {
  return [...registry.keys()];
}

export type * from './backend.js';
