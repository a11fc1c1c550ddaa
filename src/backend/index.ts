/**
 * The backend registry. Ops call kernels through the live binding `kernels`, so
 * switching backend (`setBackend`) takes effect for every later op. Only the "js"
 * reference backend exists today; faster ones register themselves here.
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
