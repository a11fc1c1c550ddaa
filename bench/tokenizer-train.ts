/**
 * Tokenizer training speed, side by side in one run:
 *
 * 1. lmkit BPE, vocab 8000 on tiny-shakespeare, several variants, against
 *    Debian's sentencepiece (`spm_train --model_type=bpe`, which splits at white
 *    space: lmkit's 'spm-like' configuration is the like-for-like one);
 * 2. growth with corpus size: tiny-shakespeare ×1, ×10, ×50 (≈56 MB, the text
 *    repeated — so the distinct words stay those of ×1), time and peak RSS;
 * 3. a straightforward minbpe-style trainer (recount every pair on every merge,
 *    written below as minbpe writes it) against lmkit at vocab 512.
 *
 * lmkit runs in a child process each (tokenizer-train-child.ts), so its peak
 * RSS is its own; its time is reading + training inside that process. spm_train
 * is timed as a whole process.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preTokenize } from '../src/text/bpe/pretokenize.js';
import { trainBpe } from '../src/text/bpe/train.js';
import { markdownTable, median } from './machine.js';

const corpusPath = fileURLToPath(new URL('../../data/tinyshakespeare.txt', import.meta.url));
const childScript = fileURLToPath(new URL('./tokenizer-train-child.js', import.meta.url));

interface ChildResult {
  seconds: number;
  readSeconds: number;
  mergeSeconds: number;
  maxRssMB: number;
  distinctWords: number;
  vocabSize: number;
}

function runLmkit(file: string, vocabSize: number, config: string): ChildResult {
  const out = execFileSync(process.execPath, [childScript, file, String(vocabSize), config], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out) as ChildResult;
}

function which(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

interface SpmResult {
  seconds: number;
  maxRssMB: number | undefined;
}

function runSpm(spm: string, file: string, vocabSize: number, dir: string): SpmResult {
  const args = [`--input=${file}`, `--model_prefix=${join(dir, 'spm')}`, `--vocab_size=${vocabSize}`, '--model_type=bpe', '--minloglevel=2'];
  const time = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const start = performance.now();
  const result = time ? spawnSync(time, ['-f', 'lmkit-bench-rss %M', spm, ...args], { encoding: 'utf8' }) : spawnSync(spm, args, { encoding: 'utf8' });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`spm_train failed: ${result.stderr.slice(-500)}`);
  const rss = /lmkit-bench-rss (\d+)/.exec(result.stderr ?? '');
  return { seconds, maxRssMB: rss ? Number(rss[1]) / 1024 : undefined };
}

/** minbpe's get_stats + merge, over one id list. */
function countPairs(ids: readonly number[], stats: Map<number, number>): void {
  for (let i = 0; i + 1 < ids.length; i++) {
    const key = ids[i] * 65536 + ids[i + 1];
    stats.set(key, (stats.get(key) ?? 0) + 1);
  }
}

function mergeIds(ids: readonly number[], key: number, id: number): number[] {
  const a = Math.floor(key / 65536);
  const b = key % 65536;
  const out: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
      out.push(id);
      i++;
    } else out.push(ids[i]);
  }
  return out;
}

/** Best pair with lmkit's tie-break (highest count, then smallest (a, b)), so the merges are comparable. */
function bestPair(stats: Map<number, number>): number {
  let bestKey = -1;
  let bestCount = -1;
  for (const [key, count] of stats) {
    if (count > bestCount || (count === bestCount && key < bestKey)) {
      bestKey = key;
      bestCount = count;
    }
  }
  return bestKey;
}

/**
 * minbpe's trainers, transcribed: the text (basic) or its regex chunks (regex)
 * as lists of byte ids; every merge recounts all pairs and rewrites all lists.
 */
function minbpeTrain(text: string, vocabSize: number, split: 'none' | 'cl100k'): [number, number][] {
  const encoder = new TextEncoder();
  let chunks: number[][] = (split === 'none' ? [text] : preTokenize(text, 'cl100k')).map((chunk) => Array.from(encoder.encode(chunk)));
  const merges: [number, number][] = [];
  for (let id = 256; id < vocabSize; id++) {
    const stats = new Map<number, number>();
    for (const ids of chunks) countPairs(ids, stats);
    if (stats.size === 0) break;
    const key = bestPair(stats);
    merges.push([Math.floor(key / 65536), key % 65536]);
    chunks = chunks.map((ids) => mergeIds(ids, key, id));
  }
  return merges;
}

function timed<T>(fn: () => T): { value: T; seconds: number } {
  const start = performance.now();
  const value = fn();
  return { value, seconds: (performance.now() - start) / 1000 };
}

async function repeatFile(source: string, times: number, target: string): Promise<void> {
  const data = readFileSync(source);
  const out = createWriteStream(target);
  for (let i = 0; i < times; i++) if (!out.write(data)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

const f2 = (x: number): string => x.toFixed(2);
const f1 = (x: number): string => x.toFixed(1);
const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

export async function benchTokenizerTrain(options: { quick: boolean }): Promise<string> {
  const quick = options.quick;
  const repeats = quick ? 1 : 3;
  const spm = which('spm_train');
  const spmVersion = spm ? (spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'sentencepiece'], { encoding: 'utf8' }).stdout || 'unknown version') : '';
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-bench-train-'));
  const sections: string[] = ['### Tokenizer training'];
  try {
    // 1. vocab 8000 on tiny-shakespeare
    const corpusBytes = statSync(corpusPath).size;
    const rows: (string | number)[][] = [];
    let spmSeconds: number | undefined;
    let spmRss: number | undefined;
    if (spm) {
      const runs = Array.from({ length: repeats }, () => runSpm(spm, corpusPath, 8000, dir));
      spmSeconds = median(runs.map((r) => r.seconds));
      spmRss = runs[0].maxRssMB;
    }
    const configs: [string, string][] = [
      ['spm-like', 'char, split at white space, ▁ for spaces (like spm_train)'],
      ['gpt2', 'byte-level, GPT-2 regex'],
      ['gpt4', 'byte-level, GPT-4 (cl100k) regex'],
      ['sentencepiece', 'char, no pre-tokenization (line ends cut), ▁'],
      ['wordpiece', 'char, GPT-2 regex, ## continuation, WordPiece objective'],
    ];
    for (const [config, description] of configs) {
      const runs = Array.from({ length: repeats }, () => runLmkit(corpusPath, 8000, config));
      const seconds = median(runs.map((r) => r.seconds));
      rows.push([
        `lmkit ${config}`,
        description,
        f2(seconds),
        f1(median(runs.map((r) => r.maxRssMB))),
        spmSeconds ? `${f2(seconds / spmSeconds)}×` : '—',
      ]);
    }
    rows.push(spm ? [`spm_train ${spmVersion}`, '--model_type=bpe --vocab_size=8000 (defaults otherwise)', f2(spmSeconds as number), spmRss ? f1(spmRss) : 'n/a', '1.00×'] : ['spm_train', 'not installed (apt-get install sentencepiece)', '—', '—', '—']);
    sections.push(
      `BPE to vocab 8000 on tiny-shakespeare (${mb(corpusBytes)} MB), median of ${repeats} run(s). "vs spm_train" = lmkit time / spm_train time (goal ≤ 2×).`,
      markdownTable(['trainer', 'configuration', 'time (s)', 'peak RSS (MB)', 'vs spm_train'], rows),
    );

    // 2. growth with corpus size
    const factors = quick ? [1, 5] : [1, 10, 50];
    const scaleRows: (string | number)[][] = [];
    for (const factor of factors) {
      const file = factor === 1 ? corpusPath : join(dir, `shakespeare-x${factor}.txt`);
      if (factor !== 1) await repeatFile(corpusPath, factor, file);
      const bytes = statSync(file).size;
      const lmkit = runLmkit(file, 8000, 'gpt2');
      const spmRun = spm ? runSpm(spm, file, 8000, dir) : undefined;
      scaleRows.push([
        `×${factor}`,
        mb(bytes),
        lmkit.distinctWords,
        f2(lmkit.seconds),
        f2(lmkit.readSeconds),
        f2(lmkit.mergeSeconds),
        f1(bytes / 1e6 / lmkit.seconds),
        f1(lmkit.maxRssMB),
        spmRun ? f2(spmRun.seconds) : '—',
        spmRun?.maxRssMB ? f1(spmRun.maxRssMB) : '—',
      ]);
      if (factor !== 1) rmSync(file, { force: true });
    }
    sections.push(
      'Growth with corpus size (lmkit gpt2 configuration, vocab 8000; the corpus is tiny-shakespeare repeated, so reading grows with size while the distinct words — and the merge work — stay those of ×1).',
      markdownTable(['corpus', 'MB', 'distinct words', 'lmkit total (s)', 'reading (s)', 'merging (s)', 'lmkit MB/s', 'lmkit peak RSS (MB)', 'spm_train (s)', 'spm_train peak RSS (MB)'], scaleRows),
    );

    // 3. minbpe-style straightforward trainer vs lmkit, vocab 512
    const text = readFileSync(corpusPath, 'utf8');
    const sample = quick ? text.slice(0, 100_000) : text;
    const minbpeRows: (string | number)[][] = [];
    for (const split of ['none', 'cl100k'] as const) {
      const slow = timed(() => minbpeTrain(sample, 512, split));
      const fast = timed(() => trainBpe(sample, { vocabSize: 512, base: 'byte', preTokenizer: split }));
      const same = JSON.stringify(fast.value.merges().map(([a, b]) => [a, b])) === JSON.stringify(slow.value);
      const label = split === 'none' ? 'byte-level, no pre-tokenization' : 'byte-level, GPT-4 regex';
      minbpeRows.push([label, f2(slow.seconds), f2(fast.seconds), `${f1(slow.seconds / fast.seconds)}×`, split === 'none' ? `${same ? 'yes' : 'no'} (lmkit cuts pieces at line ends)` : same ? 'yes' : 'no']);
    }
    sections.push(
      `Straightforward minbpe-style trainer (recount all pairs per merge; same tie-break as lmkit) vs lmkit, vocab 512 on ${quick ? 'the first 100 kB of ' : ''}tiny-shakespeare (${mb(Buffer.byteLength(sample))} MB), one run each, in process.`,
      markdownTable(['configuration', 'minbpe-style (s)', 'lmkit (s)', 'speed-up', 'same merges'], minbpeRows),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return sections.join('\n\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchTokenizerTrain({ quick: process.argv.includes('--quick') })
    .then((markdown) => process.stdout.write(`${markdown}\n`))
    .catch((err: Error) => {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exit(1);
    });
}
