/** Core benchmarks: per-op overhead on tiny tensors and elementwise / reduction throughput. */
import * as lm from '../src/index.js';
import { markdownTable, timeIt } from './machine.js';

export async function benchCore(options: { quick: boolean }): Promise<string> {
  const rows: (string | number)[][] = [];
  // Per-op overhead: a loop of tiny ops, tracked and untracked (PyTorch eager pays ~5–10 µs per op).
  const a = lm.randn([4]), b = lm.randn([4]);
  const tracked = lm.randn([4], { requiresGrad: true });
  const loops = options.quick ? 20000 : 200000;
  const perOp = (fn: () => void): number => (timeIt(() => { for (let i = 0; i < loops; i++) fn(); }, 5) * 1000) / loops;
  rows.push(['add, 4 elements, no grad', `${perOp(() => lm.add(a, b)).toFixed(2)} µs/op`]);
  rows.push(['add, 4 elements, recorded on the tape', `${perOp(() => lm.add(tracked, b)).toFixed(2)} µs/op`]);
  const backwardLoops = loops / 10;
  const fb = (timeIt(() => { for (let i = 0; i < backwardLoops; i++) lm.sum(lm.mul(tracked, b)).backward(); }, 5) * 1000) / backwardLoops;
  rows.push(['mul + sum + backward, 4 elements', `${fb.toFixed(2)} µs/iteration`]);
  // Throughput on a 1M-element float32 tensor.
  const n = 1 << 20;
  const x = lm.randn([n]), y = lm.randn([n]);
  const gbps = (ms: number, bytes: number): string => `${(bytes / ms / 1e6).toFixed(2)} GB/s (${(n / ms / 1e3).toFixed(0)} M elements/s)`;
  rows.push(['add, 1M float32', gbps(timeIt(() => lm.add(x, y), 10), 12 * n)]);
  rows.push(['mul broadcast (1024×1024)·(1024), float32', gbps(timeIt(() => lm.mul(lm.reshape(x, [1024, 1024]), lm.slice(y, 0, 0, 1024)), 10), 8 * n)]);
  rows.push(['exp, 1M float32', gbps(timeIt(() => lm.exp(x), 10), 8 * n)]);
  rows.push(['gelu (erf), 1M float32', gbps(timeIt(() => lm.gelu(x), 10), 8 * n)]);
  rows.push(['sum over last dim (1024×1024)', gbps(timeIt(() => lm.sum(lm.reshape(x, [1024, 1024]), -1), 10), 4 * n)]);
  rows.push(['softmax rows (1024×1024)', gbps(timeIt(() => lm.softmax(lm.reshape(x, [1024, 1024])), 10), 8 * n)]);
  rows.push(['layerNorm rows (8192×128)', gbps(timeIt(() => lm.layerNorm(lm.reshape(x, [8192, 128]), 128), 10), 8 * n)]);
  return `### Core: per-op overhead and elementwise throughput\n\n${markdownTable(['measurement', 'result'], rows)}\n`;
}
