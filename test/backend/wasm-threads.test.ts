/**
 * The threaded WebAssembly build: workers (worker_threads here, Web Workers in a
 * browser) share the module's memory and run the C thread pool. Its results must
 * be bit-identical to the single-threaded build (a split never changes how an
 * element is computed), agree with the js kernels, and the workers must really
 * take tasks. This file asks for the wasm backend by name, so Node starts its
 * workers even where the native addon exists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packedLayout } from '../../src/backend/attention-layout.js';
import type { AttentionArgs, Backend } from '../../src/backend/backend.js';
import { createCompiledBackend } from '../../src/backend/compiled/create-backend.js';
import { getBackend, setBackend } from '../../src/backend/index.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { WASM_BASE64 } from '../../src/backend/wasm/kernels-wasm.js';
import { wasmRawKernels, type WasmExports } from '../../src/backend/wasm/wasm-kernels.js';
import { Generator } from '../../src/tensor/random.js';
import { assertClose, randomArray } from './helpers.js';

process.env.LMKIT_BACKEND = 'wasm';
process.env.LMKIT_THREADS = '2';
const { registerNodeBackends, describeBackend } = await import('../../src/node/backend/select.js');
const { wasmThreads, wasmWorkerTasks, setWasmThreads } = await import('../../src/backend/wasm/index.js');
registerNodeBackends();

/** The single-threaded build, instantiated on its own (not registered). */
function singleThreaded(): Backend {
  const bytes = Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0));
  const api = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: unknown } } }).WebAssembly;
  const exports = new api.Instance(new api.Module(bytes), { env: { log: Math.log } }).exports as WasmExports;
  exports.init();
  return createCompiledBackend('wasm-single', wasmRawKernels(exports), { elementwiseMinSize: Infinity });
}

const f32 = (generator: Generator, n: number): Float32Array => randomArray(generator, n, Float32Array) as Float32Array;

/** GPT-sized calls of the kernels that split across threads; returns every output. */
function run(kernels: Backend, seed: number): Float32Array[] {
  const generator = new Generator(seed);
  const outs: Float32Array[] = [];
  const a = f32(generator, 768 * 128), w = f32(generator, 384 * 128);
  const y = new Float32Array(768 * 384);
  kernels.matmul({ a, b: w, out: y, m: 768, n: 384, k: 128, transA: false, transB: true });
  const gw = new Float32Array(384 * 128);
  kernels.matmul({ a: y, b: a, out: gw, m: 384, n: 128, k: 768, transA: true, transB: false });
  outs.push(y, gw);
  const qkv = f32(generator, 12 * 64 * 384);
  const packed: AttentionArgs = {
    batchHeads: 48, queryLength: 64, keyLength: 64, headDim: 32, valueDim: 32, scale: 1 / Math.sqrt(32), causal: true,
    layout: packedLayout(64, 4, 32), q: qkv, k: qkv, v: qkv,
  };
  const out = new Float32Array(12 * 64 * 128), lse = new Float32Array(48 * 64), g = new Float32Array(qkv.length);
  kernels.attentionForward(packed, out, lse);
  kernels.attentionBackward(packed, out, lse, out, g, g, g);
  outs.push(out, lse, g);
  const gelu = new Float32Array(y.length), mean = new Float32Array(768), rstd = new Float32Array(768), ln = new Float32Array(a.length);
  kernels.geluForward(y, gelu, 'none');
  kernels.layerNormForward(a, null, null, ln, mean, rstd, 768, 128, 1e-5);
  outs.push(gelu, ln, mean, rstd);
  return outs;
}

test('the wasm backend runs on 2 threads here, and its workers take tasks', async () => {
  assert.equal(wasmThreads(), 2);
  const previous = getBackend().name;
  setBackend('wasm');
  try {
    assert.equal(describeBackend(), 'wasm (2 threads)');
    // Workers start asynchronously: wait (bounded) until one has run a task.
    const deadline = Date.now() + 20_000;
    while (wasmWorkerTasks() === 0 && Date.now() < deadline) {
      run(getBackend(), 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(wasmWorkerTasks() > 0, 'no worker ran a task');
  } finally {
    setBackend(previous);
  }
});

test('threaded wasm results are bit-identical to the single-threaded build and agree with js', () => {
  const threaded = run(getBackendNamed('wasm'), 5);
  const single = run(singleThreaded(), 5);
  threaded.forEach((result, i) => assert.deepEqual(result, single[i], `output ${i}`));
  const reference = run(jsBackend, 5);
  threaded.forEach((result, i) => assertClose(result, reference[i], 1e-4, 1e-4, `output ${i} vs js`));
  // Capping the threads changes nothing either.
  assert.equal(setWasmThreads(1), 1);
  const one = run(getBackendNamed('wasm'), 5);
  setWasmThreads(2);
  one.forEach((result, i) => assert.deepEqual(result, single[i], `output ${i} on 1 thread`));
});

function getBackendNamed(name: string): Backend {
  const previous = getBackend().name;
  const backend = setBackend(name);
  setBackend(previous);
  return backend;
}
