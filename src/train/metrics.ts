/**
 * The metrics log of a training run, as JSON Lines: one object per logged
 * update (`kind: 'step'`) and one per evaluation (`kind: 'eval'`), appended as
 * the run goes, so a crashed or interrupted run still leaves a readable log and
 * any tool (jq, pandas.read_json(lines=True)) can read it. Pure and
 * browser-safe; the Node driver appends the lines to <run>/metrics.jsonl.
 */
import type { EvalMetrics, LossHistory, StepMetrics } from './loop.js';

export type StepRecord = { kind: 'step' } & StepMetrics;
export type EvalRecord = { kind: 'eval' } & EvalMetrics;
export type MetricsRecord = StepRecord | EvalRecord;

/** One JSONL line (with its newline) for a record. */
export function metricsLine(record: MetricsRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/**
 * Parse a metrics.jsonl text. Blank lines are skipped; a line that is not a
 * JSON object with `kind` 'step' or 'eval' and a numeric `step` is an error
 * naming `source` and the line number — except a truncated last line (a run
 * killed mid-write), which is dropped.
 */
export function parseMetricsJsonl(text: string, source = 'metrics.jsonl'): MetricsRecord[] {
  const lines = text.split('\n');
  const records: MetricsRecord[] = [];
  const lastIndex = text.endsWith('\n') ? lines.length - 2 : lines.length - 1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      if (i === lastIndex && !text.endsWith('\n')) break; // the write of the last line was cut short
      throw new SyntaxError(`${source}:${i + 1}: not valid JSON (${(err as Error).message})`);
    }
    const record = value as Partial<MetricsRecord> | null;
    if (!record || typeof record !== 'object' || (record.kind !== 'step' && record.kind !== 'eval') || typeof record.step !== 'number') {
      throw new SyntaxError(`${source}:${i + 1}: expected a metrics record {"kind": "step" | "eval", "step": …}, got ${line.slice(0, 80)}`);
    }
    records.push(record as MetricsRecord);
  }
  return records;
}

/** Keep only the records up to update `step` (what a checkpoint at `step` had seen), e.g. before resuming. */
export function metricsUpTo(records: readonly MetricsRecord[], step: number): MetricsRecord[] {
  return records.filter((r) => r.step <= step);
}

/** The loss history (for the plot) contained in a metrics log. */
export function lossHistoryFromMetrics(records: readonly MetricsRecord[]): LossHistory {
  const history: LossHistory = { train: [], evalTrain: [], val: [] };
  for (const r of records) {
    if (r.kind === 'step') history.train.push([r.step, r.loss]);
    else {
      history.evalTrain.push([r.step, r.trainLoss]);
      history.val.push([r.step, r.valLoss]);
    }
  }
  return history;
}
