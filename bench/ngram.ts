/**
 * n-gram benchmark: order-5 modified Kneser–Ney on words of tiny-shakespeare and
 * of a ≥ 10 M-token corpus (the shipped text followed by seeded shuffles of its
 * lines, joined in pairs, built in memory). Each run is a child process (bench/ngram-worker.ts) so
 * its peak RSS is its own. If KenLM's `lmplz` and `query` are on PATH, they run on
 * the same text in the same invocation and their figures are printed beside ours.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineDescription, markdownTable } from './machine.js';
import { buildBigCorpus, type NgramBenchResult } from './ngram-worker.js';

const worker = fileURLToPath(new URL('./ngram-worker.js', import.meta.url));
const shakespearePath = fileURLToPath(new URL('../../data/tinyshakespeare.txt', import.meta.url));
const BIG_TOKENS = 10_000_000;

function runWorker(kind: string): NgramBenchResult {
  const r = spawnSync(process.execPath, [worker, kind, String(BIG_TOKENS)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`n-gram bench worker (${kind}) failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as NgramBenchResult;
}

function which(command: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

interface KenlmFigures {
  trainSeconds: number;
  trainRssMB?: number;
  queryTokensPerSecond?: number;
}

/** Run lmplz -o 5 and query on the same text (only when KenLM is installed). */
function runKenlm(text: string): KenlmFigures | undefined {
  const lmplz = which('lmplz');
  const query = which('query');
  if (!lmplz) return undefined;
  const time = which('time') ?? (spawnSync('test', ['-x', '/usr/bin/time']).status === 0 ? '/usr/bin/time' : undefined);
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-bench-kenlm-'));
  try {
    const input = join(dir, 'corpus.txt');
    const arpa = join(dir, 'model.arpa');
    // lmplz turns empty lines into "<s> </s>" sentences; drop them so both tools see the same sentences.
    writeFileSync(input, text.split('\n').filter((l) => l.trim().length > 0).join('\n') + '\n');
    const args = ['-o', '5', '--text', input, '--arpa', arpa, '-S', '20%', '-T', dir, '--discount_fallback'];
    const t = performance.now();
    const r = time && time.startsWith('/') ? spawnSync(time, ['-f', 'lmkit-bench-rss %M', lmplz, ...args], { encoding: 'utf8' }) : spawnSync(lmplz, args, { encoding: 'utf8' });
    const trainSeconds = (performance.now() - t) / 1000;
    if (r.status !== 0) return undefined;
    const rss = /lmkit-bench-rss (\d+)/.exec(r.stderr);
    const out: KenlmFigures = { trainSeconds, trainRssMB: rss ? Number(rss[1]) / 1024 : undefined };
    if (query) {
      // Wall clock of the whole query run (includes loading the ARPA file).
      const t2 = performance.now();
      const q = spawnSync(query, ['-v', 'summary', arpa], { input: readFileSync(input), encoding: 'utf8', maxBuffer: 1 << 30 });
      const seconds = (performance.now() - t2) / 1000;
      const tokens = /Tokens:\s+(\d+)/.exec(q.stdout);
      if (tokens) out.queryTokensPerSecond = Number(tokens[1]) / seconds;
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x: number, digits = 2): string => x.toFixed(digits);
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const rate = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);

export async function benchNgram(options: { quick: boolean }): Promise<string> {
  const kinds = options.quick ? ['shakespeare'] : ['shakespeare', 'big'];
  const results = kinds.map(runWorker);
  const label = (r: NgramBenchResult): string => (r.corpus === 'big' ? `shakespeare + shuffled line pairs (${(r.tokens / 1e6).toFixed(1)} M tokens)` : 'tiny-shakespeare');
  const lines: string[] = [];
  lines.push('## n-gram language models: order-5 modified Kneser–Ney on words');
  lines.push('');
  lines.push(`Machine: ${machineDescription()}.`);
  lines.push('');
  lines.push(
    markdownTable(
      ['corpus', 'tokens', 'stored n-grams', 'train (s)', 'peak RSS (train)', 'peak RSS (all)', 'bytes / n-gram', 'query tokens/s'],
      results.map((r) => [
        label(r),
        r.tokens,
        r.ngrams.reduce((a, b) => a + b, 0),
        fmt(r.tokenizeSeconds + r.trainSeconds),
        `${fmt(r.trainPeakRssMB, 0)} MB`,
        `${fmt(r.peakRssMB, 0)} MB`,
        fmt(r.bytesPerNgram, 1),
        rate(r.queryTokensPerSecond),
      ]),
    ),
  );
  lines.push('');
  lines.push('Stages (seconds) and file sizes:');
  lines.push('');
  lines.push(
    markdownTable(
      ['corpus', 'tokenize', 'count + estimate', 'write ARPA', 'ARPA size', 'load ARPA', 'write binary', 'binary size', 'load binary', 'n-grams per order'],
      results.map((r) => [
        label(r),
        fmt(r.tokenizeSeconds),
        fmt(r.trainSeconds),
        fmt(r.arpaWriteSeconds),
        mb(r.arpaBytes),
        fmt(r.arpaLoadSeconds),
        fmt(r.binaryWriteSeconds),
        mb(r.binaryBytes),
        fmt(r.binaryLoadSeconds),
        r.ngrams.join(' / '),
      ]),
    ),
  );
  lines.push('');
  lines.push(
    '"train" is tokenizing + counting + estimating + building the query structure (lmplz\'s figure also includes writing ARPA, listed separately here). ' +
      'Peak RSS is the whole worker process: after training (text, token ids, counts, model), and at the end (after writing and re-reading ARPA and binary). Discounts use lmplz\'s --discount_fallback where an order\'s count-of-counts give none (the repeated-lines corpus is artificial). "bytes / n-gram" is the query structure only. ' +
      'Query throughput scores every sentence plus `</s>` with state, like KenLM `query`, from the reloaded binary model. ' +
      'The large corpus is tiny-shakespeare followed by seeded shuffles of its lines, consecutive shuffled lines joined in pairs into one sentence (so each copy adds the n-grams that cross a join; within-line n-grams only repeat).',
  );
  lines.push('');
  const kenlm = which('lmplz');
  if (!kenlm) {
    lines.push('KenLM: `lmplz`/`query` are not installed on this machine (not packaged in Debian; building it is optional), so no side-by-side KenLM figures in this run.');
  } else {
    const rows: (string | number)[][] = [];
    for (const r of results) {
      const text = r.corpus === 'big' ? buildBigCorpus(BIG_TOKENS).text : readFileSync(shakespearePath, 'utf8');
      const k = runKenlm(text);
      if (!k) continue;
      rows.push([
        label(r),
        fmt(k.trainSeconds),
        fmt(r.tokenizeSeconds + r.trainSeconds + r.arpaWriteSeconds),
        k.trainRssMB !== undefined ? `${fmt(k.trainRssMB, 0)} MB` : '-',
        k.queryTokensPerSecond !== undefined ? rate(k.queryTokensPerSecond) : '-',
        rate(r.queryTokensPerSecond),
      ]);
    }
    lines.push(`KenLM (${kenlm}), same text, same run:`);
    lines.push('');
    lines.push(markdownTable(['corpus', 'lmplz (s)', 'lmkit train + ARPA (s)', 'lmplz peak RSS', 'KenLM query tokens/s', 'lmkit query tokens/s'], rows));
  }
  return lines.join('\n');
}
