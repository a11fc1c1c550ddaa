/** Core benchmarks: per-op overhead on tiny tensors and elementwise / reduction throughput. */
import * as lm from '../src/index.js';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { markdownTable, timeIt } from './machine.js';

/** PyTorch's per-op overhead on the same tiny ops (bench/reference/op_overhead.py), by name; empty without torch. */
function pytorchOverheads(loops: number): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync('/usr/bin/python3')) return out;
  const script = fileURLToPath(new URL('../../bench/reference/op_overhead.py', import.meta.url));
  try {
    const text = execFileSync('/usr/bin/python3', [script, String(loops)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const line of text.split('\n')) {
      const match = /^(.*): ([\d.]+)$/.exec(line.trim());
      if (match) out.set(match[1], Number(match[2]));
    }
  } catch {
    // torch missing: the table shows dashes
  }
  return out;
}

export async function benchCore(options: { quick: boolean }): Promise<string> {
  const rows: (string | number)[][] = [];
  // Per-op overhead: a loop of tiny ops, tracked and untracked, beside PyTorch eager on the same ops (same run).
  const a = lm.randn([4]), b = lm.randn([4]);
  const tracked = lm.randn([4], { requiresGrad: true });
  const m4 = lm.randn([4, 4]), w4 = lm.randn([4, 4]), x8 = lm.randn([2, 4]);
  const loops = options.quick ? 20000 : 200000;
  const perOp = (fn: () => void, n = loops): number => (timeIt(() => { for (let i = 0; i < n; i++) fn(); }, 5) * 1000) / n;
  const torch = pytorchOverheads(options.quick ? 20000 : 100000);
  const overhead = (name: string, micros: number): void => {
    const reference = torch.get(name);
    rows.push([`${name} (µs per op)`, micros.toFixed(2), reference === undefined ? '—' : reference.toFixed(2)]);
  };
  lm.noGrad(() => overhead('add, 4 elements, no grad', perOp(() => lm.add(a, b))));
  overhead('add, 4 elements, recorded on the tape', perOp(() => lm.add(tracked, b)));
  overhead('mul + sum + backward, 4 elements', perOp(() => lm.sum(lm.mul(tracked, b)).backward(), loops / 10));
  lm.noGrad(() => {
    overhead('matmul 4x4, no grad', perOp(() => lm.matmul(m4, w4)));
    overhead('gelu, 4 elements, no grad', perOp(() => lm.gelu(a)));
    overhead('layerNorm (2x4), no grad', perOp(() => lm.layerNorm(x8, 4)));
  });
  const overheadTable = markdownTable(['per-op overhead, tiny tensors, 1 thread', 'lmkit', `PyTorch eager, same run${torch.size ? '' : ' (not run: no /usr/bin/python3 with torch)'}`], rows);
  rows.length = 0;
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
  return `### Core: per-op overhead and elementwise throughput\n\n${overheadTable}\n\n${markdownTable(['measurement', 'result'], rows)}\n`;
}
