/**
 * Encode / decode throughput of lmkit's TiktokenTokenizer with the GPT-2 (r50k)
 * ranks, side by side with the JavaScript peers in the same process and run:
 * tiktoken (WASM build of OpenAI's Rust core — the reference for ids),
 * gpt-tokenizer and js-tiktoken. Texts: the bundled tiny-shakespeare (and the
 * same text ×10 as one string), and two 1 MB multilingual texts generated from
 * a seed (./tokenizer-texts.ts): repetitive (Zipf over a fixed lexicon) and
 * random (fresh characters, little repetition). Reports median MB/s (MB = 10⁶
 * UTF-8 bytes) and whether each encoder's ids equal tiktoken's.
 *
 * "cold" columns clear the piece cache before every run (lmkit, gpt-tokenizer;
 * tiktoken and js-tiktoken keep no cache between calls).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { get_encoding } from 'tiktoken';
import { getEncoding } from 'js-tiktoken';
import * as gptTokenizerR50k from 'gpt-tokenizer/encoding/r50k_base';
import * as gptTokenizerCl100k from 'gpt-tokenizer/encoding/cl100k_base';
import { loadTiktokenFile } from '../src/text/formats/tiktoken-file.js';
import { randomMultilingualText, repetitiveMultilingualText } from './tokenizer-texts.js';

const require = createRequire(import.meta.url);

interface Encoder {
  name: string;
  encode(text: string): ArrayLike<number>;
  decode(ids: ArrayLike<number>): string;
  /** Drop any cache kept between calls (undefined: none kept). */
  clearCache?: () => void;
}

/** The tiktoken package's encoder JSON turned into `.tiktoken` rank-file text. */
function rankFileFromTiktokenPackage(encoding: 'gpt2' | 'cl100k_base'): string {
  const json = JSON.parse(readFileSync(require.resolve(`tiktoken/encoders/${encoding}.json`), 'utf8')) as { bpe_ranks: string };
  const lines: string[] = [];
  for (const line of json.bpe_ranks.split('\n')) {
    if (line.length === 0) continue;
    const [, offsetText, ...tokens] = line.split(' ');
    tokens.forEach((token, i) => lines.push(`${token} ${Number(offsetText) + i}`));
  }
  return lines.join('\n') + '\n';
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Measurement {
  before?: () => void;
  body: () => void;
  seconds: number[];
}

/**
 * Median seconds per measurement. Rounds are interleaved — each round runs
 * every measurement once — so that a machine whose load changes over time
 * (shared CI, other jobs) slows all encoders alike instead of whichever ran then.
 */
function timeInterleaved(measurements: Measurement[], runs: number): number[] {
  for (const m of measurements) {
    m.before?.();
    m.body(); // warm-up (JIT, caches)
  }
  for (let r = 0; r < runs; r++) {
    for (const m of measurements) {
      m.before?.();
      const start = process.hrtime.bigint();
      m.body();
      m.seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
    }
  }
  return measurements.map((m) => median(m.seconds));
}

/** A GitHub-flavoured markdown table (numbers right-aligned), readable in a terminal too. */
function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const numeric = header.map((_, i) => rows.every((row) => /^[\d.]+$|^—$/.test(row[i] ?? '')));
  const widths = header.map((h, i) => Math.max(h.length, 3, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (numeric[i] ? '-'.repeat(w - 1) + ':' : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function sameIds(a: ArrayLike<number>, b: ArrayLike<number>): string {
  if (a.length !== b.length) return `no (${a.length} vs ${b.length} ids)`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `no (first difference at id ${i})`;
  return 'yes';
}

function encoders(encoding: 'gpt2' | 'cl100k_base'): Encoder[] {
  const lmkit = loadTiktokenFile(rankFileFromTiktokenPackage(encoding), { encoding });
  const wasm = get_encoding(encoding);
  const utf8 = new TextDecoder();
  const jsTiktoken = getEncoding(encoding);
  const gptTokenizer = encoding === 'gpt2' ? gptTokenizerR50k : gptTokenizerCl100k;
  const none = new Set<string>();
  return [
    { name: 'lmkit', encode: (t) => lmkit.encode(t), decode: (ids) => lmkit.decode(ids), clearCache: () => lmkit.clearCache() },
    { name: 'tiktoken (WASM)', encode: (t) => wasm.encode(t), decode: (ids) => utf8.decode(wasm.decode(ids as Uint32Array)) },
    {
      name: 'gpt-tokenizer',
      encode: (t) => gptTokenizer.encode(t, { disallowedSpecial: none }),
      decode: (ids) => gptTokenizer.decode(ids as number[]),
      clearCache: () => gptTokenizer.clearMergeCache(),
    },
    { name: 'js-tiktoken', encode: (t) => jsTiktoken.encode(t, [], []), decode: (ids) => jsTiktoken.decode(ids as number[]) },
  ];
}

/** One summary row: lmkit's warm encode speed against the fastest other pure-JS encoder. */
interface SummaryRow {
  cells: string[];
}

/** Encoders written in JavaScript (tiktoken is Rust compiled to WASM). */
const JS_PEERS = ['gpt-tokenizer', 'js-tiktoken'];

function benchEncoding(encoding: 'gpt2' | 'cl100k_base', label: string, text: string, quick: boolean, summary: SummaryRow[]): string {
  const big = text.repeat(10);
  const megabytes = new TextEncoder().encode(text).length / 1e6;
  const runs = quick ? 3 : 7;
  const bigRuns = quick ? 1 : 3;
  const list = encoders(encoding);
  const referenceIds = list[1]!.encode(text);
  const equal = list.map((encoder) => sameIds(encoder.encode(text), referenceIds));
  // Every encoder decodes the reference ids (its own are the same where equal is yes).
  const idsFor = (encoder: Encoder): ArrayLike<number> => (encoder.name === 'tiktoken (WASM)' ? referenceIds : Array.from(referenceIds));
  const roundTrip = list.map((encoder) => encoder.decode(idsFor(encoder)) === text);
  const measure = (make: (encoder: Encoder) => Measurement | undefined, rounds: number): Array<number | undefined> => {
    const measurements = list.map(make);
    const present = measurements.filter((m): m is Measurement => m !== undefined);
    const seconds = timeInterleaved(present, rounds);
    return measurements.map((m) => (m === undefined ? undefined : seconds[present.indexOf(m)]));
  };
  const warm = measure((e) => ({ body: () => e.encode(text), seconds: [] }), runs);
  const cold = measure((e) => (e.clearCache === undefined ? undefined : { before: e.clearCache, body: () => e.encode(text), seconds: [] }), runs);
  // ×10 only for English (the row the README quotes); the 1 MB generated texts already miss the cache.
  const warmBig = label === 'tiny-shakespeare' ? measure((e) => ({ body: () => e.encode(big), seconds: [] }), bigRuns) : list.map(() => undefined);
  const decode = measure((e) => {
    const ids = idsFor(e);
    return { body: () => e.decode(ids), seconds: [] };
  }, runs);
  const rate = (mb: number, seconds: number | undefined): string => (seconds === undefined ? '—' : (mb / seconds).toFixed(1));
  const rows = list.map((encoder, i) => [
    encoder.name,
    rate(megabytes, warm[i]),
    rate(megabytes, cold[i]),
    rate(10 * megabytes, warmBig[i]),
    rate(megabytes, decode[i]),
    equal[i]!,
    roundTrip[i] ? 'yes' : 'NO',
  ]);
  const peers = list.map((e, i) => ({ name: e.name, seconds: warm[i]! })).filter((e) => JS_PEERS.includes(e.name));
  const fastestPeer = peers.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  summary.push({
    cells: [encoding, label, rate(megabytes, warm[0]), `${fastestPeer.name} ${rate(megabytes, fastestPeer.seconds)}`, (fastestPeer.seconds / warm[0]!).toFixed(2), equal[0]!],
  });
  const header = ['encoder', 'encode MB/s', 'encode MB/s, cold cache', 'encode ×10 MB/s', 'decode MB/s', 'ids = tiktoken', 'decode = text'];
  return markdownTable(header, rows);
}

function cpuModel(): string {
  const cpus = os.cpus();
  return cpus.length > 0 ? `${cpus[0]!.model.trim()} (${cpus.length} logical cores)` : 'unknown';
}

export async function benchTokenizerEncode(options: { quick: boolean }): Promise<string> {
  const here = dirname(fileURLToPath(import.meta.url));
  const english = readFileSync(join(here, '..', '..', 'data', 'tinyshakespeare.txt'), 'utf8');
  const texts: Array<[string, string]> = [
    ['tiny-shakespeare', english],
    ['repetitive multilingual (seed 1)', repetitiveMultilingualText(1e6, 1)],
    ['random multilingual (seed 2)', randomMultilingualText(1e6, 2)],
  ];
  const summary: SummaryRow[] = [];
  const sections = [
    '## Tokenizer encode / decode',
    '',
    `CPU: ${cpuModel()}; Node ${process.version}. Texts: tiny-shakespeare (${(english.length / 1e6).toFixed(2)} MB; "×10": the same text ×10 as one string) and two 1 MB multilingual texts generated from a seed in the bench (CJK, Hiragana, Cyrillic, Greek, Arabic, Latin, emoji, code symbols): "repetitive" draws words from a fixed 2000-word lexicon (Zipf), "random" makes every word of fresh random characters. Median of ${options.quick ? 3 : 7} runs (×10: ${options.quick ? 1 : 3}) after a warm-up, all encoders in this process, runs interleaved (round r times every encoder once). "cold cache": the piece cache is cleared before every run.`,
  ];
  const encodings: Array<'gpt2' | 'cl100k_base'> = options.quick ? ['gpt2'] : ['gpt2', 'cl100k_base'];
  for (const encoding of encodings) {
    for (const [label, text] of texts) sections.push('', `### ${encoding === 'gpt2' ? 'GPT-2 (r50k)' : 'cl100k_base'} ranks, ${label}`, '', benchEncoding(encoding, label, text, options.quick, summary));
  }
  const summaryHeader = ['ranks', 'text', 'lmkit encode MB/s', 'fastest other JS encoder, MB/s', 'lmkit ÷ it', 'lmkit ids = tiktoken'];
  sections.push('', '### Summary (warm encode; goal ≥ 1.5× the fastest other JavaScript encoder on every row)', '', markdownTable(summaryHeader, summary.map((row) => row.cells)));
  return sections.join('\n') + '\n';
}
