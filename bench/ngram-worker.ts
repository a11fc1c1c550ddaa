/**
 * One n-gram benchmark measurement, run in its own process (by bench/ngram.ts)
 * so that its peak RSS is its own. argv: <corpus: shakespeare | big> <minTokens>.
 * Prints one JSON line with the figures.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Generator } from '../src/tensor/random.js';
import { NgramVocabulary, textToCorpus, trainNgramFromCorpus, type TokenCorpus } from '../src/lm/ngram/index.js';
import { loadNgramModel, saveNgramModel } from '../src/node/ngram-io.js';

export interface NgramBenchResult {
  corpus: string;
  tokens: number;
  sentences: number;
  ngrams: number[];
  tokenizeSeconds: number;
  trainSeconds: number;
  arpaWriteSeconds: number;
  arpaBytes: number;
  arpaLoadSeconds: number;
  binaryWriteSeconds: number;
  binaryBytes: number;
  binaryLoadSeconds: number;
  modelBytes: number;
  bytesPerNgram: number;
  queryTokens: number;
  queryTokensPerSecond: number;
  /** Peak RSS right after training (text + ids + counts + model). */
  trainPeakRssMB: number;
  /** Peak RSS at the end (after the ARPA and binary round trips). */
  peakRssMB: number;
  corpusFile?: string;
}

const shakespearePath = fileURLToPath(new URL('../../data/tinyshakespeare.txt', import.meta.url));

/**
 * The shipped text, then seeded shuffles of its lines until ≥ minTokens words.
 * In each shuffled copy, consecutive lines are joined in pairs into one sentence:
 * shuffling alone would repeat exactly the same n-grams (they never cross a line)
 * and leave no n-gram seen once, which is not what a larger corpus looks like.
 */
export function buildBigCorpus(minTokens: number): { text: string; copies: number } {
  const lines = readFileSync(shakespearePath, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0);
  let perCopy = 0;
  for (const l of lines) perCopy += l.split(/\s+/).filter((w) => w).length;
  const copies = Math.ceil(minTokens / perCopy);
  const g = new Generator(2024);
  const parts: string[] = [lines.join('\n')];
  for (let c = 1; c < copies; c++) {
    const order = g.permutation(lines.length);
    const shuffled: string[] = new Array(lines.length);
    for (let i = 0; i < lines.length; i++) shuffled[i] = lines[order[i]];
    const paired: string[] = [];
    for (let i = 0; i < shuffled.length; i += 2) paired.push(i + 1 < shuffled.length ? `${shuffled[i]} ${shuffled[i + 1]}` : shuffled[i]);
    parts.push(paired.join('\n'));
  }
  return { text: parts.join('\n'), copies };
}

function measureQueries(model: ReturnType<typeof loadNgramModel>, corpus: TokenCorpus, maxTokens: number): { tokens: number; perSecond: number } {
  // Score sentences (plus </s>) like KenLM's query, until maxTokens tokens or ≥ 1 s.
  let tokens = 0;
  let sink = 0;
  const t0 = performance.now();
  const end = model.endToken;
  do {
    for (let s = 0; s + 1 < corpus.starts.length && tokens < maxTokens; s++) {
      let state = model.initialState();
      for (let i = corpus.starts[s]; i < corpus.starts[s + 1]; i++) {
        const t = corpus.ids[i];
        sink += model.log10Prob(state, t);
        state = model.advance(state, t);
      }
      if (end !== undefined) sink += model.log10Prob(state, end);
      tokens += corpus.starts[s + 1] - corpus.starts[s] + 1;
    }
  } while (performance.now() - t0 < 1000 && tokens < maxTokens);
  const seconds = (performance.now() - t0) / 1000;
  if (!Number.isFinite(sink)) throw new Error('query benchmark produced a non-finite total');
  return { tokens, perSecond: tokens / seconds };
}

function run(kind: string, minTokens: number): NgramBenchResult {
  const text = kind === 'big' ? buildBigCorpus(minTokens).text : readFileSync(shakespearePath, 'utf8');
  let t = performance.now();
  const vocab = new NgramVocabulary();
  // Whitespace tokens, as lmplz reads its text, so that both tools count the same n-grams.
  const corpus = textToCorpus(text, { kind: 'whitespace' }, vocab, { grow: true, padding: true });
  const tokenizeSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  // The repeated-lines corpus is artificial enough that some orders' count-of-counts
  // give no valid discounts; lmplz needs --discount_fallback there too.
  const { model, ngramCounts } = trainNgramFromCorpus(corpus, vocab, { order: 5, smoothing: 'mkn', padding: true, unitInfo: { kind: 'whitespace' }, discountFallback: true });
  const trainSeconds = (performance.now() - t) / 1000;
  const trainPeakRssMB = process.resourceUsage().maxRSS / 1024;
  const arpaPath = join(tmpdir(), `lmkit-bench-ngram-${process.pid}.arpa`);
  const binPath = join(tmpdir(), `lmkit-bench-ngram-${process.pid}.bin`);
  try {
    t = performance.now();
    const arpaBytes = saveNgramModel(arpaPath, model, { format: 'arpa', force: true });
    const arpaWriteSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const binaryBytes = saveNgramModel(binPath, model, { format: 'binary', force: true });
    const binaryWriteSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    loadNgramModel(arpaPath);
    const arpaLoadSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const loaded = loadNgramModel(binPath);
    const binaryLoadSeconds = (performance.now() - t) / 1000;
    const q = measureQueries(loaded, corpus, 2_000_000);
    const total = ngramCounts.reduce((a, b) => a + b, 0);
    return {
      corpus: kind,
      tokens: corpus.ids.length,
      sentences: corpus.starts.length - 1,
      ngrams: ngramCounts,
      tokenizeSeconds,
      trainSeconds,
      arpaWriteSeconds,
      arpaBytes,
      arpaLoadSeconds,
      binaryWriteSeconds,
      binaryBytes: statSync(binPath).size || binaryBytes,
      binaryLoadSeconds,
      modelBytes: model.byteLength(),
      bytesPerNgram: model.byteLength() / total,
      queryTokens: q.tokens,
      queryTokensPerSecond: q.perSecond,
      trainPeakRssMB,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    rmSync(arpaPath, { force: true });
    rmSync(binPath, { force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const kind = process.argv[2] ?? 'shakespeare';
  const minTokens = Number(process.argv[3] ?? 10_000_000);
  process.stdout.write(`${JSON.stringify(run(kind, minTokens))}\n`);
}
