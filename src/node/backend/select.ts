/**
 * Backend selection in Node: native → wasm → js, once per process.
 *
 * `LMKIT_BACKEND=js|wasm|native` picks one explicitly; `LMKIT_THREADS=n` caps the
 * native thread pool (default: every logical CPU); `LMKIT_NATIVE_ISA=generic|avx2|avx512`
 * forces a lower instruction set; `LMKIT_NATIVE_PATH` loads the addon from another
 * file. `setBackend(name)` switches at any time.
 *
 * When the native addon is missing or broken the fallback is announced with one
 * line on stderr — not a crash, not silence — unless the user chose a backend
 * explicitly and got it (LMKIT_BACKEND=wasm or js never prints anything).
 *
 * Importing 'lmkit' in Node (the package's "node" export condition), 'lmkit/node'
 * or the CLI runs `selectNodeBackend()`; the browser entry never does.
 */
import { availableBackends, getBackend, registerBackend, setBackend } from '../../backend/index.js';
import { availableParallelism } from 'node:os';
import { initWasmBackendSync, setWasmThreads, wasmThreads } from '../../backend/wasm/index.js';
import { nodeWorkerSpawner } from './wasm-workers.js';
import { loadNativeBackend, type NativeBackend, type NativeInfo } from './native.js';

export type BackendName = 'js' | 'wasm' | 'native';

export interface BackendReport {
  /** The backend selected at load. */
  selected: string;
  /** What LMKIT_BACKEND asked for ('auto' when unset). */
  requested: BackendName | 'auto';
  /** The native addon: its instruction set and threads, or why it is unavailable. */
  native: { available: true; info: NativeInfo } | { available: false; reason: string };
  wasm: { available: true } | { available: false; reason: string };
  /** The notice printed on stderr, if any. */
  notice: string | null;
}

let native: NativeBackend | null = null;
let nativeFailure: string | null = null;
let wasmFailure: string | null = null;
let registered = false;
let report: BackendReport | null = null;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Positive integer from an environment variable, or undefined (with `problems` noted) when unset or bad. */
function threadsFromEnvironment(problems: string[]): number | undefined {
  const text = process.env.LMKIT_THREADS;
  if (text === undefined || text.trim() === '') return undefined;
  const threads = Number(text);
  if (Number.isInteger(threads) && threads >= 1) return threads;
  problems.push(`LMKIT_THREADS must be a positive integer, got '${text}' (using every CPU)`);
  return undefined;
}

/**
 * Load and register the native and wasm backends that work on this machine,
 * without selecting one and without printing. Idempotent. Returns the names
 * available afterwards (always including 'js').
 */
export function registerNodeBackends(problems: string[] = []): string[] {
  if (!registered) {
    registered = true;
    const threads = threadsFromEnvironment(problems);
    try {
      native = loadNativeBackend({
        threads,
        isa: process.env.LMKIT_NATIVE_ISA || undefined,
        path: process.env.LMKIT_NATIVE_PATH || undefined,
      });
      registerBackend(native.backend);
    } catch (error) {
      nativeFailure = message(error);
    }
    try {
      // Workers for the wasm build only when it will do the work: no addon here, or wasm asked for by name.
      const wasmWanted = !native || (process.env.LMKIT_BACKEND ?? '').trim().toLowerCase() === 'wasm';
      initWasmBackendSync({ select: false, threads: wasmWanted ? threads ?? availableParallelism() : 1, spawnWorker: nodeWorkerSpawner });
    } catch (error) {
      wasmFailure = message(error);
    }
  }
  return availableBackends();
}

function parseRequest(problems: string[]): BackendName | 'auto' {
  const text = (process.env.LMKIT_BACKEND ?? '').trim().toLowerCase();
  if (text === '' || text === 'auto') return 'auto';
  if (text === 'js' || text === 'wasm' || text === 'native') return text;
  problems.push(`LMKIT_BACKEND must be js, wasm or native, got '${process.env.LMKIT_BACKEND}' (choosing automatically)`);
  return 'auto';
}

/**
 * Register the available backends and select one (see the file comment), once
 * per process; later calls return the same report.
 */
export function selectNodeBackend(): BackendReport {
  if (report) return report;
  const problems: string[] = [];
  const requested = parseRequest(problems);
  registerNodeBackends(problems);
  const have = new Set(availableBackends());
  const order: BackendName[] = requested === 'auto' || requested === 'native' ? ['native', 'wasm', 'js'] : requested === 'wasm' ? ['wasm', 'js'] : ['js'];
  const selected = order.find((name) => have.has(name)) ?? 'js';
  setBackend(selected);
  if (selected !== requested && requested !== 'auto') {
    const reason = requested === 'native' ? nativeFailure : wasmFailure;
    problems.push(`LMKIT_BACKEND=${requested} is not available (${reason}); using ${selected}`);
  } else if (requested === 'auto' && selected !== 'native') {
    problems.push(
      `native backend unavailable (${nativeFailure}); using ${selected}. ` +
      'Rebuild it with `npm rebuild lmkit` (needs a C compiler), or set LMKIT_BACKEND=wasm to silence this.',
    );
  }
  const notice = problems.length > 0 ? `lmkit: ${problems.join('; ')}` : null;
  if (notice) process.stderr.write(`${notice}\n`);
  report = {
    selected,
    requested,
    native: native ? { available: true, info: native.info } : { available: false, reason: nativeFailure ?? 'not loaded' },
    wasm: wasmFailure === null ? { available: true } : { available: false, reason: wasmFailure },
    notice,
  };
  return report;
}

/** The selection report (selecting first if nothing has been selected yet). */
export function backendReport(): BackendReport {
  return selectNodeBackend();
}

/**
 * Threads for the large kernels (PyTorch's set_num_threads) of the native
 * backend, clamped to [1, 64], and of the wasm backend, capped by the workers it
 * started with. Returns the count in effect for the native backend (for wasm when
 * there is no addon); the js backend is single-threaded.
 */
export function setNumThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`setNumThreads: threads must be a positive integer, got ${threads}`);
  }
  registerNodeBackends();
  const wasm = setWasmThreads(threads);
  return native ? native.setThreads(threads) : wasm;
}

/** Threads the native backend uses (the wasm backend's without the native addon). */
export function getNumThreads(): number {
  registerNodeBackends();
  return native ? native.info.threads : wasmThreads();
}

/** One line for `lmkit --version` and the bench: the active backend and, for native, its ISA and threads. */
export function describeBackend(): string {
  const name = getBackend().name;
  if (name === 'native' && native) return `native (${native.info.isa}, ${native.info.threads} thread${native.info.threads === 1 ? '' : 's'})`;
  if (name === 'wasm' && wasmThreads() > 1) return `wasm (${wasmThreads()} threads)`;
  return name;
}
