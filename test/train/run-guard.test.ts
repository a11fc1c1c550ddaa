/**
 * Nothing lost to concurrency, signals or crashes mid-save:
 * - a run directory is locked for the life of a run: a second run on it (in
 *   another process or this one) fails at once naming the holder; a lock left
 *   by a dead process is taken over; the lock is gone when the run ends;
 * - SIGTERM stops a run like Ctrl-C: after the current update, last/ saved, exit 0;
 * - a crash between the two renames of a save: --resume continues from the
 *   newest complete checkpoint whatever its directory name, never an older
 *   best/, and metrics.jsonl keeps every update up to it;
 * - temp directories of interrupted saves by dead processes are removed;
 * - default run names are claimed exclusively.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTraining, type RunTrainingOptions } from '../../src/node/train/run.js';
import { loadTrainingSnapshot } from '../../src/node/train/checkpoint-dir.js';
import { claimUniqueRunDir, LOCK_FILE } from '../../src/node/train/run-dir.js';

const childScript = fileURLToPath(new URL('./sigint-child.js', import.meta.url));

function withTempDir(name: string, body: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), `lmkit-${name}-`));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

interface Child { exit: Promise<number | null>; stdout: () => string; stderr: () => string; kill(signal: NodeJS.Signals): void; ready: Promise<void> }

function startChild(out: string): Child {
  const child = spawn(process.execPath, [childScript, out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => { markReady = resolve; });
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); if (stdout.includes('READY\n')) markReady(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  void exit.then(() => markReady());
  return { exit, ready, stdout: () => stdout, stderr: () => stderr, kill: (signal) => child.kill(signal) };
}

test('two processes on one run directory: the second fails at once naming the first; SIGTERM then stops the first cleanly', withTempDir('lock', async (dir) => {
  const out = join(dir, 'run');
  const first = startChild(out);
  await first.ready;
  const second = startChild(out);
  const secondCode = await second.exit;
  assert.notEqual(secondCode, 0);
  assert.match(second.stderr(), new RegExp(`is in use by another lmkit run \\(pid \\d+ on ${hostname()}`));
  assert.ok(existsSync(join(out, LOCK_FILE)), 'the first run still holds its lock');

  first.kill('SIGTERM');
  assert.equal(await first.exit, 0, `stderr:\n${first.stderr()}`);
  assert.match(first.stderr(), /SIGTERM: stopping after this update and saving last\//);
  const summary = JSON.parse(first.stdout().trim().split('\n').at(-1) as string) as { stoppedBy: string; steps: number };
  assert.equal(summary.stoppedBy, 'interrupt');
  assert.equal(loadTrainingSnapshot(join(out, 'last')).loop.step, summary.steps);
  assert.ok(!existsSync(join(out, LOCK_FILE)), 'the lock is released at the end of the run');
}));

const text = 'the cat sat on the mat. the dog sat on the log.\n'.repeat(10);
const options = (outDir: string, maxIters: number): RunTrainingOptions => ({
  model: { type: 'gru', hiddenSize: 12, embeddingSize: 6 }, outDir, quiet: true, text,
  training: { maxIters, batchSize: 2, blockSize: 8, evalInterval: 4, evalIters: 1, logInterval: 1, warmupIters: 2, lrDecayIters: 40 },
});

test('in one process too: a second run on a directory in use fails; a stale lock of a dead process is taken over', withTempDir('lock-here', async (dir) => {
  const out = join(dir, 'run');
  const controller = new AbortController();
  let secondError: unknown;
  await runTraining({
    ...options(out, 1000), signal: controller.signal,
    onMetrics: (record) => {
      if (record.kind !== 'step' || record.step !== 2) return;
      void runTraining({ ...options(out, 4), force: true }).catch((err: unknown) => { secondError = err; });
      controller.abort();
    },
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.match(String(secondError), /is in use by another run in this process/);

  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: Number(dead.stdout), hostname: hostname(), started: 'earlier' }));
  const resumed = await runTraining({ ...options(out, 6), resume: true });
  assert.equal(resumed.steps, 6);
  assert.ok(!existsSync(join(out, LOCK_FILE)));
}));

test('a crash between the two renames of a save: --resume takes the newest complete checkpoint, keeps the metrics, cleans up', withTempDir('crash', async (dir) => {
  const out = join(dir, 'run');
  await runTraining(options(out, 5));
  cpSync(join(out, 'last'), join(dir, 'last-at-5'), { recursive: true });
  await runTraining({ ...options(out, 9), resume: true });
  assert.equal(loadTrainingSnapshot(join(out, 'last')).loop.step, 9);
  // best/ from an earlier evaluation (the validation loss stopped improving at update 5).
  rmSync(join(out, 'best'), { recursive: true });
  cpSync(join(dir, 'last-at-5'), join(out, 'best'), { recursive: true });
  // The save of last/ at 9 died between its renames: the old last/ is aside, the new one still in its temp directory.
  const deadPid = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  renameSync(join(out, 'last'), join(out, `last.tmp-${deadPid}`));
  cpSync(join(dir, 'last-at-5'), join(out, `last.old-${deadPid}`), { recursive: true });
  // And an earlier save of best/ died half-written: its temp directory has no state.json.
  mkdirSync(join(out, `best.tmp-${deadPid}`));
  writeFileSync(join(out, `best.tmp-${deadPid}`, 'model.safetensors'), 'partial');

  const lines: string[] = [];
  const resumed = await runTraining({ ...options(out, 12), resume: true, quiet: false, log: (line) => lines.push(line) });
  assert.ok(lines.some((line) => /resuming from .*last at update 9$/.test(line)), lines.join('\n'));
  assert.equal(resumed.steps, 12);
  const steps = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; step: number })
    .filter((r) => r.kind === 'step').map((r) => r.step);
  assert.deepEqual(steps, Array.from({ length: 12 }, (_, i) => i + 1), 'every update logged once, none cut back');
  assert.deepEqual(readdirSync(out).filter((entry) => /\.(old|tmp)-/.test(entry)), [], 'leftovers of the crash are gone');
}));

test('default run names are claimed exclusively: the same base name twice gives two directories', withTempDir('names', async (dir) => {
  const base = join(dir, 'runs', 'gpt-20261208-120000');
  const first = claimUniqueRunDir(base);
  const second = claimUniqueRunDir(base);
  assert.equal(first, base);
  assert.equal(second, `${base}-2`);
  assert.ok(existsSync(first) && existsSync(second));
}));
