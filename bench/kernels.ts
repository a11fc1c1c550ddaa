/**
 * Throughput of the js backend's heavy kernels, called directly on typed arrays
 * (no tensor or autograd overhead): matmul GFLOP/s on square sizes and on the
 * GPT's shapes forward and backward, and the fused kernels' time per call.
 * Every figure is the median of several timed runs after a warm-up.
 */
import type { AttentionArgs, Conv1dArgs, MatmulArgs } from '../src/backend/backend.js';
import { nnKernels } from '../src/backend/js/nn-kernels.js';
import { Generator } from '../src/tensor/random.js';
import { markdownTable, median } from './machine.js';

const generator = new Generator(2024);

function randomFloat32(length: number, scale = 1): Float32Array {
  const array = new Float32Array(length);
  for (let i = 0; i < length; i++) array[i] = (generator.random() * 2 - 1) * scale;
  return array;
}

/**
 * Milliseconds per call of `fn`: calls are batched so that one timed run lasts at
 * least `minRunMs`, and the median over `runs` runs is reported.
 */
function msPerCall(fn: () => void, runs: number, minRunMs: number): number {
  fn();
  let calls = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) fn();
    const elapsed = performance.now() - start;
    if (elapsed >= minRunMs) break;
    calls = Math.max(calls * 2, Math.ceil((calls * minRunMs) / Math.max(elapsed, 1e-3)));
  }
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) fn();
    times.push((performance.now() - start) / calls);
  }
  return median(times);
}

/** The textbook i-k-j loop, for scale (what "no blocking, no packing" gives on this machine). */
function naiveMatmul(a: Float32Array, b: Float32Array, out: Float32Array, m: number, n: number, k: number): void {
  out.fill(0);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      for (let j = 0; j < n; j++) out[i * n + j] += av * b[p * n + j];
    }
  }
}

interface MatmulShape {
  label: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  batch?: number;
}

function matmulShapes(quick: boolean): MatmulShape[] {
  const shapes: MatmulShape[] = [];
  for (const size of quick ? [128, 256, 512] : [128, 256, 512, 1024]) {
    shapes.push({ label: `square ${size}`, m: size, n: size, k: size, transA: false, transB: false });
  }
  // The GPT's linear layers on 768 = B·T rows: Y = X·W forward, dX = dY·Wᵀ and dW = Xᵀ·dY backward.
  for (const [k, n] of [[128, 384], [128, 512], [512, 128], [128, 65]]) {
    const m = 768;
    shapes.push({ label: `(${m}×${k})·(${k}×${n}) forward`, m, n, k, transA: false, transB: false });
    shapes.push({ label: `  dX = dY·Wᵀ  (${m}×${n})·(${n}×${k})ᵀ`, m, n: k, k: n, transA: false, transB: true });
    shapes.push({ label: `  dW = Xᵀ·dY  (${m}×${k})ᵀ·(${m}×${n})`, m: k, n, k: m, transA: true, transB: false });
  }
  // Per-head attention products, one head and a batch of 48 heads.
  shapes.push({ label: 'q·kᵀ per head (64×32)·(64×32)ᵀ', m: 64, n: 64, k: 32, transA: false, transB: true });
  shapes.push({ label: 'p·v per head (64×64)·(64×32)', m: 64, n: 32, k: 64, transA: false, transB: false });
  shapes.push({ label: 'q·kᵀ, batch of 48 heads', m: 64, n: 64, k: 32, transA: false, transB: true, batch: 48 });
  // Sampling one token: a vector times a weight matrix.
  shapes.push({ label: 'GEMV (1×128)·(128×384)', m: 1, n: 384, k: 128, transA: false, transB: false });
  return shapes;
}

function benchMatmul(quick: boolean, runs: number, minRunMs: number): string {
  const rows: (string | number)[][] = [];
  for (const shape of matmulShapes(quick)) {
    const batch = shape.batch ?? 1;
    const args: MatmulArgs = {
      a: randomFloat32(batch * shape.m * shape.k),
      b: randomFloat32(batch * shape.k * shape.n),
      out: new Float32Array(batch * shape.m * shape.n),
      m: shape.m, n: shape.n, k: shape.k, transA: shape.transA, transB: shape.transB, batch,
    };
    const ms = msPerCall(() => nnKernels.matmul(args), runs, minRunMs);
    const flops = 2 * batch * shape.m * shape.n * shape.k;
    const flags = `${shape.transA ? 'T' : 'N'}${shape.transB ? 'T' : 'N'}`;
    rows.push([shape.label, flags, formatMs(ms), (flops / ms / 1e6).toFixed(2)]);
  }
  const size = quick ? 256 : 512;
  const a = randomFloat32(size * size);
  const b = randomFloat32(size * size);
  const out = new Float32Array(size * size);
  const naiveMs = msPerCall(() => naiveMatmul(a, b, out, size, size, size), Math.min(runs, 3), minRunMs);
  rows.push([`naive i-k-j loop, square ${size} (for scale)`, 'NN', formatMs(naiveMs), ((2 * size ** 3) / naiveMs / 1e6).toFixed(2)]);
  return markdownTable(['matmul (float32)', 'op', 'ms/call', 'GFLOP/s'], rows);
}

function formatMs(ms: number): string {
  return ms >= 10 ? ms.toFixed(1) : ms >= 0.1 ? ms.toFixed(3) : ms.toFixed(4);
}

function benchFused(runs: number, minRunMs: number): string {
  const rows: (string | number)[][] = [];
  const add = (label: string, elements: number, fn: () => void, flops?: number): void => {
    const ms = msPerCall(fn, runs, minRunMs);
    const rate = flops !== undefined ? `${(flops / ms / 1e6).toFixed(2)} GFLOP/s` : `${(elements / ms / 1e3).toFixed(0)} M elements/s`;
    rows.push([label, formatMs(ms), rate]);
  };
  const k = nnKernels;

  const rowsN = 768;
  const cols = 512;
  const x = randomFloat32(rowsN * cols, 4);
  const y = new Float32Array(rowsN * cols);
  const gy = randomFloat32(rowsN * cols);
  const gx = new Float32Array(rowsN * cols);
  add(`softmax forward (${rowsN}×${cols})`, x.length, () => k.softmaxForward(x, y, rowsN, cols));
  add(`softmax backward (${rowsN}×${cols})`, x.length, () => k.softmaxBackward(y, gy, gx, rowsN, cols));
  add(`log-softmax forward (${rowsN}×${cols})`, x.length, () => k.logSoftmaxForward(x, y, rowsN, cols));

  const classes = 65;
  const logits = randomFloat32(rowsN * classes, 4);
  const targets = Int32Array.from({ length: rowsN }, () => Math.floor(generator.random() * classes));
  const loss = new Float32Array(rowsN);
  const lse = new Float32Array(rowsN);
  const rowScale = new Float32Array(rowsN).fill(1 / rowsN);
  const gLogits = new Float32Array(rowsN * classes);
  add(`cross-entropy forward (${rowsN}×${classes})`, logits.length, () => k.crossEntropyForward(logits, targets, rowsN, classes, -100, 0, loss, lse));
  add(`cross-entropy backward (${rowsN}×${classes})`, logits.length, () => k.crossEntropyBackward(logits, targets, lse, rowsN, classes, -100, 0, rowScale, gLogits));

  const channels = 128;
  const xn = randomFloat32(rowsN * channels);
  const weight = randomFloat32(channels);
  const bias = randomFloat32(channels);
  const outN = new Float32Array(rowsN * channels);
  const mean = new Float32Array(rowsN);
  const rstd = new Float32Array(rowsN);
  const gyN = randomFloat32(rowsN * channels);
  const gxN = new Float32Array(rowsN * channels);
  const gW = new Float32Array(channels);
  const gB = new Float32Array(channels);
  add(`layerNorm forward (${rowsN}×${channels})`, xn.length, () => k.layerNormForward(xn, weight, bias, outN, mean, rstd, rowsN, channels, 1e-5));
  add(`layerNorm backward (${rowsN}×${channels})`, xn.length, () => k.layerNormBackward(xn, weight, mean, rstd, gyN, gxN, gW, gB, rowsN, channels));

  add(`GELU exact (erf) forward (${rowsN}×${cols})`, x.length, () => k.geluForward(x, y, 'none'));
  add(`GELU exact (erf) backward (${rowsN}×${cols})`, x.length, () => k.geluBackward(x, gy, gx, 'none'));
  add(`GELU tanh forward (${rowsN}×${cols})`, x.length, () => k.geluForward(x, y, 'tanh'));
  add(`GELU tanh backward (${rowsN}×${cols})`, x.length, () => k.geluBackward(x, gy, gx, 'tanh'));

  // Causal self-attention of the GPT: 12 sequences × 4 heads, T = 64, head size 32.
  const batchHeads = 48, T = 64, D = 32;
  const attention: AttentionArgs = {
    q: randomFloat32(batchHeads * T * D), k: randomFloat32(batchHeads * T * D), v: randomFloat32(batchHeads * T * D),
    batchHeads, queryLength: T, keyLength: T, headDim: D, valueDim: D, scale: 1 / Math.sqrt(D), causal: true,
  };
  const attentionOut = new Float32Array(batchHeads * T * D);
  const attentionLse = new Float32Array(batchHeads * T);
  const gOut = randomFloat32(batchHeads * T * D);
  const gq = new Float32Array(batchHeads * T * D), gk = new Float32Array(batchHeads * T * D), gv = new Float32Array(batchHeads * T * D);
  // Useful flops of the causal products: T(T+1)/2 visible scores, each a D-dot and a D-axpy.
  const attentionFlops = batchHeads * ((T * (T + 1)) / 2) * D * 2 * 2;
  add(`attention forward, causal (BH ${batchHeads}, T ${T}, D ${D})`, attentionOut.length, () => k.attentionForward(attention, attentionOut, attentionLse), attentionFlops);
  add(`attention backward, causal (BH ${batchHeads}, T ${T}, D ${D})`, attentionOut.length,
    () => k.attentionBackward(attention, attentionOut, attentionLse, gOut, gq, gk, gv), 2 * attentionFlops);

  const vocab = 65;
  const table = randomFloat32(vocab * channels);
  const ids = Int32Array.from({ length: rowsN }, () => Math.floor(generator.random() * vocab));
  const embedded = new Float32Array(rowsN * channels);
  const gTable = new Float32Array(vocab * channels);
  add(`embedding forward (${rowsN} ids × ${channels})`, embedded.length, () => k.embeddingForward(table, ids, embedded, channels, vocab));
  add(`embedding backward (${rowsN} ids × ${channels})`, embedded.length, () => k.embeddingBackward(ids, gyN, gTable, channels));

  const conv: Conv1dArgs = { batch: 32, inChannels: 64, outChannels: 64, inLength: 64, outLength: 64, kernelSize: 3, stride: 1, padLeft: 1, dilation: 1 };
  const convX = randomFloat32(conv.batch * conv.inChannels * conv.inLength);
  const convW = randomFloat32(conv.outChannels * conv.inChannels * conv.kernelSize);
  const convB = randomFloat32(conv.outChannels);
  const convOut = new Float32Array(conv.batch * conv.outChannels * conv.outLength);
  const convGx = new Float32Array(convX.length), convGw = new Float32Array(convW.length), convGb = new Float32Array(conv.outChannels);
  const convFlops = 2 * conv.batch * conv.outChannels * conv.outLength * conv.inChannels * conv.kernelSize;
  add('conv1d forward (N 32, C 64→64, L 64, K 3)', convOut.length, () => k.conv1dForward(conv, convX, convW, convB, convOut), convFlops);
  add('conv1d backward (N 32, C 64→64, L 64, K 3)', convOut.length,
    () => k.conv1dBackward(conv, convX, convW, convOut, convGx, convGw, convGb), 2 * convFlops);

  const parameters = 1 << 20;
  const param = randomFloat32(parameters);
  const grad = randomFloat32(parameters, 1e-2);
  const expAvg = new Float32Array(parameters);
  const expAvgSq = new Float32Array(parameters);
  add('AdamW step (1M float32 parameters)', parameters, () => k.adamwUpdate({
    param, grad, expAvg, expAvgSq, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1,
    biasCorrection1: 0.1, biasCorrection2: 0.001,
  }));
  return markdownTable(['fused kernel (float32)', 'ms/call', 'throughput'], rows);
}

export async function benchKernels(options: { quick: boolean }): Promise<string> {
  const runs = options.quick ? 3 : 7;
  const minRunMs = options.quick ? 15 : 60;
  const matmulTable = benchMatmul(options.quick, runs, minRunMs);
  const fusedTable = benchFused(runs, minRunMs);
  return [
    '### Kernels of the js backend',
    '',
    `Single-threaded, float32 storage with float64 accumulation; median of ${runs} runs. ` +
      'op: N/T = operand used as stored / transposed.',
    '',
    matmulTable,
    '',
    fusedTable,
    '',
  ].join('\n');
}
