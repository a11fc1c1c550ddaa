/**
 * The presets' full runs: `shakespeare-char` (2000 updates) next to the
 * PyTorch reference (bench/reference/baby_gpt.py, same config) and the
 * `shakespeare-lstm` preset beside them — final validation loss (nanoGPT's
 * estimate: 20 random batches) and the loss over the whole validation split
 * (every non-overlapping window, no sampling noise), wall time, ms/update and
 * peak RSS, averaged over `--seeds N` seeds (default 1). Skipped in --quick.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable } from './machine.js';

interface RunFigures { seconds: number; msPerIter: number; valLoss: number; fullVal: number; peakRssMb: number; backend: string }

const root = fileURLToPath(new URL('../..', import.meta.url));
const SEEDS = [1337, 1, 2, 3, 4];

function ours(preset: string, seed: number): RunFigures {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-bench-'));
  try {
    const out = execFileSync(process.execPath, [join(root, 'dist/bench/preset-child.js'), preset, String(seed), join(dir, 'run')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as RunFigures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pytorch(seed: number): RunFigures | string {
  if (!existsSync('/usr/bin/python3')) return 'no /usr/bin/python3';
  const openblas = '/usr/lib/x86_64-linux-gnu/openblas-openmp';
  const env = { ...process.env, ...(existsSync(openblas) ? { LD_LIBRARY_PATH: openblas } : {}) };
  const time = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', 'MAXRSS %M'] : [];
  const command = [...time, '/usr/bin/python3', join(root, 'bench/reference/baby_gpt.py'), '--data', join(root, 'data/tinyshakespeare.txt'), '--threads', '2', '--seed', String(seed), '--full_val'];
  const child = spawnSync(command[0], command.slice(1), { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
  if (child.status !== 0) return `PyTorch reference not run (${(child.stderr || String(child.error)).trim().split('\n').at(-1)?.slice(0, 80)})`;
  const out = child.stdout;
  const evals = [...out.matchAll(/iter +2000 \| train ([\d.]+) \| val ([\d.]+)/g)];
  const ms = /ms\/iter median ([\d.]+)/.exec(out);
  const wall = /total wall incl\. evals ([\d.]+) s/.exec(out);
  const full = /full val loss .*: ([\d.]+)/.exec(out);
  return {
    seconds: Number(wall?.[1]), msPerIter: Number(ms?.[1]), valLoss: Number(evals[0]?.[2]), fullVal: Number(full?.[1]),
    peakRssMb: Number(/MAXRSS (\d+)/.exec(child.stderr)?.[1] ?? NaN) / 1024, backend: 'PyTorch',
  };
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function row(name: string, runs: RunFigures[]): (string | number)[] {
  const f = (key: keyof RunFigures, digits: number): string => {
    const values = runs.map((r) => r[key] as number).filter((v) => Number.isFinite(v));
    if (values.length === 0) return '—';
    const text = mean(values).toFixed(digits);
    return values.length > 1 ? `${text} (${values.map((v) => v.toFixed(digits)).join(', ')})` : text;
  };
  return [name, f('valLoss', 4), f('fullVal', 4), f('seconds', 0), f('msPerIter', 1), f('peakRssMb', 0)];
}

export async function benchQuality(options: { quick: boolean; seeds?: number }): Promise<string> {
  if (options.quick) return '### Full preset runs\n\nSkipped in --quick mode.\n';
  const seeds = SEEDS.slice(0, Math.max(1, Math.min(SEEDS.length, options.seeds ?? 1)));
  const gpt: RunFigures[] = [];
  const lstm: RunFigures[] = [];
  const torch: RunFigures[] = [];
  let torchNote = '';
  for (const seed of seeds) {
    process.stderr.write(`bench: shakespeare-char seed ${seed}…\n`);
    gpt.push(ours('shakespeare-char', seed));
    process.stderr.write(`bench: PyTorch reference seed ${seed}…\n`);
    const reference = pytorch(seed);
    if (typeof reference === 'string') torchNote = reference; else torch.push(reference);
  }
  process.stderr.write('bench: shakespeare-lstm…\n');
  lstm.push(ours('shakespeare-lstm', seeds[0]));
  const table = markdownTable(['run (2000 updates)', 'val loss (20 batches)', 'val loss (whole split)', 'wall s', 'ms / update', 'peak RSS MB'], [
    row(`lmkit shakespeare-char (${gpt[0].backend})`, gpt),
    torch.length > 0 ? row('PyTorch baby_gpt.py, same config (OpenBLAS, 2 threads)', torch) : [`PyTorch: ${torchNote}`, '—', '—', '—', '—', '—'],
    row(`lmkit shakespeare-lstm (${lstm[0].backend})`, lstm),
  ]);
  return `### Full preset runs (seeds ${seeds.join(', ')}; mean, then each seed)\n\n${table}\n\n` +
    "nanoGPT's published figure for the baby GPT is val loss 1.88 (its 20-batch estimate). Wall time includes " +
    'the 9 evaluations and checkpoint saves.\n';
}
