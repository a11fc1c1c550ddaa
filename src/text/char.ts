/**
 * Character-level tokenizer: one id per Unicode character (code point). The
 * vocabulary comes from a corpus, sorted by code point so that the same corpus
 * always gives the same ids (the char-level LSTM on Shakespeare of seed 002 has
 * 65–67 symbols). Special tokens come first: an optional `<unk>` for characters
 * outside the vocabulary, and START/STOP-style markers for building training
 * pairs (seed 004: "<START> I went to the park. <STOP>").
 *
 *   const tok = CharTokenizer.train(text, { specialTokens: ['<START>', '<STOP>'] });
 *   const ids = withBoundaries(tok, tok.encode('To be'));   // [<START>, T, o, ' ', b, e, <STOP>]
 */
import type { Tokenizer } from './tokenizer.js';
import { asNullableString, fail, field, stringArray, tokenizerHeader, type JsonObject } from './json.js';
import { resolveSpecialTokens, SpecialTokenSplitter } from './special.js';
import { VocabularyTokenizer } from './vocabulary-tokenizer.js';

export interface CharTokenizerOptions {
  /** Token for characters outside the vocabulary (default '<unk>'); null makes them an error. */
  unkToken?: string | null;
  /** Extra special tokens (e.g. '<START>', '<STOP>'), never split when allowed in encode. */
  specialTokens?: readonly string[];
}

function codeLabel(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')} (${JSON.stringify(String.fromCodePoint(code))})`;
}

export class CharTokenizer extends VocabularyTokenizer {
  readonly kind = 'char';
  readonly specialTokens: ReadonlyMap<string, number>;
  readonly unknownTokenId?: number;
  /** Ordinary characters by code point (encode looks up numbers, not one-character strings). */
  private readonly idOfCode = new Map<number, number>();
  protected readonly splitter: SpecialTokenSplitter;

  /**
   * `vocab[id]` is the token; the ones named in `specialTokens` (which must
   * include `unkToken` when set) are special, the rest single characters.
   */
  constructor(vocab: readonly string[], options: { specialTokens: readonly string[]; unkToken: string | null }) {
    super(vocab);
    const specials = new Map<string, number>();
    const specialSet = new Set(options.specialTokens);
    vocab.forEach((token, id) => {
      if (specialSet.has(token)) {
        specials.set(token, id);
        return;
      }
      const code = token.codePointAt(0);
      if (code === undefined || String.fromCodePoint(code) !== token) fail(`vocab[${id}]`, `expected a single character or a special token, got ${JSON.stringify(token)}`);
      if (this.idOfCode.has(code)) fail(`vocab[${id}]`, `the character ${codeLabel(code)} appears twice`);
      this.idOfCode.set(code, id);
    });
    this.specialTokens = specials;
    ({ splitter: this.splitter, unknownTokenId: this.unknownTokenId } = resolveSpecialTokens(specials, specialSet, options.unkToken));
  }

  /** Vocabulary = specials (unkToken first), then every character of the corpus in code point order. */
  static train(corpus: string | Iterable<string>, options: CharTokenizerOptions = {}): CharTokenizer {
    const counter = new CharCounter();
    for (const text of typeof corpus === 'string' ? [corpus] : corpus) counter.feed(text);
    return counter.build(options);
  }

  protected encodeOrdinary(text: string, out: number[]): void {
    for (const ch of text) {
      const code = ch.codePointAt(0) as number;
      const id = this.idOfCode.get(code);
      if (id !== undefined) out.push(id);
      else if (this.unknownTokenId !== undefined) out.push(this.unknownTokenId);
      else throw new Error(`char encode: the character ${codeLabel(code)} is not in the vocabulary and the tokenizer has no unkToken`);
    }
  }

  save(): string {
    return JSON.stringify({
      ...tokenizerHeader('char'),
      unkToken: this.unknownTokenId === undefined ? null : this.vocab[this.unknownTokenId],
      specialTokens: [...this.specialTokens.keys()],
      vocab: this.vocab,
    });
  }

  static fromJson(json: JsonObject): CharTokenizer {
    return new CharTokenizer(stringArray(field(json, 'vocab'), 'vocab'), {
      specialTokens: stringArray(field(json, 'specialTokens'), 'specialTokens'),
      unkToken: asNullableString(field(json, 'unkToken'), 'unkToken'),
    });
  }
}

/** Collects the characters of a corpus fed in pieces (for streaming files). */
export class CharCounter {
  private readonly codes = new Set<number>();
  feed(text: string): void {
    for (const ch of text) this.codes.add(ch.codePointAt(0) as number);
  }
  get size(): number {
    return this.codes.size;
  }
  build(options: CharTokenizerOptions = {}): CharTokenizer {
    if (this.codes.size === 0) throw new Error('char train: empty corpus (no characters)');
    const unkToken = options.unkToken === undefined ? '<unk>' : options.unkToken;
    const specials = [...(options.specialTokens ?? [])];
    if (unkToken !== null && !specials.includes(unkToken)) specials.unshift(unkToken);
    if (new Set(specials).size !== specials.length) throw new Error('char train: a special token is listed twice');
    const chars = [...this.codes].sort((a, b) => a - b).map((code) => String.fromCodePoint(code));
    return new CharTokenizer([...specials, ...chars], { specialTokens: specials, unkToken });
  }
}

/**
 * [START, ...ids, STOP] with the tokenizer's own boundary tokens (seed 004's
 * RNN-LM training pairs: inputs are the sequence without its last id, targets
 * the sequence without its first).
 */
export function withBoundaries(tokenizer: Tokenizer, ids: readonly number[], start = '<START>', stop = '<STOP>'): number[] {
  const startId = tokenizer.specialTokens.get(start);
  const stopId = tokenizer.specialTokens.get(stop);
  if (startId === undefined || stopId === undefined) {
    throw new Error(`withBoundaries: the tokenizer has no special token ${JSON.stringify(startId === undefined ? start : stop)}; train it with specialTokens: [${JSON.stringify(start)}, ${JSON.stringify(stop)}]`);
  }
  return [startId, ...ids, stopId];
}
