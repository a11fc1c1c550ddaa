/**
 * `lmkit ngram train | eval | query | sample | convert | info` — argument parsing and
 * printing only; the work is in src/lm/ngram/ and src/node/ngram-io.ts.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { evaluatePerplexity } from '../../lm/score.js';
import { generate } from '../../lm/generate.js';
import { SAMPLING_DEFAULTS } from '../../lm/sampling.js';
import { Generator } from '../../tensor/random.js';
import {
  BOS,
  detokenize,
  EOS,
  defaultPadding,
  NgramVocabulary,
  parseSmoothing,
  promptTokens,
  textLines,
  textToCorpus,
  trainNgramFromCorpus,
  unitInfo,
  UNK_ID,
  type NgramModel,
  type NgramTrainOptions,
  type NgramUnit,
  type TokenCorpus,
} from '../../lm/ngram/index.js';
import { assertWritable, readTextFile } from '../files.js';
import { createProgress } from '../progress.js';
import { formatTable } from '../table.js';
import { integer, number } from './parse.js';
import { formatFromPath, loadNgramModel, resolveUnit, saveNgramModel, unitForModel, type NgramFileFormat } from '../ngram-io.js';

function numberList(name: string) {
  return (value: string, previous: number[] = []): number[] => {
    const parts = value.split(/[,\s]+/).filter((s) => s.length > 0);
    const out = parts.map((p) => {
      const n = Number(p);
      if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name}: ${JSON.stringify(p)} is not a number ≥ 0`);
      return n;
    });
    return [...previous, ...out];
  };
}

function formatBytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : bytes >= 1e3 ? `${(bytes / 1e3).toFixed(1)} kB` : `${bytes} B`;
}

function formatFlag(value: string): NgramFileFormat {
  if (value !== 'arpa' && value !== 'binary') throw new InvalidArgumentError(`--format must be arpa or binary, got ${JSON.stringify(value)}`);
  return value;
}

interface TrainFlags {
  order: number;
  smoothing: string;
  unit: string;
  output: string;
  format?: NgramFileFormat;
  lowercase?: boolean;
  padding?: boolean;
  k?: number;
  discount?: number[];
  discountFallback?: boolean | number[];
  alpha?: number;
  prune?: number[];
  maxVocab?: number;
  minWordCount?: number;
  replaceInvalid?: boolean;
  force?: boolean;
  quiet?: boolean;
}

function train(file: string, flags: TrainFlags): void {
  const smoothing = parseSmoothing(flags.smoothing);
  const format = flags.format ?? formatFromPath(flags.output);
  assertWritable(flags.output, flags.force ?? false);
  const unit = resolveUnit(flags.unit, { lowercase: flags.lowercase });
  const padding = flags.padding ?? defaultPadding(unit);
  let fallback: NgramTrainOptions['discountFallback'] = flags.discountFallback;
  if (Array.isArray(fallback)) {
    if (fallback.length !== 3) throw new Error(`--discount-fallback takes three values D1 D2 D3+ (or none for lmplz's 0.5 1 1.5), got ${fallback.length}`);
  } else if (fallback !== undefined) fallback = true;
  const started = performance.now();
  const text = readTextFile(file, { replace: flags.replaceInvalid });
  const vocab = new NgramVocabulary();
  const corpus = textToCorpus(text, unit, vocab, { grow: true, padding });
  if (corpus.ids.length === 0) throw new Error(`${file}: the training file contains no tokens (empty, or only blank lines); nothing to count`);
  const progress = createProgress('counting', corpus.ids.length, { quiet: flags.quiet, unit: 'tok' });
  let result;
  try {
    result = trainNgramFromCorpus(corpus, vocab, {
      order: flags.order,
      smoothing,
      padding,
      unitInfo: unitInfo(unit),
      k: flags.k,
      discount: flags.discount && flags.discount.length > 0 ? flags.discount : undefined,
      discountFallback: fallback,
      alpha: flags.alpha,
      minCounts: flags.prune,
      maxVocab: flags.maxVocab,
      minWordCount: flags.minWordCount,
      onProgress: (done) => progress.update(done),
    });
  } finally {
    progress.stop();
  }
  const bytes = saveNgramModel(flags.output, result.model, { format, force: flags.force });
  const seconds = (performance.now() - started) / 1000;
  if (flags.quiet) return;
  for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  const model = result.model;
  const rows: (string | number)[][] = [];
  for (let k = 1; k <= model.order; k++) {
    const d = result.estimate.discounts[k];
    rows.push([k, result.ngramCounts[k - 1], d.length > 0 ? d.map((x) => x.toFixed(4)).join(' ') : '-']);
  }
  process.stdout.write(`${formatTable(['order', 'n-grams', 'discounts'], rows)}\n`);
  process.stdout.write(
    `${file}: ${corpus.ids.length} tokens, vocabulary ${model.vocabSize} (${result.droppedWords} tokens → <unk>), ` +
      `${smoothing} order ${model.order}, ${padding ? 'sentence padding' : 'continuous stream'}\n` +
      `wrote ${flags.output} (${format}, ${formatBytes(bytes)}) in ${seconds.toFixed(2)} s\n`,
  );
}

interface EvalFlags {
  unit?: string;
  perToken?: boolean;
  replaceInvalid?: boolean;
}

function segments(corpus: TokenCorpus): Int32Array[] {
  const out: Int32Array[] = [];
  for (let s = 0; s + 1 < corpus.starts.length; s++) out.push(corpus.ids.subarray(corpus.starts[s], corpus.starts[s + 1]));
  return out;
}

/** The text of a file as the model's token ids, and as the strings those ids were read from. */
function corpusFor(model: NgramModel, unit: NgramUnit, file: string, replaceInvalid?: boolean): { corpus: TokenCorpus; spelled: string[] } {
  const text = readTextFile(file, { replace: replaceInvalid });
  const corpus = textToCorpus(text, unit, model.vocab, { grow: false, padding: model.info.padding });
  // Same tokens in the same order as textToCorpus keeps them (it drops the literal <s> and </s>).
  const spelled: string[] = [];
  for (const line of textLines(text, unit, model.info.padding)) for (const token of line) if (token !== BOS && token !== EOS) spelled.push(token);
  return { corpus, spelled };
}

function evaluate(modelPath: string, files: string[], flags: EvalFlags): void {
  const model = loadNgramModel(modelPath);
  const unit = unitForModel(model.info.unit, flags.unit);
  for (const w of model.warnings) process.stderr.write(`warning: ${w}\n`);
  const rows: (string | number)[][] = [];
  for (const file of files) {
    const { corpus, spelled } = corpusFor(model, unit, file, flags.replaceInvalid);
    if (corpus.ids.length === 0) throw new Error(`${file}: no tokens to evaluate`);
    if (flags.perToken) printPerToken(model, corpus, spelled, unit);
    const r = evaluatePerplexity(model, segments(corpus), { unknownToken: UNK_ID });
    rows.push([file, r.sequences, r.tokens, r.oovs, r.log10Prob, r.perplexity, r.perplexityExcludingOovs, r.crossEntropyBits]);
  }
  process.stdout.write(`${formatTable(['file', 'sentences', 'tokens', 'OOVs', 'log10 prob', 'perplexity', 'ppl excl. OOVs', 'bits/token'], rows)}\n`);
  if (!model.info.normalized) process.stdout.write(`note: ${model.info.smoothing} scores are not normalized probabilities; the perplexity is only indicative\n`);
}

/** KenLM query's per-word lines: word=id ngram-length log10p … Total: … OOV: … (an OOV shows its own spelling with id 0). */
function printPerToken(model: NgramModel, corpus: TokenCorpus, spelled: readonly string[], unit: NgramUnit): void {
  if (spelled.length !== corpus.ids.length) throw new Error(`internal: ${spelled.length} token strings for ${corpus.ids.length} ids`);
  const show = (text: string): string => (unit.kind === 'word' || unit.kind === 'whitespace' ? text : JSON.stringify(text));
  for (let s = 0; s + 1 < corpus.starts.length; s++) {
    let state = model.initialState();
    let total = 0;
    let oov = 0;
    const parts: string[] = [];
    const positions: number[] = [];
    for (let i = corpus.starts[s]; i < corpus.starts[s + 1]; i++) positions.push(i);
    if (model.endToken !== undefined) positions.push(-1);
    for (const position of positions) {
      const t = position < 0 ? (model.endToken as number) : corpus.ids[position];
      const score = model.score(state, t);
      total += score.log10Prob;
      if (t === UNK_ID) oov++;
      parts.push(`${show(position < 0 ? model.vocab.word(t) : spelled[position])}=${t} ${score.ngramLength} ${score.log10Prob.toPrecision(7)}`);
      state = model.advance(state, t);
    }
    process.stdout.write(`${parts.join('\t')}\tTotal: ${total.toPrecision(7)} OOV: ${oov}\n`);
  }
}

interface QueryFlags {
  top: number;
  unit?: string;
}

/**
 * p(· | context) as a table, most likely first: the seed's "cows eat" die. The context
 * is read mid-sentence unless it starts with `<s>`; words the model does not know read as `<unk>`.
 */
function query(modelPath: string, context: string, flags: QueryFlags): void {
  const model = loadNgramModel(modelPath);
  const unit = unitForModel(model.info.unit, flags.unit);
  const words = promptTokens(context, unit);
  const fromStart = words[0] === BOS;
  const contextWords = fromStart ? words.slice(1) : words;
  const unknown = contextWords.filter((w) => !model.vocab.has(w));
  if (unknown.length > 0) process.stderr.write(`note: context words not in the model's vocabulary (read as <unk>): ${unknown.map((w) => JSON.stringify(w)).join(' ')}\n`);
  const state = model.stateAfter(contextWords.map((w) => model.vocab.id(w)), fromStart ? model.initialState() : model.nullState());
  const logProbs = model.nextLogProbs(state);
  const ranked: number[] = [];
  for (let id = 0; id < logProbs.length; id++) if (logProbs[id] > Number.NEGATIVE_INFINITY) ranked.push(id);
  ranked.sort((a, b) => logProbs[b] - logProbs[a] || (model.vocab.word(a) < model.vocab.word(b) ? -1 : 1));
  const shown = flags.top > 0 ? ranked.slice(0, flags.top) : ranked;
  const used = model.stateWords(state).map((id) => model.vocab.word(id));
  const rows = shown.map((id, i) => [i + 1, model.vocab.word(id), Math.exp(logProbs[id]).toPrecision(6), (logProbs[id] / Math.LN10).toPrecision(7)]);
  const given = fromStart ? [BOS, ...contextWords] : contextWords;
  process.stdout.write(`p(· | ${words.join(' ')})${used.join(' ') === given.join(' ') ? '' : `: the model knows the context only as [${used.join(' ')}]`}\n`);
  process.stdout.write(`${formatTable(['rank', 'token', 'probability', 'log10 p'], rows)}\n`);
  if (shown.length < ranked.length) process.stdout.write(`(${ranked.length - shown.length} more tokens with probability > 0; --top 0 lists all)\n`);
  if (!model.info.normalized) process.stdout.write(`note: ${model.info.smoothing} scores are not normalized probabilities\n`);
}

interface SampleFlags {
  prompt: string;
  seed: number;
  maxTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  count: number;
  sentences: number;
  allowUnk?: boolean;
  unit?: string;
}

function sample(modelPath: string, flags: SampleFlags): void {
  const model = loadNgramModel(modelPath);
  const unit = unitForModel(model.info.unit, flags.unit);
  const promptStrings = promptTokens(flags.prompt, unit);
  const unknown = promptStrings.filter((t) => !model.vocab.has(t));
  if (unknown.length > 0) process.stderr.write(`note: prompt tokens not in the model's vocabulary (read as <unk>): ${unknown.map((t) => JSON.stringify(t)).join(' ')}\n`);
  const prompt = promptStrings.map((t) => model.vocab.id(t));
  const generator = new Generator(flags.seed);
  const options = {
    maxTokens: flags.maxTokens,
    temperature: flags.temperature,
    topK: flags.topK,
    topP: flags.topP,
    generator,
    bannedTokens: flags.allowUnk ? [] : [UNK_ID],
  };
  // A sample is `--sentences` sentences (the first continues the prompt); each
  // new sentence starts from <s>, as in training. Unpadded models have no sentences.
  const sentences = model.info.padding ? flags.sentences : 1;
  for (let i = 0; i < flags.count; i++) {
    const parts: string[] = [];
    let budget = flags.maxTokens;
    for (let s = 0; s < sentences && (s === 0 || budget > 0); s++) {
      const out = generate(model, s === 0 ? prompt : [], { ...options, maxTokens: budget });
      budget -= out.tokens.length;
      const words = [...(s === 0 ? promptStrings : []), ...out.tokens.map((t) => model.vocab.word(t))];
      parts.push(detokenize(words, unit));
      if (!out.ended) break;
    }
    process.stdout.write(`${parts.join('\n')}\n${flags.count > 1 && sentences > 1 ? '\n' : ''}`);
  }
}

function convert(input: string, output: string, flags: { format?: NgramFileFormat; force?: boolean }): void {
  const format = flags.format ?? formatFromPath(output);
  assertWritable(output, flags.force ?? false);
  const model = loadNgramModel(input);
  for (const w of model.warnings) process.stderr.write(`warning: ${w}\n`);
  const bytes = saveNgramModel(output, model, { format, force: flags.force });
  process.stdout.write(`wrote ${output} (${format}, ${formatBytes(bytes)})\n`);
}

function info(modelPath: string): void {
  const model = loadNgramModel(modelPath);
  const i = model.info;
  const counts = model.ngramCounts();
  const rows = counts.map((n, k) => [k + 1, n, i.discounts?.[k]?.map((x) => x.toFixed(4)).join(' ') ?? '-']);
  process.stdout.write(`${formatTable(['order', 'n-grams', 'discounts'], rows)}\n`);
  const total = counts.reduce((a, b) => a + b, 0);
  process.stdout.write(
    `${resolve(modelPath)}\nsmoothing ${i.smoothing}, unit ${i.unit ? JSON.stringify(i.unit) : 'word (not recorded)'}, ` +
      `${i.padding ? 'sentence padding' : 'continuous stream'}, vocabulary ${model.vocabSize}\n` +
      `memory ${formatBytes(model.byteLength())} (${(model.byteLength() / Math.max(1, total)).toFixed(1)} bytes per n-gram)\n`,
  );
}

export function registerNgram(program: Command): void {
  const ngram = program.command('ngram').description('n-gram language models: train (counting + smoothing), evaluate, query, sample, convert ARPA ↔ binary');

  ngram
    .command('train <file>')
    .description('count n-grams in a text file and write a smoothed model (ARPA, or binary for .bin/.lmkit)')
    .requiredOption('-o, --output <path>', 'model file to write (.arpa → ARPA; .bin, .lmkit → binary)')
    .option('--order <n>', 'n-gram order (1 = unigram)', integer('--order', 1), 3)
    .option('--smoothing <name>', 'mle | addk (laplace, lidstone) | wb | ad | kn | mkn | stupid', 'mkn')
    .option(
      '--unit <unit>',
      'tokens: word (lines are sentences, words split as the word tokenizer does: "corn?" → corn ?) | whitespace (split on ASCII spaces only, as lmplz) | char | bpe:<tokenizer.json>',
      'word',
    )
    .addOption(new Option('--format <format>', 'arpa or binary (default: from the output extension)').argParser(formatFlag))
    .option('--lowercase', 'lowercase text before splitting (word unit)')
    .option('--padding', 'wrap sentences in <s> … </s> (default for word and bpe)')
    .option('--no-padding', 'treat the text as one continuous stream (default for char)')
    .option('--k <k>', 'add-k pseudo-count (1 = Laplace)', number('--k', Number.MIN_VALUE))
    .option('--discount <D...>', 'ad/kn: fixed discount(s), one for all orders or one per order', numberList('--discount'))
    .option('--discount-fallback [D...]', "use these discounts (default lmplz's 0.5 1 1.5) for orders where they cannot be estimated", numberList('--discount-fallback'))
    .option('--alpha <a>', 'stupid backoff factor', number('--alpha', Number.MIN_VALUE))
    .option('--prune <counts...>', 'as lmplz: drop n-grams of order k whose count is at or below the k-th threshold (0 0 1 drops singleton trigrams; the first must be 0)', numberList('--prune'))
    .option('--max-vocab <n>', 'keep only the n most frequent words; the rest become <unk>', integer('--max-vocab', 1))
    .option('--min-word-count <n>', 'words seen fewer than n times become <unk>', integer('--min-word-count', 1))
    .option('--replace-invalid', 'decode invalid UTF-8 as U+FFFD instead of failing')
    .option('-f, --force', 'overwrite the output file if it exists')
    .option('-q, --quiet', 'no progress bar and no summary')
    .action((file: string, flags: TrainFlags) => train(file, flags));

  ngram
    .command('eval <model> <files...>')
    .description('perplexity and cross-entropy of text files, OOVs counted separately (as KenLM query)')
    .option('--unit <unit>', 'override the unit recorded in the model (e.g. bpe:<tokenizer.json>)')
    .option('--per-token', "print every token's log10 probability and matched n-gram length first")
    .option('--replace-invalid', 'decode invalid UTF-8 as U+FFFD instead of failing')
    .action((model: string, files: string[], flags: EvalFlags) => evaluate(model, files, flags));

  ngram
    .command('query <model> <context>')
    .description('p(next token | context) as a table, most likely first (context mid-sentence unless it starts with <s>)')
    .option('--top <n>', 'rows to print (0 = every token with probability > 0)', integer('--top', 0), 20)
    .option('--unit <unit>', 'override the unit recorded in the model (e.g. bpe:<tokenizer.json>)')
    .action((model: string, context: string, flags: QueryFlags) => query(model, context, flags));

  ngram
    .command('sample <model>')
    .description('generate text: roll the weighted die of the context, append, repeat')
    .option('--prompt <text>', 'text to continue', '')
    .option('--seed <n>', 'random seed', integer('--seed', 0), 0)
    .option('--max-tokens <n>', 'stop after this many new tokens (per sample)', integer('--max-tokens', 0), 100)
    .option('--temperature <t>', 'divide log-probabilities by t (0 = greedy)', number('--temperature', 0), SAMPLING_DEFAULTS.temperature)
    .option('--top-k <k>', 'sample only among the k most likely tokens (0 = all)', integer('--top-k', 0), SAMPLING_DEFAULTS.topK)
    .option('--top-p <p>', 'nucleus sampling: smallest set with probability ≥ p (1 = all)', number('--top-p', 0), SAMPLING_DEFAULTS.topP)
    .option('--count <n>', 'number of samples', integer('--count', 1), 1)
    .option('--sentences <n>', 'sentences per sample, one per line (models with sentence padding)', integer('--sentences', 1), 1)
    .option('--allow-unk', 'allow <unk> in samples')
    .option('--unit <unit>', 'override the unit recorded in the model (e.g. bpe:<tokenizer.json>)')
    .action((model: string, flags: SampleFlags) => sample(model, flags));

  ngram
    .command('convert <input> <output>')
    .description('rewrite a model as ARPA or binary (format from the output extension or --format)')
    .addOption(new Option('--format <format>', 'arpa or binary').argParser(formatFlag))
    .option('-f, --force', 'overwrite the output file if it exists')
    .action((input: string, output: string, flags: { format?: NgramFileFormat; force?: boolean }) => convert(input, output, flags));

  ngram
    .command('info <model>')
    .description('order, smoothing, unit, n-gram counts and memory of a model')
    .action((model: string) => info(model));
}
