/**
 * Word-level tokenizer (the n-gram and early neural LMs of seeds 000/002: one id
 * per word type, rare words → <unk>).
 *
 * Splitting rule (WORD_PATTERN), on Unicode properties:
 *   - a word is a run of letters and combining marks, optionally joined by
 *     apostrophes inside it ("don't", "o'er", "Ta’en" stay one word);
 *   - a number is a run of digits;
 *   - every other non-space character is a token by itself (punctuation, symbols);
 *   - white space separates tokens and is dropped.
 * Decoding joins tokens with single spaces, except before . , ; : ! ? ) ] } and
 * after ( [ { — lossy by design, like the seed's whitespace-stripping variants.
 *
 * Vocabulary: special tokens first (unkToken first), then words by descending
 * frequency, ties in code-unit order of the word; `minFrequency` and
 * `maxVocabSize` cut the tail.
 */
import { asBoolean, asNullableString, fail, field, stringArray, tokenizerHeader, type JsonObject } from './json.js';
import { resolveSpecialTokens, SpecialTokenSplitter } from './special.js';
import { VocabularyTokenizer } from './vocabulary-tokenizer.js';

export const WORD_PATTERN = /[\p{L}\p{M}]+(?:['’][\p{L}\p{M}]+)*|\p{N}+|[^\p{White_Space}\p{L}\p{M}\p{N}]/gu;

export interface WordTokenizerOptions {
  /** Lowercase before splitting (default false). */
  lowercase?: boolean;
  /** Words seen fewer times become <unk> (default 1). */
  minFrequency?: number;
  /** Keep at most this many ids, specials included (default: no limit). */
  maxVocabSize?: number;
  /** Default '<unk>'; null makes unknown words an error. */
  unkToken?: string | null;
  specialTokens?: readonly string[];
}

/** Split text into words with WORD_PATTERN (after optional lowercasing). */
export function splitWords(text: string, lowercase = false): string[] {
  return (lowercase ? text.toLowerCase() : text).match(WORD_PATTERN) ?? [];
}

const NO_SPACE_BEFORE = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}']);
const NO_SPACE_AFTER = new Set(['(', '[', '{']);

/** Every word token must be non-empty and listed once; returns the vocabulary unchanged. */
function checkWordVocab(vocab: readonly string[]): readonly string[] {
  const seen = new Set<string>();
  vocab.forEach((token, id) => {
    if (token.length === 0) fail(`vocab[${id}]`, 'a token cannot be empty');
    if (seen.has(token)) fail(`vocab[${id}]`, `${JSON.stringify(token)} appears twice`);
    seen.add(token);
  });
  return vocab;
}

export class WordTokenizer extends VocabularyTokenizer {
  readonly kind = 'word';
  readonly specialTokens: ReadonlyMap<string, number>;
  readonly unknownTokenId?: number;
  readonly lowercase: boolean;
  protected readonly splitter: SpecialTokenSplitter;

  constructor(vocab: readonly string[], options: { specialTokens: readonly string[]; unkToken: string | null; lowercase: boolean }) {
    super(checkWordVocab(vocab));
    this.lowercase = options.lowercase;
    const specialSet = new Set(options.specialTokens);
    const specials = new Map<string, number>();
    vocab.forEach((token, id) => {
      if (specialSet.has(token)) specials.set(token, id);
    });
    this.specialTokens = specials;
    ({ splitter: this.splitter, unknownTokenId: this.unknownTokenId } = resolveSpecialTokens(specials, specialSet, options.unkToken));
  }

  static train(corpus: string | Iterable<string>, options: WordTokenizerOptions = {}): WordTokenizer {
    const counter = new WordCounter(options.lowercase ?? false);
    for (const text of typeof corpus === 'string' ? [corpus] : corpus) counter.feed(text);
    return counter.build(options);
  }

  protected encodeOrdinary(text: string, out: number[]): void {
    for (const word of splitWords(text, this.lowercase)) {
      const id = this.idOfToken.get(word);
      // A word that happens to spell a special token is still ordinary text here.
      if (id !== undefined && !this.specialTokens.has(word)) out.push(id);
      else if (this.unknownTokenId !== undefined) out.push(this.unknownTokenId);
      else throw new Error(`word encode: ${JSON.stringify(word)} is not in the vocabulary and the tokenizer has no unkToken`);
    }
  }

  /** Tokens joined with single spaces, except before closing and after opening punctuation. */
  override decode(ids: ArrayLike<number>): string {
    let text = '';
    let previous = '';
    for (let i = 0; i < ids.length; i++) {
      const token = this.decodeToken(ids[i]);
      if (i > 0 && !NO_SPACE_BEFORE.has(token) && !NO_SPACE_AFTER.has(previous)) text += ' ';
      text += token;
      previous = token;
    }
    return text;
  }

  save(): string {
    return JSON.stringify({
      ...tokenizerHeader('word'),
      lowercase: this.lowercase,
      unkToken: this.unknownTokenId === undefined ? null : this.vocab[this.unknownTokenId],
      specialTokens: [...this.specialTokens.keys()],
      vocab: this.vocab,
    });
  }

  static fromJson(json: JsonObject): WordTokenizer {
    return new WordTokenizer(stringArray(field(json, 'vocab'), 'vocab'), {
      lowercase: asBoolean(field(json, 'lowercase'), 'lowercase'),
      specialTokens: stringArray(field(json, 'specialTokens'), 'specialTokens'),
      unkToken: asNullableString(field(json, 'unkToken'), 'unkToken'),
    });
  }
}

/** Counts words of a corpus fed in pieces (pieces must not split a word: cut at white space). */
export class WordCounter {
  readonly counts = new Map<string, number>();
  constructor(readonly lowercase = false) {}
  feed(text: string): void {
    for (const word of splitWords(text, this.lowercase)) this.counts.set(word, (this.counts.get(word) ?? 0) + 1);
  }
  build(options: WordTokenizerOptions = {}): WordTokenizer {
    if (this.counts.size === 0) throw new Error('word train: empty corpus (no words)');
    const minFrequency = options.minFrequency ?? 1;
    if (!Number.isInteger(minFrequency) || minFrequency < 1) throw new Error(`word train: minFrequency must be an integer ≥ 1, got ${String(minFrequency)}`);
    const unkToken = options.unkToken === undefined ? '<unk>' : options.unkToken;
    const specials = [...(options.specialTokens ?? [])];
    if (unkToken !== null && !specials.includes(unkToken)) specials.unshift(unkToken);
    if (new Set(specials).size !== specials.length) throw new Error('word train: a special token is listed twice');
    const maxVocabSize = options.maxVocabSize ?? Infinity;
    if (maxVocabSize < specials.length + 1) throw new Error(`word train: maxVocabSize ${maxVocabSize} leaves no room for words after ${specials.length} special token(s)`);
    const words = [...this.counts.entries()]
      .filter(([word, count]) => count >= minFrequency && !specials.includes(word))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, maxVocabSize - specials.length)
      .map(([word]) => word);
    return new WordTokenizer([...specials, ...words], { specialTokens: specials, unkToken, lowercase: this.lowercase });
  }
}
