/**
 * Progress bars for long work (counting, training, tokenizer training), on top of
 * `cli-progress`. They draw to stderr only when it is a terminal, so logs and CI
 * output stay clean; `quiet` turns them off entirely.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Set the absolute amount done, with optional extra fields shown after the bar. */
  update(done: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

export function createProgress(label: string, total: number, options: { quiet?: boolean; unit?: string } = {}): Progress {
  if (options.quiet || !process.stderr.isTTY) {
    return { update() {}, stop() {} };
  }
  const unit = options.unit ?? 'it';
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} |{bar}| {percentage}% {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted} {extra}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const start = performance.now();
  bar.start(total, 0, { rate: '0', extra: '' });
  return {
    update(done, fields) {
      const seconds = (performance.now() - start) / 1000;
      const rate = seconds > 0 ? done / seconds : 0;
      const extra = fields ? Object.entries(fields).map(([k, v]) => `${k} ${v}`).join(' ') : '';
      bar.update(done, { rate: rate >= 100 ? rate.toFixed(0) : rate.toFixed(2), extra });
    },
    stop() {
      bar.stop();
    },
  };
}
