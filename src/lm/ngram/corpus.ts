/**
 * Text → token ids for n-gram models, for the three units the CLI offers.
 *
 * - word: a sentence is a line; tokens are separated by whitespace (JavaScript
 *   `\s`), optionally lowercased; empty lines are skipped. This is lmplz's input
 *   convention, except that lmplz turns an empty line into the sentence `<s> </s>`.
 * - char: tokens are Unicode code points. With padding (sentence markers) each
 *   non-empty line is a sentence and the newline is not a token; without padding
 *   (the default for characters) the text is one continuous stream and `\n` is a
 *   token like any other.
 * - bpe: tokens are the ids of a trained tokenizer (src/text), written as decimal
 *   strings in the model's vocabulary so that ARPA files stay plain text.
 *
 * The literal strings `<s>` and `</s>` are skipped where they appear in text
 * (lmplz --skip_symbols); `<unk>` is skipped in training text and read as the
 * unknown word when scoring.
 */
import type { Tokenizer } from '../../text/tokenizer.js';
import { BOS, EOS, NgramVocabulary, UNK, UNK_ID } from './vocabulary.js';
import { growInt32 } from './hash-index.js';

/** Token ids grouped in segments (sentences, or one stream): segment i is ids[starts[i] .. starts[i+1]). */
export interface TokenCorpus {
  readonly ids: Int32Array;
  readonly starts: Int32Array;
}

/** What a model's tokens are; stored in the model file so eval/sample tokenize the same way. */
export type NgramUnitInfo =
  | { readonly kind: 'word'; readonly lowercase?: boolean }
  | { readonly kind: 'char' }
  | { readonly kind: 'bpe'; readonly tokenizer?: string };

/** A unit ready to use: for bpe it carries the loaded tokenizer. */
export type NgramUnit =
  | { readonly kind: 'word'; readonly lowercase?: boolean }
  | { readonly kind: 'char' }
  | { readonly kind: 'bpe'; readonly tokenizer: Tokenizer; readonly tokenizerPath?: string };

export function unitInfo(unit: NgramUnit): NgramUnitInfo {
  if (unit.kind === 'bpe') return unit.tokenizerPath === undefined ? { kind: 'bpe' } : { kind: 'bpe', tokenizer: unit.tokenizerPath };
  if (unit.kind === 'word') return unit.lowercase ? { kind: 'word', lowercase: true } : { kind: 'word' };
  return { kind: 'char' };
}

/** Padding default per unit: sentences for words and BPE, a continuous stream for characters. */
export function defaultPadding(unit: { kind: string }): boolean {
  return unit.kind !== 'char';
}

const WHITESPACE = /\s+/;

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
    case 'word': {
      const text = unit.lowercase ? line.toLowerCase() : line;
      const out: string[] = [];
      for (const w of text.split(WHITESPACE)) if (w.length > 0) out.push(w);
      return out;
    }
    case 'char': {
      const out = Array.from(line);
      if (keepNewline) out.push('\n');
      return out;
    }
    case 'bpe': {
      const ids = unit.tokenizer.encode(keepNewline ? `${line}\n` : line);
      return ids.map((id) => String(id));
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
      return tokens.join(' ');
    case 'char':
      return tokens.join('');
    case 'bpe':
      return unit.tokenizer.decode(tokens.filter((t) => /^\d+$/.test(t)).map(Number));
  }
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
