/**
 * The Node host of the training road: what a run needs from the machine and
 * nothing else — a run directory (best/ and last/ checkpoints written
 * atomically, metrics.jsonl, loss.svg), a progress bar, log lines, and Ctrl-C
 * turned into a clean stop with a saved checkpoint (a second Ctrl-C exits at
 * once; the atomic saves keep the previous checkpoint intact either way).
 * Every model family's session runs on it (src/train/session.ts).
 *
 * Run directory layout:
 *   <out>/best/  <out>/last/   checkpoints (src/node/train/checkpoint-dir.ts)
 *   <out>/metrics.jsonl        one JSON object per logged update and per evaluation
 *   <out>/loss.svg             the loss curve, rewritten at every evaluation
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LossHistory } from '../../train/loop.js';
import { metricsLine, metricsUpTo, parseMetricsJsonl, type MetricsRecord } from '../../train/metrics.js';
import { lossHistorySvg } from '../../train/plot.js';
import { runTrainingSession, type SessionResult, type TrainingSession } from '../../train/session.js';
import { writeFileAtomic } from '../files.js';
import { createProgress } from '../progress.js';
import { DirectoryCheckpointStore } from './checkpoint-dir.js';

export interface NodeHostOptions {
  outDir: string;
  /** The loss plot's title. */
  title: string;
  /** Updates the progress bar counts to. */
  maxIters: number;
  /** No progress bar and no log lines. */
  quiet?: boolean;
  log: (line: string) => void;
  /** Stop signal; when absent, SIGINT and SIGTERM are handled (the first stops cleanly, a second exits at once). */
  signal?: AbortSignal;
  /** Called with every record written to metrics.jsonl (after it is written). */
  onMetrics?(record: MetricsRecord): void;
  /** The side files of the family's checkpoints (default: tokenizer.json). */
  checkpointFiles?: readonly string[];
}

/** A resumed run redoes the updates logged after its checkpoint: drop them so each update appears once. */
function truncateMetrics(metricsPath: string, step: number): void {
  if (!existsSync(metricsPath)) return;
  const kept = metricsUpTo(parseMetricsJsonl(readFileSync(metricsPath, 'utf8'), metricsPath), step);
  writeFileAtomic(metricsPath, kept.map(metricsLine).join(''), { force: true });
}

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * The first Ctrl-C (SIGINT) or SIGTERM — what `timeout`, Docker, systemd and
 * Slurm send — stops the run after the current update and saves last/; a
 * second signal exits at once (the atomic saves keep the previous checkpoint).
 * Returns the stop signal and a function that unhooks the handlers.
 */
function stopOnSignals(onFirst: () => void): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const handler = (name: keyof typeof SIGNAL_EXIT_CODES): void => {
    if (controller.signal.aborted) process.exit(SIGNAL_EXIT_CODES[name]);
    onFirst();
    const again = name === 'SIGINT' ? 'Ctrl-C again' : 'signal again';
    process.stderr.write(`\n${name === 'SIGINT' ? '' : `${name}: `}stopping after this update and saving last/ (${again} to quit at once)\n`);
    controller.abort();
  };
  const names = Object.keys(SIGNAL_EXIT_CODES) as (keyof typeof SIGNAL_EXIT_CODES)[];
  for (const name of names) process.on(name, handler);
  return { signal: controller.signal, release: () => { for (const name of names) process.off(name, handler); } };
}

/** Run a session with its checkpoints, metrics and plot in `options.outDir` (which must exist). */
export async function runOnNodeHost(session: TrainingSession, options: NodeHostOptions): Promise<SessionResult> {
  const metricsPath = join(options.outDir, 'metrics.jsonl');
  const plotPath = join(options.outDir, 'loss.svg');
  if (session.resume) truncateMetrics(metricsPath, session.resume.loop.step);
  const writePlot = (history: LossHistory): void => writeFileAtomic(plotPath, lossHistorySvg(history, { title: options.title }), { force: true });
  const write = (record: MetricsRecord): void => appendFileSync(metricsPath, metricsLine(record));

  const bar = createProgress('train', options.maxIters, { quiet: options.quiet, unit: 'it' });
  const interactive = !options.quiet && process.stderr.isTTY;
  const interrupt = options.signal ? undefined : stopOnSignals(() => bar.stop());
  let lastVal: number | null = null;
  try {
    const result = await runTrainingSession(session, {
      store: new DirectoryCheckpointStore(options.outDir, options.checkpointFiles),
      signal: options.signal ?? interrupt?.signal,
      onStep(record) {
        write(record);
        bar.update(record.step, { loss: record.loss.toFixed(4), val: lastVal === null ? '—' : lastVal.toFixed(4), 'tok/s': Math.round(record.tokensPerSecond) });
        options.onMetrics?.(record);
      },
      onEval(record, history) {
        write(record);
        writePlot(history);
        lastVal = record.valLoss;
        // With a live bar the eval shows in the bar; otherwise (logs, CI) as a line.
        if (!interactive) options.log(`update ${record.step}: train loss ${record.trainLoss.toFixed(4)}, val loss ${record.valLoss.toFixed(4)}${record.best ? ' (best)' : ''}, ${(record.elapsedMs / 1000).toFixed(0)} s`);
        options.onMetrics?.(record);
      },
    });
    writePlot(result.history);
    return result;
  } finally {
    bar.stop();
    interrupt?.release();
  }
}
