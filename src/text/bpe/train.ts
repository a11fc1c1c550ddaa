/**
 * Training a BPE model (seed 004, "Byte-pair encoding: training", with every
 * variant as an option). Text can be fed in pieces of any size (a file streamed
 * in chunks); only word counts are kept, so memory grows with the number of
 * distinct words, not with the corpus.
 *
 *   const model = trainBpe(text, { vocabSize: 8000 });                       // GPT-2 style
 *   const sp = trainBpe(text, { vocabSize: 8000, ...BPE_PRESETS.sentencepiece });
 *
 *   const trainer = new BpeTrainer({ vocabSize: 8000, base: 'char', whitespace: 'endOfWord' });
 *   for (const chunk of chunks) trainer.feed(chunk);
 *   trainer.endDocument();
 *   const model = trainer.train({ onProgress: (done, total) => … });
 */
import { BaseAlphabet } from './alphabet.js';
import { learnMerges, type WordTable } from './learn.js';
import { BpeModel } from './model.js';
import { BASE_UNITS, DEFAULT_VARIANT, markRule, MERGE_OBJECTIVES, PRE_TOKENIZERS, WHITESPACE_MODES, type BpeVariant, type MergeObjective } from './variant.js';
import { pieceToWords, splitPieces } from './words.js';

export interface BpeTrainOptions extends Partial<BpeVariant> {
  /** Target vocabulary size: special tokens + base alphabet + merges. */
  vocabSize: number;
  /** 'frequency' (BPE, default) or 'wordpiece' (likelihood gain). */
  objective?: MergeObjective;
  /** Pairs seen fewer times are never merged (default 1: merge until vocabSize is reached or no pair is left). */
  minFrequency?: number;
  /**
   * Tokens that are never split: removed from the training text and given ids
   * 0, 1, … (after unkToken, which comes first when set). Char-level models get
   * unkToken '<unk>' unless told otherwise.
   */
  specialTokens?: readonly string[];
}

export interface TrainProgressOptions {
  onProgress?: (mergesDone: number, mergesTotal: number) => void;
}

function checkChoice<T extends string>(value: T, name: string, allowed: readonly T[]): T {
  if (!allowed.includes(value)) {
    throw new Error(`bpe train: unknown ${name} ${JSON.stringify(value)} (expected one of ${allowed.join(', ')})`);
  }
  return value;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Resolve defaults and check every option; shared by the CLI. */
export function resolveTrainOptions(options: BpeTrainOptions): Required<BpeTrainOptions> {
  const base = checkChoice(options.base ?? DEFAULT_VARIANT.base, 'base unit', BASE_UNITS);
  const variant: BpeVariant = {
    base,
    preTokenizer: checkChoice(options.preTokenizer ?? DEFAULT_VARIANT.preTokenizer, 'pre-tokenizer', PRE_TOKENIZERS),
    whitespace: checkChoice(options.whitespace ?? DEFAULT_VARIANT.whitespace, 'whitespace mode', WHITESPACE_MODES),
    continuationPrefix: options.continuationPrefix ?? DEFAULT_VARIANT.continuationPrefix,
    endOfWordSuffix: options.endOfWordSuffix ?? DEFAULT_VARIANT.endOfWordSuffix,
    unkToken: options.unkToken !== undefined ? options.unkToken : base === 'char' ? '<unk>' : null,
  };
  if (variant.whitespace === 'continuation' && variant.continuationPrefix.length === 0) throw new Error('bpe train: continuationPrefix cannot be empty');
  if (variant.whitespace === 'endOfWord' && variant.endOfWordSuffix.length === 0) throw new Error('bpe train: endOfWordSuffix cannot be empty');
  const vocabSize = options.vocabSize;
  if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new Error(`bpe train: vocabSize must be a positive integer, got ${String(vocabSize)}`);
  const minFrequency = options.minFrequency ?? 1;
  if (!Number.isInteger(minFrequency) || minFrequency < 1) throw new Error(`bpe train: minFrequency must be an integer ≥ 1, got ${String(minFrequency)}`);
  const specialTokens = [...(options.specialTokens ?? [])];
  for (const token of specialTokens) if (token.length === 0) throw new Error('bpe train: a special token cannot be empty');
  if (variant.unkToken !== null && !specialTokens.includes(variant.unkToken)) specialTokens.unshift(variant.unkToken);
  if (new Set(specialTokens).size !== specialTokens.length) throw new Error('bpe train: a special token is listed twice');
  return {
    ...variant,
    vocabSize,
    minFrequency,
    objective: checkChoice(options.objective ?? 'frequency', 'objective', MERGE_OBJECTIVES),
    specialTokens,
  };
}

export class BpeTrainer {
  readonly options: Readonly<Required<BpeTrainOptions>>;
  private readonly wordCounts = new Map<string, number>();
  private pending = '';
  private readonly specialRegex: RegExp | undefined;
  private readonly longestSpecial: number;
  private totalWords = 0;

  constructor(options: BpeTrainOptions) {
    this.options = Object.freeze(resolveTrainOptions(options));
    const specials = [...this.options.specialTokens].sort((a, b) => b.length - a.length);
    this.specialRegex = specials.length > 0 ? new RegExp(specials.map(escapeRegExp).join('|'), 'g') : undefined;
    this.longestSpecial = specials.length > 0 ? specials[0].length : 0;
  }

  /** Distinct words seen so far. */
  get distinctWords(): number {
    return this.wordCounts.size;
  }

  /** Count one word directly (a pre-token after the whitespace rule), e.g. from another word splitter. */
  addWord(word: string, count = 1): void {
    if (word.length === 0 || count <= 0) return;
    this.wordCounts.set(word, (this.wordCounts.get(word) ?? 0) + count);
    this.totalWords += count;
  }

  /**
   * Feed the next part of a document. Chunk boundaries may fall anywhere: the
   * last pre-token (whose extent can depend on text not seen yet) and any
   * possible start of a special token are held back until more text arrives.
   */
  feed(text: string): void {
    this.pending += text;
    this.process(false);
  }

  /** The current document ends here (nothing is held back across documents). */
  endDocument(): void {
    this.process(true);
  }

  private countOrdinary(text: string, holdBackLast: boolean): string {
    const pieces = splitPieces(text, this.options);
    const last = holdBackLast ? pieces.length - 1 : pieces.length;
    const onWord = (word: string): void => this.addWord(word);
    for (let i = 0; i < last; i++) pieceToWords(pieces[i], this.options, onWord);
    return holdBackLast && pieces.length > 0 ? pieces[pieces.length - 1] : '';
  }

  private process(final: boolean): void {
    const text = this.pending;
    if (text.length === 0) return;
    let cut = text.length;
    const regex = this.specialRegex;
    // Where ordinary text starts after the last special token before `cut`.
    let ordinaryStart = 0;
    if (regex) {
      if (!final) cut = Math.max(0, text.length - (this.longestSpecial - 1));
      regex.lastIndex = 0;
      for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
        if (m.index >= cut) break;
        if (m.index > ordinaryStart) this.countOrdinary(text.slice(ordinaryStart, m.index), false);
        ordinaryStart = m.index + m[0].length;
        if (ordinaryStart > cut) cut = ordinaryStart; // a complete special straddling the cut
      }
    }
    let carry = text.slice(cut);
    if (ordinaryStart < cut) carry = this.countOrdinary(text.slice(ordinaryStart, cut), !final) + carry;
    this.pending = final ? '' : carry;
  }

  /** Learn the merges and build the model. Call endDocument() first if the last document was fed in pieces. */
  train(progress: TrainProgressOptions = {}): BpeModel {
    if (this.pending.length > 0) this.endDocument();
    const options = this.options;
    if (this.wordCounts.size === 0) throw new Error('bpe train: empty corpus (no words to learn from)');
    const rule = markRule(options.whitespace);
    const specialCount = options.specialTokens.length;
    let alphabet: BaseAlphabet;
    if (options.base === 'byte') alphabet = BaseAlphabet.forBytes(rule, specialCount);
    else {
      const codePoints = new Set<number>();
      for (const word of this.wordCounts.keys()) {
        for (const ch of word) {
          const code = ch.codePointAt(0) as number;
          // A lone surrogate stands for U+FFFD, as in UTF-8 (see BaseAlphabet).
          codePoints.add(code >= 0xd800 && code < 0xe000 ? 0xfffd : code);
        }
      }
      alphabet = BaseAlphabet.forChars(codePoints, rule, specialCount);
    }
    const firstNewId = specialCount + alphabet.size;
    if (options.vocabSize < firstNewId) {
      throw new Error(
        `bpe train: vocabulary size ${options.vocabSize} is below the base alphabet: ${specialCount} special token(s) + ` +
          `${alphabet.size} base symbols = ${firstNewId}; choose --vocab-size ≥ ${firstNewId}`,
      );
    }
    const table = this.wordTable(alphabet);
    const maxMerges = options.vocabSize - firstNewId;
    const learned = learnMerges(table, {
      firstNewId,
      maxMerges,
      minFrequency: options.minFrequency,
      objective: options.objective,
      onProgress: progress.onProgress ? (done) => progress.onProgress?.(done, maxMerges) : undefined,
    });
    const merges: [number, number, number][] = [];
    for (let i = 0; i < learned.count; i++) merges.push([learned.left[i], learned.right[i], firstNewId + i]);
    return new BpeModel({
      base: options.base,
      preTokenizer: options.preTokenizer,
      whitespace: options.whitespace,
      continuationPrefix: options.continuationPrefix,
      endOfWordSuffix: options.endOfWordSuffix,
      unkToken: options.unkToken,
      specialTokens: options.specialTokens.map((token, id) => [token, id] as const),
      alphabet: alphabet.symbols,
      merges,
      training: {
        objective: options.objective,
        minFrequency: options.minFrequency,
        vocabSizeTarget: options.vocabSize,
        distinctWords: this.wordCounts.size,
        totalWords: this.totalWords,
      },
    });
  }

  private wordTable(alphabet: BaseAlphabet): WordTable {
    const words = this.wordCounts.size;
    const start = new Int32Array(words);
    const length = new Int32Array(words);
    const count = new Float64Array(words);
    let capacity = 1024;
    for (const word of this.wordCounts.keys()) capacity += word.length;
    let symbols = new Int32Array(capacity);
    let scratch = new Int32Array(256);
    let used = 0;
    let w = 0;
    for (const [word, occurrences] of this.wordCounts) {
      const needed = BaseAlphabet.maxSymbols(word.length);
      if (scratch.length < needed) scratch = new Int32Array(needed * 2);
      const n = alphabet.wordToSymbols(word, scratch, -1);
      if (used + n > symbols.length) {
        const grown = new Int32Array(Math.max(symbols.length * 2, used + n));
        grown.set(symbols.subarray(0, used));
        symbols = grown;
      }
      symbols.set(scratch.subarray(0, n), used);
      start[w] = used;
      length[w] = n;
      count[w] = occurrences;
      used += n;
      w++;
    }
    return { symbols, start, length, count, words };
  }
}

/** Train on one text or a sequence of documents. */
export function trainBpe(corpus: string | Iterable<string>, options: BpeTrainOptions, progress: TrainProgressOptions = {}): BpeModel {
  const trainer = new BpeTrainer(options);
  for (const document of typeof corpus === 'string' ? [corpus] : corpus) {
    trainer.feed(document);
    trainer.endDocument();
  }
  return trainer.train(progress);
}
