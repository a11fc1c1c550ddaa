/**
 * Text → token ids for n-gram models, for the three units the CLI offers.
 *
 * - word: a sentence is a line; words are split as WordTokenizer splits them
 *   (src/text/word.ts WORD_PATTERN: letter runs with inner apostrophes, digit runs,
 *   every other symbol alone — "corn?" is `corn ?`), optionally lowercased; the
 *   literal `<s>`, `</s>`, `<unk>` stay whole. Empty lines are skipped.
 * - whitespace: as lmplz and query read text — tokens are separated by the six
 *   ASCII spaces (kenlm-text.ts; no-break space is part of a word), optionally
 *   lowercased; empty lines are skipped (lmplz turns them into `<s> </s>`). Use it
 *   to compare with KenLM.
 * - char: tokens are Unicode code points. With padding (sentence markers) each
 *   non-empty line is a sentence and the newline is not a token; without padding
 *   (the default for characters) the text is one continuous stream and `\n` is a
 *   token like any other.
 * - bpe (any tokenizer lmkit saves): tokens are the tokenizer's token strings
 *   (`idToToken`), so an ARPA file shows words and pieces, not ids. Models written
 *   before this record no `spelling` and hold decimal id strings; they still load.
 *
 * The literal strings `<s>` and `</s>` are skipped where they appear in text
 * (lmplz --skip_symbols); `<unk>` is skipped in training text and read as the
 * unknown word when scoring.
 */
import type { Tokenizer } from '../../text/tokenizer.js';
import { splitWords } from '../../text/word.js';
import { splitAsciiSpace } from './kenlm-text.js';
import { BOS, EOS, NgramVocabulary, UNK, UNK_ID } from './vocabulary.js';
import { growInt32 } from './hash-index.js';

/** Token ids grouped in segments (sentences, or one stream): segment i is ids[starts[i] .. starts[i+1]). */
export interface TokenCorpus {
  readonly ids: Int32Array;
  readonly starts: Int32Array;
}

/** What a model's tokens are; stored in the model file so eval/sample tokenize the same way. */
export type NgramUnitInfo =
  | { readonly kind: 'word' | 'whitespace'; readonly lowercase?: boolean }
  | { readonly kind: 'char' }
  | { readonly kind: 'bpe'; readonly tokenizer?: string; readonly spelling?: TokenSpelling };

/** How a tokenizer's tokens are spelled in the vocabulary: token strings, or (older models) decimal ids. */
export type TokenSpelling = 'token' | 'id';

/** A unit ready to use: for bpe it carries the loaded tokenizer. */
export type NgramUnit =
  | { readonly kind: 'word' | 'whitespace'; readonly lowercase?: boolean }
  | { readonly kind: 'char' }
  | { readonly kind: 'bpe'; readonly tokenizer: Tokenizer; readonly tokenizerPath?: string; readonly spelling?: TokenSpelling };

export function unitInfo(unit: NgramUnit): NgramUnitInfo {
  if (unit.kind === 'bpe') {
    const spelling = unit.spelling ?? 'token';
    return unit.tokenizerPath === undefined ? { kind: 'bpe', spelling } : { kind: 'bpe', tokenizer: unit.tokenizerPath, spelling };
  }
  if (unit.kind === 'char') return { kind: 'char' };
  return unit.lowercase ? { kind: unit.kind, lowercase: true } : { kind: unit.kind };
}

/** Padding default per unit: sentences for words and BPE, a continuous stream for characters. */
export function defaultPadding(unit: { kind: string }): boolean {
  return unit.kind !== 'char';
}

const SPECIAL_STRINGS = new Set([BOS, EOS, UNK]);

/** WordTokenizer's words, except that `<s>`, `</s>`, `<unk>` between ASCII spaces stay whole. */
function wordTokens(text: string): string[] {
  const out: string[] = [];
  for (const chunk of splitAsciiSpace(text)) {
    if (SPECIAL_STRINGS.has(chunk)) out.push(chunk);
    else for (const word of splitWords(chunk)) out.push(word);
  }
  return out;
}

/** The vocabulary string of tokenizer id `id`. */
function spellToken(unit: { readonly tokenizer: Tokenizer; readonly spelling?: TokenSpelling }, id: number): string {
  if (unit.spelling === 'id') return String(id);
  const token = unit.tokenizer.idToToken(id);
  if (token === undefined) throw new Error(`the tokenizer produced id ${id}, which has no token string`);
  return token;
}

/**
 * Split text into token strings, one array per line (per sentence when `padding`).
 * Empty lines yield nothing when padding; without padding every line keeps its
 * trailing newline as a token for char/bpe (words have no newline token).
 */
export function* textLines(text: string, unit: NgramUnit, padding: boolean): Generator<string[]> {
  let start = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    const hasNewline = end >= 0;
    if (end < 0) end = n;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const tokens = lineTokens(line, unit, padding ? false : hasNewline);
    if (padding && tokens.length === 0) continue;
    yield tokens;
  }
}

function lineTokens(line: string, unit: NgramUnit, keepNewline: boolean): string[] {
  switch (unit.kind) {
    case 'word':
      return wordTokens(unit.lowercase ? line.toLowerCase() : line);
    case 'whitespace':
      return splitAsciiSpace(unit.lowercase ? line.toLowerCase() : line);
    case 'char': {
      const out = Array.from(line);
      if (keepNewline) out.push('\n');
      return out;
    }
    case 'bpe': {
      const ids = unit.tokenizer.encode(keepNewline ? `${line}\n` : line);
      return ids.map((id) => spellToken(unit, id));
    }
  }
}

/** Token strings of a prompt or a single sentence (no newline handling). */
export function promptTokens(text: string, unit: NgramUnit): string[] {
  return lineTokens(text, unit, false);
}

/** Join generated tokens back into text. */
export function detokenize(tokens: readonly string[], unit: NgramUnit): string {
  switch (unit.kind) {
    case 'word':
    case 'whitespace':
      return tokens.join(' ');
    case 'char':
      return tokens.join('');
    case 'bpe':
      return unit.tokenizer.decode(tokenizerIds(tokens, unit));
  }
}

/** Tokenizer ids of vocabulary strings; the n-gram specials (`<s>`, `</s>`, `<unk>`) have none and are left out. */
function tokenizerIds(tokens: readonly string[], unit: { readonly tokenizer: Tokenizer; readonly spelling?: TokenSpelling }): number[] {
  const ids: number[] = [];
  for (const token of tokens) {
    if (SPECIAL_STRINGS.has(token)) continue;
    const id = unit.spelling === 'id' ? (/^\d+$/.test(token) ? Number(token) : undefined) : unit.tokenizer.tokenToId(token);
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

/** Accumulates ids and segment boundaries into a TokenCorpus. */
export class CorpusBuilder {
  private ids: Int32Array = new Int32Array(1 << 16);
  private length = 0;
  private readonly starts: number[] = [0];

  get tokenCount(): number {
    return this.length;
  }

  push(id: number): void {
    if (this.length >= this.ids.length) this.ids = growInt32(this.ids, this.length + 1);
    this.ids[this.length++] = id;
  }

  /** Close the current segment (no-op when it is empty). */
  endSegment(): void {
    if (this.starts[this.starts.length - 1] !== this.length) this.starts.push(this.length);
  }

  build(): TokenCorpus {
    this.endSegment();
    return { ids: this.ids.slice(0, this.length), starts: Int32Array.from(this.starts) };
  }
}

export interface CorpusOptions {
  /** Add unseen words to the vocabulary (training) or map them to `<unk>` (scoring). */
  readonly grow: boolean;
  /** Segments are sentences (true) or all lines form one continuous stream (false). */
  readonly padding: boolean;
}

/**
 * Map token strings to ids. In training mode special-symbol strings are dropped;
 * in scoring mode `<unk>` maps to the unknown id and `<s>`/`</s>` are dropped.
 */
export function buildCorpus(lines: Iterable<readonly string[]>, vocab: NgramVocabulary, options: CorpusOptions): TokenCorpus {
  const builder = new CorpusBuilder();
  for (const line of lines) {
    for (const token of line) {
      if (token === BOS || token === EOS) continue;
      if (token === UNK) {
        if (!options.grow) builder.push(UNK_ID);
        continue;
      }
      builder.push(options.grow ? vocab.add(token) : vocab.id(token));
    }
    if (options.padding) builder.endSegment();
  }
  return builder.build();
}

/** Convenience: text → corpus with a unit. */
export function textToCorpus(text: string, unit: NgramUnit, vocab: NgramVocabulary, options: CorpusOptions): TokenCorpus {
  return buildCorpus(textLines(text, unit, options.padding), vocab, options);
}
