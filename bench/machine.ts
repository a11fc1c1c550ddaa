/** Describe the machine a benchmark ran on (committed next to the figures). */
import { cpus, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { describeBackend } from '../src/node/backend/select.js';

export function machineDescription(): string {
  const cpu = cpus();
  let flags = '';
  try {
    // One line of matches per flag found on the first CPU's line: report the widest.
    const found = execFileSync('grep', ['-m1', '-o', '-w', 'avx512f\\|avx2', '/proc/cpuinfo'], { encoding: 'utf8' }).split('\n');
    flags = found.includes('avx512f') ? ', avx512f' : found.includes('avx2') ? ', avx2' : '';
  } catch {
    flags = '';
  }
  return `${cpu[0]?.model ?? 'unknown CPU'} (${cpu.length} logical cores${flags}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, lmkit backend ${describeBackend()}`;
}

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Time `fn` `repeats` times after `warmup` calls; returns milliseconds per call (median). */
export function timeIt(fn: () => void, repeats = 5, warmup = 1): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

/** A markdown table. */
export function markdownTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
