/**
 * A trained BPE model: base alphabet + merges in training order + special
 * tokens, for every variant of seed 004 (see ./variant.ts). Encoding applies the
 * merges in training order (./merge-table.ts) to each pre-token, with a bounded
 * cache of pre-token results; decoding concatenates the tokens' strings (seed
 * 004, "Decoding algorithm"), which is lossless for byte-level models with
 * whitespace 'attach'.
 *
 * Read access for exporters (Hugging Face tokenizer.json): `variant`,
 * `alphabet`, `merges()`, `tokenContent(id)`, `isMarked(id)`, `specialTokens`.
 */
import type { EncodeOptions, StreamDecoder, Tokenizer } from '../tokenizer.js';
import { asArray, asBoolean, asNonNegativeInt, asNullableString, asOneOf, asString, fail, field, tokenizerHeader, type JsonObject } from '../json.js';
import { resolveSpecialTokens, SpecialTokenSplitter, specialTokensInIdOrder } from '../special.js';
import { BaseAlphabet, type BaseSymbol } from './alphabet.js';
import { MergeTable } from './merge-table.js';
import { BASE_UNITS, markRule, MERGE_OBJECTIVES, PRE_TOKENIZERS, WHITESPACE_MODES, type BpeVariant, type MergeObjective } from './variant.js';
import { pieceToWords, restoreMetaspace, splitPieces } from './words.js';
import { utf8Decode } from './bytes.js';

/** How a model was trained (kept in the saved file, informational). */
export interface BpeTrainingInfo {
  objective: MergeObjective;
  minFrequency: number;
  vocabSizeTarget: number;
  /** Distinct words (pre-tokens after the whitespace rule) and their total count. */
  distinctWords: number;
  totalWords: number;
}

/** Everything a BpeModel is made of; ids may have holes (the seed's vocabulary starts at 1). */
export interface BpeModelSpec extends BpeVariant {
  /** [token text, id]. */
  specialTokens: readonly (readonly [string, number])[];
  alphabet: readonly BaseSymbol[];
  /** [left id, right id, result id] in training order. */
  merges: readonly (readonly [number, number, number])[];
  training?: BpeTrainingInfo;
}

const TOKEN_HOLE = 0;
const TOKEN_BASE = 1;
const TOKEN_MERGE = 2;
const TOKEN_SPECIAL = 3;
const SPACE_BYTE = 0x20;
const CACHE_LIMIT = 1 << 16;
const CACHE_MAX_WORD_LENGTH = 128;

const utf8Encoder = new TextEncoder();

function codePointBytes(code: number): Uint8Array {
  return utf8Encoder.encode(String.fromCodePoint(code));
}

/** A growable byte buffer for decoding. */
class ByteSink {
  bytes = new Uint8Array(256);
  length = 0;
  push(chunk: Uint8Array): void {
    if (this.length + chunk.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + chunk.length));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(chunk, this.length);
    this.length += chunk.length;
  }
  pushByte(byte: number): void {
    if (this.length === this.bytes.length) this.push(new Uint8Array([byte]));
    else this.bytes[this.length++] = byte;
  }
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

const SPACE = new Uint8Array([SPACE_BYTE]);

export class BpeModel implements Tokenizer {
  readonly kind = 'bpe';
  readonly vocabSize: number;
  readonly variant: Readonly<BpeVariant>;
  readonly alphabet: BaseAlphabet;
  readonly specialTokens: ReadonlyMap<string, number>;
  readonly unknownTokenId?: number;
  readonly training?: BpeTrainingInfo;
  readonly mergeTable: MergeTable;

  private readonly tokenKind: Uint8Array;
  private readonly marked: Uint8Array;
  private readonly content: (Uint8Array | undefined)[];
  private readonly splitter: SpecialTokenSplitter;
  private readonly cache = new Map<string, Int32Array>();
  private scratch = new Int32Array(256);
  private display: (string | undefined)[] | undefined;
  private reverse: Map<string, number> | undefined;

  constructor(spec: BpeModelSpec) {
    const { base, preTokenizer, whitespace, continuationPrefix, endOfWordSuffix, unkToken } = spec;
    asOneOf(base, 'base', BASE_UNITS);
    asOneOf(preTokenizer, 'preTokenizer', PRE_TOKENIZERS);
    asOneOf(whitespace, 'whitespace', WHITESPACE_MODES);
    this.variant = Object.freeze({ base, preTokenizer, whitespace, continuationPrefix, endOfWordSuffix, unkToken });
    const rule = markRule(whitespace);
    this.training = spec.training;

    let maxId = -1;
    const used = new Map<number, string>();
    const claim = (id: number, where: string): void => {
      asNonNegativeInt(id, where);
      const previous = used.get(id);
      if (previous !== undefined) fail(where, `id ${id} is already used by ${previous}`);
      used.set(id, where);
      if (id > maxId) maxId = id;
    };

    const specials = new Map<string, number>();
    spec.specialTokens.forEach(([token, id], i) => {
      asString(token, `specialTokens[${i}][0]`);
      if (token.length === 0) fail(`specialTokens[${i}][0]`, 'a special token cannot be empty');
      if (specials.has(token)) fail(`specialTokens[${i}][0]`, `${JSON.stringify(token)} is listed twice`);
      claim(id, `specialTokens[${i}][1]`);
      specials.set(token, id);
    });
    spec.alphabet.forEach((symbol, i) => {
      claim(symbol.id, `alphabet[${i}][0]`);
      const limit = base === 'byte' ? 255 : 0x10ffff;
      if (!Number.isInteger(symbol.unit) || symbol.unit < 0 || symbol.unit > limit || (base === 'char' && symbol.unit >= 0xd800 && symbol.unit < 0xe000)) {
        fail(`alphabet[${i}][1]`, base === 'byte' ? 'expected a byte value 0..255' : 'expected one Unicode scalar value (a single character)');
      }
      if (symbol.marked && rule === 'none') fail(`alphabet[${i}][2]`, `a marked symbol needs whitespace 'continuation' or 'endOfWord', not '${whitespace}'`);
    });
    spec.merges.forEach(([, , id], i) => claim(id, `merges[${i}][2]`));

    this.vocabSize = maxId + 1;
    this.tokenKind = new Uint8Array(this.vocabSize);
    this.marked = new Uint8Array(this.vocabSize);
    this.content = new Array<Uint8Array | undefined>(this.vocabSize);
    for (const [token, id] of specials) {
      this.tokenKind[id] = TOKEN_SPECIAL;
      this.content[id] = utf8Encoder.encode(token);
    }
    const seenUnits = new Set<number>();
    for (const symbol of spec.alphabet) {
      const unitKey = symbol.unit * 2 + (symbol.marked ? 1 : 0);
      if (seenUnits.has(unitKey)) fail('alphabet', `the unit ${symbol.unit}${symbol.marked ? ' (marked)' : ''} appears twice`);
      seenUnits.add(unitKey);
      this.tokenKind[symbol.id] = TOKEN_BASE;
      this.marked[symbol.id] = symbol.marked ? 1 : 0;
      this.content[symbol.id] = base === 'byte' ? new Uint8Array([symbol.unit]) : codePointBytes(symbol.unit);
    }
    this.alphabet = new BaseAlphabet(base, rule, spec.alphabet.map((s) => ({ id: s.id, unit: s.unit, marked: s.marked })));

    const count = spec.merges.length;
    const left = new Int32Array(count);
    const right = new Int32Array(count);
    const result = new Int32Array(count);
    spec.merges.forEach(([a, b, id], i) => {
      for (const [k, part] of [
        [0, a],
        [1, b],
      ] as const) {
        asNonNegativeInt(part, `merges[${i}][${k}]`);
        const kind = part < this.vocabSize ? this.tokenKind[part] : TOKEN_HOLE;
        if (kind !== TOKEN_BASE && kind !== TOKEN_MERGE) fail(`merges[${i}][${k}]`, `id ${part} is not a base symbol or the result of an earlier merge`);
      }
      // Marks follow the word position: a continuation piece stays one, a word-final piece ends the word.
      const isMarked = rule === 'nonInitial' ? this.marked[a] : rule === 'final' ? this.marked[b] : 0;
      if (rule === 'nonInitial' && this.marked[b] !== 1) fail(`merges[${i}][1]`, `the right part of a merge must be a continuation piece (marked)`);
      if (rule === 'final' && this.marked[a] === 1) fail(`merges[${i}][0]`, `the left part of a merge cannot be word-final (marked)`);
      const contentA = this.content[a] as Uint8Array;
      const contentB = this.content[b] as Uint8Array;
      const joined = new Uint8Array(contentA.length + contentB.length);
      joined.set(contentA);
      joined.set(contentB, contentA.length);
      this.content[id] = joined;
      this.tokenKind[id] = TOKEN_MERGE;
      this.marked[id] = isMarked;
      left[i] = a;
      right[i] = b;
      result[i] = id;
    });
    try {
      this.mergeTable = new MergeTable(left, right, result);
    } catch (err) {
      fail('merges', (err as Error).message);
    }

    this.specialTokens = specials;
    if (unkToken !== null) asString(unkToken, 'unkToken');
    ({ splitter: this.splitter, unknownTokenId: this.unknownTokenId } = resolveSpecialTokens(specials, specials.keys(), unkToken));
  }

  // ---- read access (exporters, stats) ----

  /** [left, right, result] in training order. */
  merges(): [number, number, number][] {
    const { left, right, result } = this.mergeTable;
    return Array.from(left, (a, i) => [a, right[i], result[i]]);
  }

  /** The token's bytes without its continuation prefix / end-of-word suffix (specials: their text). */
  tokenContent(id: number): Uint8Array | undefined {
    return this.content[id];
  }

  /** Does the token carry the continuation prefix ('continuation') or end-of-word suffix ('endOfWord')? */
  isMarked(id: number): boolean {
    return this.marked[id] === 1;
  }

  isSpecial(id: number): boolean {
    return this.tokenKind[id] === TOKEN_SPECIAL;
  }

  // ---- encoding ----

  encode(text: string, options?: EncodeOptions): number[] {
    const ids: number[] = [];
    const onWord = (word: string): void => this.encodeWordInto(word, ids);
    this.splitter.split(
      text,
      options,
      (segment) => {
        for (const piece of splitPieces(segment, this.variant)) pieceToWords(piece, this.variant, onWord);
      },
      (id) => ids.push(id),
    );
    return ids;
  }

  encodeBatch(texts: readonly string[], options?: EncodeOptions): number[][] {
    return texts.map((text) => this.encode(text, options));
  }

  /** Ids of one word (a pre-token after the whitespace rule), merges applied. */
  encodeWord(word: string): Int32Array {
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    const needed = BaseAlphabet.maxSymbols(word.length);
    if (this.scratch.length < needed) this.scratch = new Int32Array(needed * 2);
    let n = this.alphabet.wordToSymbols(word, this.scratch, this.unknownTokenId ?? -1);
    n = this.mergeTable.apply(this.scratch, n);
    const ids = this.scratch.slice(0, n);
    if (word.length <= CACHE_MAX_WORD_LENGTH) {
      // Bounded: evict the oldest entry (Map iterates in insertion order).
      if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(word, ids);
    }
    return ids;
  }

  private encodeWordInto(word: string, out: number[]): void {
    const ids = this.encodeWord(word);
    for (let i = 0; i < ids.length; i++) out.push(ids[i]);
  }

  // ---- decoding ----

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize || this.tokenKind[id] === TOKEN_HOLE) {
      throw new Error(`decode: id ${id} is not in the vocabulary (ids 0..${this.vocabSize - 1})`);
    }
  }

  /**
   * Append one token's bytes, with the spaces the whitespace mode implies:
   * 'continuation' puts a space before each word-initial piece but the first,
   * 'endOfWord' a space after each word-final piece (owed until the next token,
   * so the text does not end in one). Special tokens stand as words of their own
   * in both.
   */
  private appendToken(id: number, sink: ByteSink, state: { started: boolean; owedSpace: boolean }): void {
    this.checkId(id);
    const bytes = this.content[id] as Uint8Array;
    const special = this.tokenKind[id] === TOKEN_SPECIAL;
    const mode = this.variant.whitespace;
    if (mode === 'continuation') {
      if (state.started && (special || this.marked[id] === 0)) sink.push(SPACE);
      sink.push(bytes);
    } else if (mode === 'endOfWord') {
      if (special && state.started) state.owedSpace = true;
      if (state.owedSpace) sink.push(SPACE);
      sink.push(bytes);
      state.owedSpace = special || this.marked[id] === 1;
    } else {
      sink.push(bytes);
    }
    state.started = true;
  }

  decode(ids: ArrayLike<number>): string {
    const sink = new ByteSink();
    const state = { started: false, owedSpace: false };
    for (let i = 0; i < ids.length; i++) this.appendToken(ids[i], sink, state);
    const text = utf8Decode(sink.view());
    return this.variant.whitespace === 'metaspace' ? restoreMetaspace(text) : text;
  }

  createStreamDecoder(): StreamDecoder {
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    const state = { started: false, owedSpace: false };
    const metaspace = this.variant.whitespace === 'metaspace';
    return {
      write: (id: number): string => {
        const sink = new ByteSink();
        this.appendToken(id, sink, state);
        const text = decoder.decode(sink.view(), { stream: true });
        return metaspace ? restoreMetaspace(text) : text;
      },
      end: (): string => {
        const text = decoder.decode();
        return metaspace ? restoreMetaspace(text) : text;
      },
    };
  }

  // ---- vocabulary ----

  private displayStrings(): (string | undefined)[] {
    if (this.display) return this.display;
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    const { continuationPrefix, endOfWordSuffix, whitespace } = this.variant;
    this.display = Array.from(this.content, (bytes, id) => {
      if (bytes === undefined) return undefined;
      const text = decoder.decode(bytes);
      if (this.tokenKind[id] === TOKEN_SPECIAL || this.marked[id] === 0) return text;
      return whitespace === 'continuation' ? continuationPrefix + text : text + endOfWordSuffix;
    });
    return this.display;
  }

  /** The token's text; with its continuation prefix / end-of-word suffix when it has one. */
  idToToken(id: number): string | undefined {
    return this.displayStrings()[id];
  }

  /** Inverse of idToToken (byte-level tokens that are not valid UTF-8 on their own have no text form). */
  tokenToId(token: string): number | undefined {
    if (!this.reverse) {
      const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
      const reverse = new Map<string, number>();
      this.displayStrings().forEach((text, id) => {
        if (text === undefined || reverse.has(text)) return;
        try {
          strict.decode(this.content[id]);
        } catch {
          return;
        }
        reverse.set(text, id);
      });
      this.reverse = reverse;
    }
    return this.reverse.get(token);
  }

  // ---- persistence ----

  toJSON(): JsonObject {
    const { base, preTokenizer, whitespace, continuationPrefix, endOfWordSuffix, unkToken } = this.variant;
    return {
      ...tokenizerHeader('bpe'),
      base,
      preTokenizer,
      whitespace,
      continuationPrefix,
      endOfWordSuffix,
      unkToken,
      specialTokens: specialTokensInIdOrder(this.specialTokens),
      alphabet: this.alphabet.symbols.map((s) => {
        const unit = base === 'byte' ? s.unit : String.fromCodePoint(s.unit);
        return s.marked ? [s.id, unit, true] : [s.id, unit];
      }),
      merges: this.merges(),
      ...(this.training ? { training: this.training } : {}),
    };
  }

  save(): string {
    return JSON.stringify(this.toJSON());
  }

  static fromJson(obj: JsonObject): BpeModel {
    const base = asOneOf(field(obj, 'base'), 'base', BASE_UNITS);
    const alphabet = asArray(field(obj, 'alphabet'), 'alphabet').map((entry, i): BaseSymbol => {
      const where = `alphabet[${i}]`;
      const parts = asArray(entry, where);
      if (parts.length < 2 || parts.length > 3) fail(where, 'expected [id, unit] or [id, unit, true]');
      const id = asNonNegativeInt(parts[0], `${where}[0]`);
      let unit: number;
      if (base === 'byte') unit = asNonNegativeInt(parts[1], `${where}[1]`);
      else {
        const text = asString(parts[1], `${where}[1]`);
        const code = text.codePointAt(0);
        if (code === undefined || String.fromCodePoint(code) !== text) fail(`${where}[1]`, 'expected exactly one character');
        unit = code;
      }
      const marked = parts.length === 3 ? asBoolean(parts[2], `${where}[2]`) : false;
      return { id, unit, marked };
    });
    const merges = asArray(field(obj, 'merges'), 'merges').map((entry, i): [number, number, number] => {
      const parts = asArray(entry, `merges[${i}]`);
      if (parts.length !== 3) fail(`merges[${i}]`, 'expected [left id, right id, result id]');
      return [asNonNegativeInt(parts[0], `merges[${i}][0]`), asNonNegativeInt(parts[1], `merges[${i}][1]`), asNonNegativeInt(parts[2], `merges[${i}][2]`)];
    });
    const specialTokens = asArray(field(obj, 'specialTokens'), 'specialTokens').map((entry, i): [string, number] => {
      const parts = asArray(entry, `specialTokens[${i}]`);
      if (parts.length !== 2) fail(`specialTokens[${i}]`, 'expected [token, id]');
      return [asString(parts[0], `specialTokens[${i}][0]`), asNonNegativeInt(parts[1], `specialTokens[${i}][1]`)];
    });
    let training: BpeTrainingInfo | undefined;
    if (obj.training !== undefined && obj.training !== null) {
      const t = obj.training as JsonObject;
      training = {
        objective: asOneOf(t.objective, 'training.objective', MERGE_OBJECTIVES),
        minFrequency: asNonNegativeInt(t.minFrequency, 'training.minFrequency'),
        vocabSizeTarget: asNonNegativeInt(t.vocabSizeTarget, 'training.vocabSizeTarget'),
        distinctWords: asNonNegativeInt(t.distinctWords, 'training.distinctWords'),
        totalWords: asNonNegativeInt(t.totalWords, 'training.totalWords'),
      };
    }
    return new BpeModel({
      base,
      preTokenizer: asOneOf(field(obj, 'preTokenizer'), 'preTokenizer', PRE_TOKENIZERS),
      whitespace: asOneOf(field(obj, 'whitespace'), 'whitespace', WHITESPACE_MODES),
      continuationPrefix: asString(field(obj, 'continuationPrefix'), 'continuationPrefix'),
      endOfWordSuffix: asString(field(obj, 'endOfWordSuffix'), 'endOfWordSuffix'),
      unkToken: asNullableString(field(obj, 'unkToken'), 'unkToken'),
      specialTokens,
      alphabet,
      merges,
      training,
    });
  }
}
