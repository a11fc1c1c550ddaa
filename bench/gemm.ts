/**
 * GEMM beside onnxruntime-node (MLAS, the reference for native speed) on
 * 512³, 1024³ and the baby GPT's shapes, forward and both backward products, on
 * 1 and 2 threads: lmkit's native kernel through the backend interface, and a
 * one-node ONNX Gemm (./onnx-gemm.ts) through an InferenceSession with the same
 * thread count; on 1 thread also the WebAssembly build of the same kernel (its
 * calls include copying the operands into the module's memory and the result
 * out). Both time only repeated calls on preallocated inputs; onnxruntime
 * also allocates its output per run (its API has no preallocated output for a
 * plain run), which matters only for the smallest shapes.
 */
import { createRequire } from 'node:module';
import { getBackend, setBackend } from '../src/backend/index.js';
import { getNumThreads, registerNodeBackends, setNumThreads } from '../src/node/backend/select.js';
import { markdownTable, median } from './machine.js';
import { gemmModel } from './onnx-gemm.js';

interface Shape { label: string; m: number; n: number; k: number; transA: boolean; transB: boolean }

/** The subset of onnxruntime-node's API used here. */
interface OrtTensor { readonly data: unknown }
interface OrtSession { run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>> }
interface Ort {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSession> };
}

function shapes(quick: boolean): Shape[] {
  const list: Shape[] = [
    { label: 'square 512', m: 512, n: 512, k: 512, transA: false, transB: false },
    { label: 'square 1024', m: 1024, n: 1024, k: 1024, transA: false, transB: false },
  ];
  if (quick) return list;
  // x·Wᵀ (nn.Linear, W stored (out, in)), dX = dY·W, dW = dYᵀ·X for the attention projection, the MLP and the head.
  for (const [out, inner] of [[384, 128], [512, 128], [128, 512], [65, 128]] as const) {
    list.push({ label: `linear 768×${inner} → ${out}`, m: 768, n: out, k: inner, transA: false, transB: true });
    list.push({ label: `  dX (768×${out})·(${out}×${inner})`, m: 768, n: inner, k: out, transA: false, transB: false });
    list.push({ label: `  dW (768×${out})ᵀ·(768×${inner})`, m: out, n: inner, k: 768, transA: true, transB: false });
  }
  return list;
}

function randomArray(length: number): Float32Array {
  const out = new Float32Array(length);
  let state = 12345;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out[i] = state / 2147483648 - 0.5;
  }
  return out;
}

/** Repetitions so one timed batch takes ~60 ms; returns the median ms per call over 5 batches. */
async function timeCalls(call: () => unknown, flops: number): Promise<number> {
  const repeats = Math.max(3, Math.round(60e-3 / (flops / 100e9)));
  for (let i = 0; i < Math.min(repeats, 20); i++) await call();
  const batches: number[] = [];
  for (let b = 0; b < 5; b++) {
    const start = performance.now();
    for (let i = 0; i < repeats; i++) await call();
    batches.push((performance.now() - start) / repeats);
  }
  return median(batches);
}

function loadOrt(): Ort | string {
  try {
    return createRequire(import.meta.url)('onnxruntime-node') as Ort;
  } catch (err) {
    // Not a devDependency: its install script downloads GPU files unless told to skip (see the bench:reference script).
    return `onnxruntime-node not available — \`npm run bench:reference\` installs it (${(err as Error).message.split('\n')[0].slice(0, 80)})`;
  }
}

export async function benchGemm(options: { quick: boolean }): Promise<string> {
  const backends = registerNodeBackends();
  const hasWasm = backends.includes('wasm');
  if (!backends.includes('native')) return '### GEMM beside onnxruntime (MLAS)\n\nThe native backend is not built here; nothing to compare.\n';
  const active = getBackend().name;
  const threadsBefore = getNumThreads();
  setBackend('native');
  const ort = loadOrt();
  const rows: (string | number)[][] = [];
  const ratios: number[] = [];
  try {
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      for (const shape of shapes(options.quick)) {
        const { m, n, k, transA, transB } = shape;
        const a = randomArray(m * k), b = randomArray(k * n), out = new Float32Array(m * n);
        const flops = 2 * m * n * k;
        const kernels = getBackend();
        const ours = await timeCalls(() => kernels.matmul({ a, b, out, m, n, k, transA, transB }), flops);
        let wasm: number | null = null;
        if (threads === 1 && hasWasm) {
          setBackend('wasm');
          const wasmKernels = getBackend();
          wasm = await timeCalls(() => wasmKernels.matmul({ a, b, out, m, n, k, transA, transB }), flops);
          setBackend('native');
        }
        let theirs: number | null = null;
        if (typeof ort !== 'string') {
          const session = await ort.InferenceSession.create(gemmModel(m, n, k, transA, transB), {
            intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
          });
          const feeds = { A: new ort.Tensor('float32', a, transA ? [k, m] : [m, k]), B: new ort.Tensor('float32', b, transB ? [n, k] : [k, n]) };
          theirs = await timeCalls(() => session.run(feeds), flops);
        }
        const gflops = (ms: number): string => (flops / ms / 1e6).toFixed(0);
        const ratio = theirs === null ? null : theirs / ours;
        if (ratio !== null) ratios.push(ratio);
        rows.push([
          threads, shape.label, `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`, gflops(ours), theirs === null ? '—' : gflops(theirs),
          ratio === null ? '—' : `${(100 * ratio).toFixed(0)}%`, wasm === null ? '—' : gflops(wasm),
        ]);
      }
    }
  } finally {
    setNumThreads(threadsBefore);
    setBackend(active);
  }
  const note = typeof ort === 'string' ? `\n\n${ort}.` : `\n\nlmkit's GEMM reaches ${(100 * Math.min(...ratios)).toFixed(0)}–${(100 * Math.max(...ratios)).toFixed(0)}% of MLAS's speed across these rows (median ${(100 * median(ratios)).toFixed(0)}%).`;
  return '### GEMM beside onnxruntime-node (MLAS)\n\nfloat32 GFLOP/s, median of 5 timed batches; "lmkit / MLAS" is lmkit\'s speed as a share of onnxruntime\'s; the wasm column includes copying operands into and out of the module\'s memory.\n\n' +
    markdownTable(['threads', 'shape', 'op', 'lmkit native GFLOP/s', 'onnxruntime GFLOP/s', 'lmkit / MLAS', 'lmkit wasm GFLOP/s (1 thread)'], rows) + note + '\n';
}
