/**
 * WordPiece inference as in BERT (Devlin et al. 2019; google-research/bert
 * tokenization.py): a basic tokenizer (clean control characters, split CJK
 * ideographs and punctuation, optional lowercasing and accent stripping), then
 * per word a greedy longest-match-first split into vocabulary pieces, pieces
 * after the first written with the `##` continuation prefix; a word that cannot
 * be covered — or is longer than 100 characters — becomes `[UNK]` as a whole.
 *
 * The vocabulary is a `vocab.txt` (one token per line, id = line number).
 * `trainWordPiece` learns one with the WordPiece objective of seed 004
 * (merge the pair maximising p(ab) / (p(a) p(b))) on BPE's trainer.
 */
import { asBoolean, asNonNegativeInt, asString, field, stringArray, fail, tokenizerHeader, type JsonObject } from './json.js';
import { SpecialTokenSplitter } from './special.js';
import { VocabularyTokenizer } from './vocabulary-tokenizer.js';
import { BpeTrainer } from './bpe/train.js';

export interface WordPieceOptions {
  /** Default '[UNK]'; must be in the vocabulary. */
  unkToken?: string;
  /** Default '##'. */
  continuationPrefix?: string;
  /** Lowercase in the basic tokenizer (uncased BERT models; default true). */
  lowercase?: boolean;
  /** Strip accents (NFD, drop combining marks); default: same as lowercase, as in BERT. */
  stripAccents?: boolean;
  /** Longer words become [UNK] (default 100). */
  maxInputCharsPerWord?: number;
  /** Default: those of [PAD] [UNK] [CLS] [SEP] [MASK] that are in the vocabulary. */
  specialTokens?: readonly string[];
}

export const BERT_SPECIAL_TOKENS: readonly string[] = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

const CONTROL_OR_FORMAT = /^[\p{Cc}\p{Cf}]$/u;
const SPACE_SEPARATOR = /^\p{Zs}$/u;
const PUNCTUATION = /^\p{P}$/u;
const COMBINING_MARK = /\p{Mn}/gu;

function isCjkIdeograph(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x20000 && code <= 0x2a6df) ||
    (code >= 0x2a700 && code <= 0x2b73f) ||
    (code >= 0x2b740 && code <= 0x2b81f) ||
    (code >= 0x2b820 && code <= 0x2ceaf) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0x2f800 && code <= 0x2fa1f)
  );
}

/** BERT's _is_punctuation: ASCII non-alphanumeric symbols count too ("$", "^", "`"). */
function isPunctuation(code: number, ch: string): boolean {
  if ((code >= 33 && code <= 47) || (code >= 58 && code <= 64) || (code >= 91 && code <= 96) || (code >= 123 && code <= 126)) return true;
  return PUNCTUATION.test(ch);
}

/**
 * BERT's BasicTokenizer: returns the words WordPiece then splits.
 *   bertBasicTokenize(" \tHeLLo!how  \n Are yoU?  ") → ['hello', '!', 'how', 'are', 'you', '?']
 */
export function bertBasicTokenize(text: string, options: { lowercase?: boolean; stripAccents?: boolean } = {}): string[] {
  const lowercase = options.lowercase ?? true;
  const stripAccents = options.stripAccents ?? lowercase;
  // _clean_text + _tokenize_chinese_chars
  let cleaned = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (code === 0 || code === 0xfffd) continue;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || SPACE_SEPARATOR.test(ch)) cleaned += ' ';
    else if (CONTROL_OR_FORMAT.test(ch)) continue;
    else if (isCjkIdeograph(code)) cleaned += ` ${ch} `;
    else cleaned += ch;
  }
  const words: string[] = [];
  for (let token of cleaned.split(/\s+/u)) {
    if (token.length === 0) continue;
    if (lowercase) token = token.toLowerCase();
    if (stripAccents) token = token.normalize('NFD').replace(COMBINING_MARK, '');
    // _run_split_on_punc: every punctuation character is a word of its own.
    let current = '';
    for (const ch of token) {
      if (isPunctuation(ch.codePointAt(0) as number, ch)) {
        if (current) words.push(current);
        words.push(ch);
        current = '';
      } else current += ch;
    }
    if (current) words.push(current);
  }
  return words;
}

export class WordPieceTokenizer extends VocabularyTokenizer {
  readonly kind = 'wordpiece';
  readonly specialTokens: ReadonlyMap<string, number>;
  readonly unknownTokenId: number;
  readonly unkToken: string;
  readonly continuationPrefix: string;
  readonly lowercase: boolean;
  readonly stripAccents: boolean;
  readonly maxInputCharsPerWord: number;
  /** Longest token in UTF-16 units: where the longest-match search starts. */
  private readonly longestToken: number;
  protected readonly splitter: SpecialTokenSplitter;

  constructor(vocab: readonly string[], options: WordPieceOptions = {}) {
    super(vocab);
    this.unkToken = options.unkToken ?? '[UNK]';
    this.continuationPrefix = options.continuationPrefix ?? '##';
    this.lowercase = options.lowercase ?? true;
    this.stripAccents = options.stripAccents ?? this.lowercase;
    this.maxInputCharsPerWord = options.maxInputCharsPerWord ?? 100;
    this.longestToken = vocab.reduce((longest, token) => Math.max(longest, token.length), 0);
    const unknownId = this.idOfToken.get(this.unkToken);
    if (unknownId === undefined) fail('unkToken', `${JSON.stringify(this.unkToken)} is not in the vocabulary`);
    this.unknownTokenId = unknownId;
    const specialNames = options.specialTokens ?? BERT_SPECIAL_TOKENS.filter((t) => this.idOfToken.has(t));
    const specials = new Map<string, number>();
    for (const token of specialNames) {
      const id = this.idOfToken.get(token);
      if (id === undefined) fail('specialTokens', `${JSON.stringify(token)} is not in the vocabulary`);
      specials.set(token, id);
    }
    this.specialTokens = specials;
    this.splitter = new SpecialTokenSplitter(specials);
  }

  /** From the text of a BERT `vocab.txt` (one token per line; surrounding white space is stripped, as BERT does). */
  static fromVocabText(text: string, options: WordPieceOptions = {}): WordPieceTokenizer {
    const lines = text.split('\n');
    if (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
    return new WordPieceTokenizer(
      lines.map((line) => line.trim()),
      options,
    );
  }

  /** The vocabulary as a `vocab.txt`. */
  vocabText(): string {
    return this.vocab.map((token) => `${token}\n`).join('');
  }

  /** Greedy longest-match-first split of one word (BERT's WordpieceTokenizer.tokenize). */
  wordToIds(word: string, out: number[]): void {
    const chars = Array.from(word);
    if (chars.length > this.maxInputCharsPerWord) {
      out.push(this.unknownTokenId);
      return;
    }
    const first = out.length;
    let start = 0;
    while (start < chars.length) {
      let end = Math.min(chars.length, start + this.longestToken);
      let found = -1;
      while (end > start) {
        const piece = chars.slice(start, end).join('');
        const id = this.idOfToken.get(start > 0 ? this.continuationPrefix + piece : piece);
        if (id !== undefined) {
          found = id;
          break;
        }
        end--;
      }
      if (found < 0) {
        out.length = first;
        out.push(this.unknownTokenId);
        return;
      }
      out.push(found);
      start = end;
    }
  }

  protected encodeOrdinary(text: string, out: number[]): void {
    for (const word of bertBasicTokenize(text, { lowercase: this.lowercase, stripAccents: this.stripAccents })) this.wordToIds(word, out);
  }

  /** Pieces joined with spaces; a `##` piece is glued to the one before it. */
  override decode(ids: ArrayLike<number>): string {
    let text = '';
    for (let i = 0; i < ids.length; i++) {
      const token = this.decodeToken(ids[i]);
      if (token.startsWith(this.continuationPrefix) && token.length > this.continuationPrefix.length) text += token.slice(this.continuationPrefix.length);
      else text += i > 0 ? ` ${token}` : token;
    }
    return text;
  }

  save(): string {
    return JSON.stringify({
      ...tokenizerHeader('wordpiece'),
      unkToken: this.unkToken,
      continuationPrefix: this.continuationPrefix,
      lowercase: this.lowercase,
      stripAccents: this.stripAccents,
      maxInputCharsPerWord: this.maxInputCharsPerWord,
      specialTokens: [...this.specialTokens.keys()],
      vocab: this.vocab,
    });
  }

  static fromJson(json: JsonObject): WordPieceTokenizer {
    return new WordPieceTokenizer(stringArray(field(json, 'vocab'), 'vocab'), {
      unkToken: asString(field(json, 'unkToken'), 'unkToken'),
      continuationPrefix: asString(field(json, 'continuationPrefix'), 'continuationPrefix'),
      lowercase: asBoolean(field(json, 'lowercase'), 'lowercase'),
      stripAccents: asBoolean(field(json, 'stripAccents'), 'stripAccents'),
      maxInputCharsPerWord: asNonNegativeInt(field(json, 'maxInputCharsPerWord'), 'maxInputCharsPerWord'),
      specialTokens: stringArray(field(json, 'specialTokens'), 'specialTokens'),
    });
  }
}

export interface WordPieceTrainOptions {
  vocabSize: number;
  /**
   * Lowercase in the basic tokenizer (default false: keep case, as every other
   * lmkit trainer and the CLI's `--variant wordpiece` do; pass true for an
   * uncased BERT-style vocabulary).
   */
  lowercase?: boolean;
  /** Strip accents (NFD, drop combining marks); default: same as lowercase, as in BERT. */
  stripAccents?: boolean;
  minFrequency?: number;
  /** Default BERT's [PAD] [UNK] [CLS] [SEP] [MASK]; must include unkToken. */
  specialTokens?: readonly string[];
  unkToken?: string;
  continuationPrefix?: string;
  /** 'wordpiece' (default, the likelihood objective) or 'frequency' (what Hugging Face's WordPieceTrainer does). */
  objective?: 'wordpiece' | 'frequency';
  onProgress?: (mergesDone: number, mergesTotal: number) => void;
}

/**
 * Collects BERT-basic-tokenized words of a corpus fed in pieces (cut pieces at
 * white space) and trains a WordPiece vocabulary: BPE merges chosen by the
 * likelihood objective over characters with the ## continuation mark; the
 * vocabulary is every token the merges produced, which greedy longest-match
 * then uses at inference (as BERT's vocabularies are made).
 */
export class WordPieceTrainer {
  private readonly trainer: BpeTrainer;
  private readonly options: WordPieceTrainOptions;

  constructor(options: WordPieceTrainOptions) {
    this.options = options;
    const unkToken = options.unkToken ?? '[UNK]';
    const specialTokens = [...(options.specialTokens ?? BERT_SPECIAL_TOKENS)];
    if (!specialTokens.includes(unkToken)) specialTokens.unshift(unkToken);
    this.trainer = new BpeTrainer({
      vocabSize: options.vocabSize,
      base: 'char',
      preTokenizer: 'whitespace',
      whitespace: 'continuation',
      continuationPrefix: options.continuationPrefix ?? '##',
      objective: options.objective ?? 'wordpiece',
      minFrequency: options.minFrequency,
      unkToken,
      specialTokens,
    });
  }

  feed(text: string): void {
    const lowercase = this.options.lowercase ?? false;
    for (const word of bertBasicTokenize(text, { lowercase, stripAccents: this.options.stripAccents ?? lowercase })) this.trainer.addWord(word);
  }

  train(): WordPieceTokenizer {
    const model = this.trainer.train({ onProgress: this.options.onProgress });
    const vocab: string[] = [];
    for (let id = 0; id < model.vocabSize; id++) vocab.push(model.idToToken(id) as string);
    const lowercase = this.options.lowercase ?? false;
    return new WordPieceTokenizer(vocab, {
      unkToken: model.variant.unkToken ?? '[UNK]',
      continuationPrefix: model.variant.continuationPrefix,
      lowercase,
      stripAccents: this.options.stripAccents ?? lowercase,
      specialTokens: [...model.specialTokens.keys()],
    });
  }
}

export function trainWordPiece(corpus: string | Iterable<string>, options: WordPieceTrainOptions): WordPieceTokenizer {
  const trainer = new WordPieceTrainer(options);
  for (const text of typeof corpus === 'string' ? [corpus] : corpus) trainer.feed(text);
  return trainer.train();
}
