/**
 * Stopping a run: Ctrl-C (a real SIGINT, in a child process) finishes the
 * current update, saves last/ at that update and exits cleanly; an AbortSignal
 * passed to runTraining does the same in-process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTraining } from '../../src/node/train/run.js';
import { loadTrainingSnapshot } from '../../src/node/train/checkpoint-dir.js';

test('SIGINT: the first Ctrl-C stops after the current update, saves last/ and exits with code 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-sigint-'));
  try {
    const out = join(dir, 'run');
    const child = spawn(process.execPath, [fileURLToPath(new URL('./sigint-child.js', import.meta.url)), out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('READY\n') && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, `child exited with ${code}; stderr:\n${stderr}`);
    assert.match(stderr, /stopping after this update and saving last\//);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { stoppedBy: string; steps: number };
    assert.equal(summary.stoppedBy, 'interrupt');
    assert.ok(summary.steps >= 1);
    assert.equal(loadTrainingSnapshot(join(out, 'last')).loop.step, summary.steps);
    assert.ok(existsSync(join(out, 'loss.svg')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runTraining with an AbortSignal: stops at that update with last/ saved there, and --resume continues from it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-abort-'));
  try {
    const out = join(dir, 'run');
    const controller = new AbortController();
    const options = {
      model: { type: 'rnn' as const, hiddenSize: 12, nonlinearity: 'relu' }, outDir: out, quiet: true,
      text: 'the cat sat on the mat. the dog sat on the log.\n'.repeat(10),
      training: { maxIters: 50, batchSize: 2, blockSize: 8, evalInterval: 20, evalIters: 1, logInterval: 1, warmupIters: 2, lrDecayIters: 50 },
    };
    const summary = await runTraining({ ...options, signal: controller.signal, onMetrics: (r) => { if (r.kind === 'step' && r.step === 4) controller.abort(); } });
    assert.equal(summary.stoppedBy, 'interrupt');
    assert.equal(summary.steps, 4);
    assert.equal(loadTrainingSnapshot(join(out, 'last')).loop.step, 4);
    const resumed = await runTraining({ ...options, resume: true, training: { ...options.training, maxIters: 8, learningRate: 1 } });
    assert.equal(resumed.steps, 8);
    assert.equal(resumed.training.learningRate, 1e-3, 'only the budgets change on resume');
    const steps = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.kind === 'step').map((r) => r.step);
    assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7, 8]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
