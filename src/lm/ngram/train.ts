/**
 * Training an n-gram model: (vocabulary limit) → count → estimate → freeze.
 *
 * `<unk>` policy: the vocabulary is every word of the training text, unless
 * limited by `minWordCount` (drop rarer words) and/or `maxVocab` (keep the most
 * frequent; ties keep the word seen first). Dropped words are replaced by `<unk>`
 * before counting, so `<unk>` is then an ordinary token with real counts. Words
 * never seen in training are `<unk>` at query time; with Kneser–Ney, Witten–Bell
 * and absolute discounting `<unk>` always has probability > 0 (its share of the
 * uniform distribution the unigrams are interpolated with, as in lmplz).
 */
import { buildCorpus, defaultPadding, type NgramUnit, type NgramUnitInfo, type TokenCorpus, textToCorpus, unitInfo } from './corpus.js';
import { countNgrams, type CountTable, type NgramCounts, validateOrder } from './counts.js';
import { estimate, type Estimate } from './estimate.js';
import { freezeOrders, type OrderInput } from './freeze.js';
import { NgramModel, type NgramModelInfo } from './model.js';
import type { SmoothingOptions } from './smoothing.js';
import { NgramVocabulary, UNK_ID } from './vocabulary.js';

export interface NgramTrainOptions extends SmoothingOptions {
  readonly order: number;
  /** Wrap each segment in `<s>` … `</s>` (default true). */
  readonly padding?: boolean;
  /** Keep only the `maxVocab` most frequent words (specials not counted); the rest become `<unk>`. */
  readonly maxVocab?: number;
  /** Words seen fewer times become `<unk>`. */
  readonly minWordCount?: number;
  /** What the tokens are, recorded in the model so eval/sample tokenize the same way. */
  readonly unitInfo?: NgramUnitInfo;
  /** Progress of counting: (tokens done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface NgramTrainResult {
  readonly model: NgramModel;
  readonly estimate: Estimate;
  /** Stored n-grams per order (after pruning). */
  readonly ngramCounts: number[];
  /** Words replaced by `<unk>` because of the vocabulary limits. */
  readonly droppedWords: number;
  readonly warnings: readonly string[];
}

/** Apply minWordCount / maxVocab: a new vocabulary and the corpus remapped to it. */
export function limitVocabulary(
  corpus: TokenCorpus,
  vocab: NgramVocabulary,
  options: { readonly maxVocab?: number; readonly minWordCount?: number },
): { corpus: TokenCorpus; vocab: NgramVocabulary; dropped: number } {
  const { maxVocab, minWordCount } = options;
  if (maxVocab !== undefined && !(Number.isInteger(maxVocab) && maxVocab >= 1)) throw new RangeError(`maxVocab must be an integer ≥ 1, got ${maxVocab}`);
  if (minWordCount !== undefined && !(Number.isInteger(minWordCount) && minWordCount >= 1)) throw new RangeError(`minWordCount must be an integer ≥ 1, got ${minWordCount}`);
  if (maxVocab === undefined && (minWordCount ?? 1) <= 1) return { corpus, vocab, dropped: 0 };
  const vocabSize = vocab.size;
  const frequency = new Float64Array(vocabSize);
  for (let i = 0; i < corpus.ids.length; i++) frequency[corpus.ids[i]]++;
  // Ids 0–2 are the specials <unk>, <s>, </s>: always kept, never counted against maxVocab.
  const candidates: number[] = [];
  for (let word = 3; word < vocabSize; word++) if (frequency[word] >= (minWordCount ?? 1)) candidates.push(word);
  if (maxVocab !== undefined && candidates.length > maxVocab) {
    candidates.sort((a, b) => frequency[b] - frequency[a] || a - b);
    candidates.length = maxVocab;
    candidates.sort((a, b) => a - b);
  }
  const remap = new Int32Array(vocabSize).fill(UNK_ID);
  for (let word = 0; word < 3; word++) remap[word] = word;
  const limited = new NgramVocabulary();
  for (const word of candidates) remap[word] = limited.add(vocab.word(word));
  const ids = new Int32Array(corpus.ids.length);
  let dropped = 0;
  for (let i = 0; i < ids.length; i++) {
    ids[i] = remap[corpus.ids[i]];
    if (ids[i] === UNK_ID && corpus.ids[i] !== UNK_ID) dropped++;
  }
  return { corpus: { ids, starts: corpus.starts }, vocab: limited, dropped };
}

/** Turn estimates into a frozen model. */
export function buildModel(counts: NgramCounts, est: Estimate, vocab: NgramVocabulary, info: NgramModelInfo): NgramModel {
  const inputs: (OrderInput | undefined)[] = [undefined, undefined];
  for (let order = 2; order <= counts.order; order++) {
    const table = counts.tables[order] as CountTable;
    inputs.push({
      size: table.size,
      parents: table.index.parents,
      words: table.index.words,
      logProb: est.logProb[order],
      logBackoff: est.logBackoff[order],
      keep: est.keep[order],
      suffix: table.suffix,
    });
  }
  const orders = freezeOrders(counts.vocabSize, { logProb: est.logProb[1], logBackoff: est.logBackoff[1] }, inputs);
  return new NgramModel(vocab, info, orders);
}

/** Train from a corpus of ids whose strings are in `vocab` (the vocabulary is not modified). */
export function trainNgramFromCorpus(corpus: TokenCorpus, vocab: NgramVocabulary, options: NgramTrainOptions): NgramTrainResult {
  validateOrder(options.order);
  const padding = options.padding ?? true;
  if (corpus.ids.length === 0) throw new Error('the training text contains no tokens (after skipping empty lines); nothing to count');
  const limited = limitVocabulary(corpus, vocab, options);
  const counts = countNgrams(limited.corpus, { order: options.order, padding, vocabSize: limited.vocab.size, onProgress: options.onProgress });
  const est = estimate(counts, options);
  const parameters: Record<string, number | number[] | boolean> = { ...est.settings };
  if (options.minCounts && options.minCounts.length > 0) parameters.minCounts = [...options.minCounts];
  if (options.maxVocab !== undefined) parameters.maxVocab = options.maxVocab;
  if (options.minWordCount !== undefined) parameters.minWordCount = options.minWordCount;
  if (options.discountFallback) parameters.discountFallback = true;
  const info: NgramModelInfo = {
    order: options.order,
    smoothing: options.smoothing,
    padding,
    normalized: est.normalized,
    unit: options.unitInfo,
    discounts: est.discounts.slice(1).some((d) => d.length > 0) ? est.discounts.slice(1) : undefined,
    tokenCount: counts.tokenCount,
    parameters: Object.keys(parameters).length > 0 ? parameters : undefined,
  };
  const model = buildModel(counts, est, limited.vocab, info);
  return { model, estimate: est, ngramCounts: model.ngramCounts(), droppedWords: limited.dropped, warnings: est.warnings };
}

/** Train from sentences of token strings (each inner array is one segment). */
export function trainNgramFromSentences(sentences: Iterable<readonly string[]>, options: NgramTrainOptions): NgramTrainResult {
  const vocab = new NgramVocabulary();
  const padding = options.padding ?? true;
  // Every inner array is its own segment, whatever the padding.
  const corpus = buildCorpus(sentences, vocab, { grow: true, padding: true });
  return trainNgramFromCorpus(corpus, vocab, { ...options, padding });
}

/** Train from raw text, tokenized by `unit` (word by default; see corpus.ts). */
export function trainNgram(text: string, options: NgramTrainOptions & { readonly unit?: NgramUnit }): NgramTrainResult {
  const unit: NgramUnit = options.unit ?? { kind: 'word' };
  const padding = options.padding ?? defaultPadding(unit);
  const vocab = new NgramVocabulary();
  const corpus = textToCorpus(text, unit, vocab, { grow: true, padding });
  return trainNgramFromCorpus(corpus, vocab, { ...options, padding, unitInfo: options.unitInfo ?? unitInfo(unit) });
}
