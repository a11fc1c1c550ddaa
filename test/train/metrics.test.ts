/**
 * metrics.jsonl: every line parses back; a truncated last line (a run killed
 * mid-write) is tolerated, other bad lines are errors with the line number; the
 * loss history for the plot is rebuilt from the log; a resumed run drops the
 * updates logged after its checkpoint, so each update appears once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lossHistoryFromMetrics, metricsLine, metricsUpTo, parseMetricsJsonl, type MetricsRecord } from '../../src/train/metrics.js';
import { lossHistorySvg } from '../../src/train/plot.js';
import { runTraining } from '../../src/node/train/run.js';

const step = (n: number, loss: number): MetricsRecord => ({ kind: 'step', step: n, lr: 1e-3, loss, gradNorm: 1, tokensPerSecond: 100, msPerIter: 5, elapsedMs: n * 5 });
const evaluation = (n: number, trainLoss: number, valLoss: number): MetricsRecord => ({ kind: 'eval', step: n, trainLoss, valLoss, best: true, elapsedMs: n * 5 });

test('metrics lines round-trip; the loss history is rebuilt from them', () => {
  const records = [evaluation(0, 4.2, 4.3), step(1, 4.1), step(2, 3.7), evaluation(2, 3.6, 3.8)];
  const text = records.map(metricsLine).join('');
  assert.equal(text.split('\n').length, 5);
  assert.deepEqual(parseMetricsJsonl(text), records);
  assert.deepEqual(lossHistoryFromMetrics(records), { train: [[1, 4.1], [2, 3.7]], evalTrain: [[0, 4.2], [2, 3.6]], val: [[0, 4.3], [2, 3.8]] });
  assert.deepEqual(metricsUpTo(records, 1), records.slice(0, 2));
  const svg = lossHistorySvg(lossHistoryFromMetrics(records), { title: 'run' });
  assert.equal((svg.match(/<polyline/g) ?? []).length, 3);
  assert.match(svg, /train \(per update\)[\s\S]*val \(eval\)/);
});

test('a truncated last line is dropped; any other bad line is an error naming the file and line', () => {
  const good = metricsLine(step(1, 4));
  assert.deepEqual(parseMetricsJsonl(`${good}{"kind":"step","st`), [step(1, 4)]);
  assert.throws(() => parseMetricsJsonl(`${good}{"kind":"st\n${good}`, 'run/metrics.jsonl'), /run\/metrics\.jsonl:2: not valid JSON/);
  assert.throws(() => parseMetricsJsonl('{"kind":"other","step":1}\n', 'm.jsonl'), /m\.jsonl:1: expected a metrics record/);
});

test('resuming after a crash: updates logged after the last checkpoint are dropped, so each update appears once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-metrics-'));
  try {
    const out = join(dir, 'run');
    const options = {
      model: { type: 'lstm' as const, hiddenSize: 8 }, outDir: out, quiet: true,
      text: 'one two three four five six seven eight nine ten\n'.repeat(8),
      training: { maxIters: 4, batchSize: 2, blockSize: 8, evalInterval: 2, evalIters: 1, logInterval: 1, warmupIters: 0, lrDecayIters: 4 },
    };
    await runTraining(options);
    const metricsPath = join(out, 'metrics.jsonl');
    // What a run killed at update 6 (after its checkpoint at 4) leaves behind, with a half-written line.
    appendFileSync(metricsPath, `${metricsLine(step(5, 9))}${metricsLine(step(6, 9))}{"kind":"step","step":7,"lo`);
    await runTraining({ ...options, resume: true, training: { ...options.training, maxIters: 6 } });
    const records = parseMetricsJsonl(readFileSync(metricsPath, 'utf8'));
    assert.deepEqual(records.filter((r) => r.kind === 'step').map((r) => r.step), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(records.filter((r) => r.kind === 'eval').map((r) => r.step), [0, 2, 4, 6]);
    assert.ok(records.every((r) => r.kind !== 'step' || r.loss !== 9), 'the crashed run\'s lines are gone');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
