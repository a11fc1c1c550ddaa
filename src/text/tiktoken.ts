/**
 * Byte-level BPE over byte-string ranks, the algorithm of OpenAI's tiktoken
 * (and of GPT-2's encoder): pre-tokenize with a named pattern, then inside each
 * piece merge the adjacent pair whose concatenation has the lowest rank until no
 * pair is a token (seed 004: encode by applying merges in training order — the
 * rank *is* the training order). Special tokens are matched before
 * pre-tokenization, with tiktoken's `allowedSpecial` / `disallowedSpecial`
 * rules.
 *
 * The same engine runs a Hugging Face byte-level BPE (explicit merges list:
 * priority = merge index, result = the id of the merged bytes), see
 * ./formats/hf-json/read-byte-bpe.ts.
 *
 * Speed: pieces are scanned without a RegExp (./bpe/pretokenize.ts), results of
 * recent pieces are cached (bounded; keyed by the slice of the input, so a hit
 * allocates nothing: ./bpe/piece-cache.ts), a piece that is itself a
 * token costs one byte-slice hash lookup, and merging uses integer pair
 * lookups (./bpe/pair-merge.ts) — no strings are built per candidate pair.
 */
import type { EncodeOptions, Tokenizer } from './tokenizer.js';
import {
  asArray,
  asBoolean,
  asNonNegativeInt,
  asObject,
  asOneOf,
  asString,
  fail,
  field,
  stringArray,
  TokenizerFormatError,
  type JsonObject,
} from './json.js';
import { ByteTokenTable } from './bpe/byte-token-table.js';
import { PairTable, mergeParts } from './bpe/pair-merge.js';
import { PieceCache, hashCodeUnits } from './bpe/piece-cache.js';
import { encodeUtf8Into, utf8Decode, utf8Encode, StreamingDecoder, type TokenBytesSource } from './bpe/bytes.js';
import { pieceEndFunction, PRE_TOKENIZER_NAMES, type PieceEnd, type PreTokenizerName } from './bpe/pretokenize.js';
import { formatTiktokenRanks, parseTiktokenRanks } from './formats/tiktoken-ranks.js';
import { mergesFromRanks } from './formats/tiktoken-merges.js';

export interface TiktokenOptions {
  /** A name for messages and saved files, e.g. 'gpt2' or 'cl100k_base'. */
  name?: string;
  /** tokens[id] = the token's bytes (for a rank file, id = rank); undefined marks an unused id. */
  tokens: ReadonlyArray<Uint8Array | undefined>;
  /** The pre-tokenizer (tiktoken's `pat_str`): 'gpt2' (r50k/p50k) or 'cl100k'. */
  pattern: PreTokenizerName;
  /** Special tokens → ids (outside `tokens`, or equal to a token with the same id). */
  specialTokens?: Readonly<Record<string, number>> | ReadonlyMap<string, number>;
  /**
   * Explicit merges as id pairs in priority order (Hugging Face / trained BPE).
   * Omitted: tiktoken ranks, where any two tokens whose concatenation is a token
   * merge with that token's rank as priority.
   */
  merges?: ReadonlyArray<readonly [number, number]>;
  /**
   * If a whole piece is a token, emit it without merging (tiktoken does this;
   * Hugging Face BPE only with `ignore_merges`). Default: true without
   * `merges`, false with them.
   */
  wholePieceLookup?: boolean;
  /**
   * The special tokens allowed when `encode` gets no `allowedSpecial`. tiktoken:
   * none ([]). Hugging Face added tokens are always matched: 'all'.
   */
  defaultAllowedSpecial?: 'all' | readonly string[];
  /** Maximum number of cached piece results (default 65536; 0 disables the cache). */
  cacheSize?: number;
}

/** What `save()` writes (lmkit's own format; `loadTokenizer` reads it back). */
export interface TiktokenJson {
  format: 'lmkit-tokenizer';
  version: 1;
  kind: 'tiktoken';
  name: string;
  pattern: PreTokenizerName;
  /** A `.tiktoken` rank file: "base64(bytes) id" per line. */
  tokens: string;
  specialTokens: Record<string, number>;
  merges?: Array<[number, number]>;
  wholePieceLookup: boolean;
  defaultAllowedSpecial: 'all' | string[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * The error for a disallowed string found in the text. A listed string that is
 * not a special token (tiktoken accepts any) cannot be admitted by
 * allowedSpecial, so its advice differs.
 */
function disallowedMessage(token: string, index: number, isSpecial: boolean): string {
  const found = `encode: the text contains ${JSON.stringify(token)} at index ${index}`;
  if (!isSpecial) {
    return `${found}, which disallowedSpecial lists; it is not a special token of this tokenizer, so it can only be encoded as ordinary text: remove it from disallowedSpecial`;
  }
  return (
    `${found.replace('contains ', 'contains the special token ')}, which is not allowed; ` +
    `pass allowedSpecial: [${JSON.stringify(token)}] (or 'all') to encode it as a special token, ` +
    `or disallowedSpecial: [] to encode it as ordinary text`
  );
}

export class TiktokenTokenizer implements Tokenizer, TokenBytesSource {
  readonly kind = 'tiktoken';
  readonly name: string;
  readonly pattern: PreTokenizerName;
  readonly vocabSize: number;
  readonly specialTokens: ReadonlyMap<string, number>;
  private readonly table: ByteTokenTable;
  /** Ordinary tokens plus special tokens, for decoding. */
  private readonly decodeTable: ByteTokenTable;
  private readonly pairs: PairTable;
  private readonly explicitMerges: ReadonlyArray<readonly [number, number]> | undefined;
  /** Emit a piece that is itself a token without merging (tiktoken; Hugging Face `ignore_merges`). */
  readonly wholePieceLookup: boolean;
  /** Special tokens allowed when `encode` gets no `allowedSpecial` ([] as tiktoken, 'all' for Hugging Face added tokens). */
  readonly defaultAllowedSpecial: 'all' | readonly string[];
  private readonly pieceEnd: PieceEnd;
  private readonly cache: PieceCache | undefined;
  private byteBuffer = new Uint8Array(1024);
  /** Ids of the piece being encoded (scratch). */
  private parts = new Int32Array(256);
  /** Ids of the text being encoded (scratch, grown on demand). */
  private out = new Int32Array(1 << 12);
  private outLength = 0;
  private decodeBuffer = new Uint8Array(1 << 16);
  private specialRegexCache: { key: string; regex: RegExp } | undefined;

  constructor(options: TiktokenOptions) {
    this.name = options.name ?? 'tiktoken';
    if (!PRE_TOKENIZER_NAMES.includes(options.pattern)) {
      throw new Error(`TiktokenTokenizer '${this.name}': unknown pattern '${String(options.pattern)}' (expected one of ${PRE_TOKENIZER_NAMES.join(', ')})`);
    }
    this.pattern = options.pattern;
    this.pieceEnd = pieceEndFunction(options.pattern);
    this.table = new ByteTokenTable(options.tokens, `tokenizer '${this.name}'`);
    // A byte without a token is not fatal here (tiktoken accepts such files too); encode reports it if it occurs.
    const specials = new Map<string, number>(
      options.specialTokens instanceof Map ? options.specialTokens : Object.entries(options.specialTokens ?? {}),
    );
    const decodeTokens: Array<Uint8Array | undefined> = options.tokens.slice();
    for (const [text, id] of specials) {
      if (text.length === 0) throw new Error(`tokenizer '${this.name}': a special token is the empty string`);
      if (!Number.isInteger(id) || id < 0) throw new Error(`tokenizer '${this.name}': special token '${text}' has invalid id ${id}`);
      const bytes = utf8Encode(text);
      const existing = decodeTokens[id];
      if (existing !== undefined && !sameBytes(existing, bytes)) {
        throw new Error(`tokenizer '${this.name}': special token '${text}' has id ${id}, which is already the id of another token`);
      }
      decodeTokens[id] = bytes;
    }
    this.specialTokens = specials;
    this.decodeTable = new ByteTokenTable(decodeTokens, `tokenizer '${this.name}'`, false);
    this.vocabSize = decodeTokens.length;
    if (options.merges === undefined) {
      this.pairs = PairTable.fromRanks(this.table);
      this.explicitMerges = undefined;
    } else {
      this.pairs = new PairTable(options.merges.length);
      options.merges.forEach(([a, b], index) => {
        if (!this.table.has(a) || !this.table.has(b)) {
          throw new Error(`tokenizer '${this.name}': merge ${index} (${a}, ${b}) uses an id that is not a token`);
        }
        const bytes = concatBytes(this.table.bytes(a), this.table.bytes(b));
        const result = this.table.lookup(bytes, 0, bytes.length);
        if (result < 0) throw new Error(`tokenizer '${this.name}': merge ${index} (${a}, ${b}) produces bytes that are not a token`);
        this.pairs.set(a, b, index, result);
      });
      this.explicitMerges = options.merges;
    }
    this.wholePieceLookup = options.wholePieceLookup ?? options.merges === undefined;
    this.defaultAllowedSpecial = options.defaultAllowedSpecial ?? [];
    const cacheSize = options.cacheSize ?? 65536;
    this.cache = cacheSize > 0 ? new PieceCache(cacheSize) : undefined;
  }

  // ---------------------------------------------------------------- encode

  /**
   * Encode text to ids, exactly as tiktoken's `encode(text, allowed_special, disallowed_special)`:
   * allowed special tokens become their ids; a disallowed one anywhere in the
   * text throws; any other special-token text is encoded as ordinary text.
   */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const count = this.encodeIntoBuffer(text, options);
    // Filling a preallocated array is several times faster than push() or Array.from.
    const out = this.out;
    const ids = new Array<number>(count);
    for (let i = 0; i < count; i++) ids[i] = out[i]!;
    return ids;
  }

  /** Like `encode`, returned as an Int32Array (what tensors of token ids use); skips building a JS array. */
  encodeInt32(text: string, options: EncodeOptions = {}): Int32Array {
    const count = this.encodeIntoBuffer(text, options);
    return this.out.slice(0, count);
  }

  /** Encode ignoring special tokens entirely (tiktoken's `encode_ordinary`). */
  encodeOrdinary(text: string): number[] {
    return this.encode(text, { allowedSpecial: [], disallowedSpecial: [] });
  }

  /** Encode into this.out; returns the number of ids. */
  private encodeIntoBuffer(text: string, options: EncodeOptions): number {
    const allowed = this.resolveAllowed(options.allowedSpecial ?? this.defaultAllowedSpecial);
    this.checkDisallowed(text, allowed, options.disallowedSpecial ?? 'all');
    this.outLength = 0;
    if (allowed.length === 0) {
      this.encodeOrdinaryInto(text);
      return this.outLength;
    }
    const regex = this.specialRegex(allowed);
    regex.lastIndex = 0;
    let start = 0;
    for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
      // Pieces never span a special token: each segment is pre-tokenized on its own (as tiktoken's encode_native does).
      if (match.index > start) this.encodeOrdinaryInto(text.slice(start, match.index));
      this.reserve(1);
      this.out[this.outLength++] = this.specialTokens.get(match[0])!;
      start = match.index + match[0].length;
    }
    if (start < text.length) this.encodeOrdinaryInto(start === 0 ? text : text.slice(start));
    return this.outLength;
  }

  /** Make room for `extra` more ids in this.out. */
  private reserve(extra: number): void {
    if (this.outLength + extra > this.out.length) {
      const grown = new Int32Array(Math.max(this.out.length * 2, this.outLength + extra));
      grown.set(this.out.subarray(0, this.outLength));
      this.out = grown;
    }
  }

  encodeBatch(texts: readonly string[], options?: EncodeOptions): number[][] {
    return texts.map((text) => this.encode(text, options));
  }

  private resolveAllowed(allowedSpecial: 'all' | readonly string[]): string[] {
    if (allowedSpecial === 'all') return [...this.specialTokens.keys()];
    // Like tiktoken, names that are not special tokens are ignored.
    return allowedSpecial.filter((name) => this.specialTokens.has(name));
  }

  private checkDisallowed(text: string, allowed: readonly string[], disallowedSpecial: 'all' | readonly string[]): void {
    const disallowed =
      disallowedSpecial === 'all' ? [...this.specialTokens.keys()].filter((name) => !allowed.includes(name)) : disallowedSpecial;
    let firstIndex = -1;
    let firstToken = '';
    for (const token of disallowed) {
      // tiktoken searches for every listed string, special token or not.
      if (token.length === 0) continue;
      const index = text.indexOf(token);
      if (index >= 0 && (firstIndex < 0 || index < firstIndex)) {
        firstIndex = index;
        firstToken = token;
      }
    }
    if (firstIndex >= 0) throw new Error(disallowedMessage(firstToken, firstIndex, this.specialTokens.has(firstToken)));
  }

  /** Leftmost match; at one position the longest special token wins. */
  private specialRegex(allowed: readonly string[]): RegExp {
    const key = allowed.join('\u0000');
    if (this.specialRegexCache?.key !== key) {
      const sorted = [...allowed].sort((a, b) => b.length - a.length);
      this.specialRegexCache = { key, regex: new RegExp(sorted.map(escapeRegExp).join('|'), 'gu') };
    }
    return this.specialRegexCache.regex;
  }

  private encodeOrdinaryInto(text: string): void {
    const pieceEnd = this.pieceEnd;
    const cache = this.cache;
    const n = text.length;
    for (let i = 0; i < n; ) {
      const end = pieceEnd(text, i);
      // At most one id per UTF-8 byte, at most 3 bytes per UTF-16 unit.
      this.reserve(3 * (end - i));
      let h = 0;
      if (cache !== undefined) {
        h = hashCodeUnits(text, i, end);
        const at = cache.copyIfPresent(text, i, end, h, this.out, this.outLength);
        if (at >= 0) {
          this.outLength = at;
          i = end;
          continue;
        }
      }
      const count = this.encodePiece(text, i, end);
      const parts = this.parts;
      cache?.add(text, i, end, h, parts, count);
      const out = this.out;
      let at = this.outLength;
      for (let k = 0; k < count; k++) out[at++] = parts[k]!;
      this.outLength = at;
      i = end;
    }
  }

  /** Encode text[start, end) as one piece into this.parts; returns the number of ids. */
  private encodePiece(text: string, start: number, end: number): number {
    if (this.byteBuffer.length < (end - start) * 3) this.byteBuffer = new Uint8Array((end - start) * 6);
    const bytes = this.byteBuffer;
    const length = encodeUtf8Into(text, start, end, bytes);
    if (this.parts.length < length) this.parts = new Int32Array(length * 2);
    const parts = this.parts;
    if (this.wholePieceLookup) {
      const id = this.table.lookup(bytes, 0, length);
      if (id >= 0) {
        parts[0] = id;
        return 1;
      }
    }
    const byteIds = this.table.byteIds;
    for (let k = 0; k < length; k++) {
      const id = byteIds[bytes[k]!]!;
      if (id < 0) {
        throw new Error(`encode: tokenizer '${this.name}' has no token for the byte 0x${bytes[k]!.toString(16).padStart(2, '0')} (in ${JSON.stringify(text.slice(start, end))})`);
      }
      parts[k] = id;
    }
    return mergeParts(parts, length, this.pairs);
  }

  /** Drop cached piece results (e.g. to measure cold-cache speed). */
  clearCache(): void {
    this.cache?.clear();
  }

  // ---------------------------------------------------------------- decode

  /** The concatenated bytes of the ids (specials included). Throws on an unknown id. */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    const total = this.decodeTable.totalLength(ids);
    const out = new Uint8Array(total);
    const written = this.decodeTable.copyInto(ids, out, 0);
    return written === total ? out : out.subarray(0, Math.max(0, written));
  }

  /** Decode ids to text; bytes that are not valid UTF-8 become U+FFFD (tiktoken's `errors="replace"`). */
  decode(ids: ArrayLike<number>): string {
    const total = this.decodeTable.totalLength(ids);
    if (this.decodeBuffer.length < total) this.decodeBuffer = new Uint8Array(total * 2);
    const written = this.decodeTable.copyInto(ids, this.decodeBuffer, 0);
    return utf8Decode(this.decodeBuffer.subarray(0, written));
  }

  /** The bytes of one token (for streaming decode). */
  tokenBytes(id: number): Uint8Array {
    return this.decodeTable.bytes(id);
  }

  /** A decoder for token-by-token output that holds back incomplete UTF-8 (see StreamingDecoder). */
  createStreamDecoder(): StreamingDecoder {
    return new StreamingDecoder(this);
  }

  idToToken(id: number): string | undefined {
    return this.decodeTable.has(id) ? utf8Decode(this.decodeTable.bytes(id)) : undefined;
  }

  tokenToId(token: string): number | undefined {
    const special = this.specialTokens.get(token);
    if (special !== undefined) return special;
    const bytes = utf8Encode(token);
    const id = this.table.lookup(bytes, 0, bytes.length);
    return id < 0 ? undefined : id;
  }

  /** Number of id slots of ordinary (non-special) tokens: ids 0..ordinarySize − 1, possibly with holes. */
  get ordinarySize(): number {
    return this.table.size;
  }

  /** Bytes of an ordinary (non-special) token, or undefined for a special token or hole. */
  ordinaryTokenBytes(id: number): Uint8Array | undefined {
    return this.table.has(id) ? this.table.bytes(id) : undefined;
  }

  /**
   * The merges as [left id, right id] in priority order: the explicit list if
   * the model has one, else derived from the ranks (see ./formats/tiktoken-merges.ts).
   */
  merges(): Array<[number, number]> {
    if (this.explicitMerges !== undefined) return this.explicitMerges.map(([a, b]) => [a, b]);
    return mergesFromRanks(this.table, `tokenizer '${this.name}'`);
  }

  /** The id of a token given as bytes (tiktoken's `encode_single_token`), or undefined. */
  bytesToId(bytes: Uint8Array): number | undefined {
    const id = this.table.lookup(bytes, 0, bytes.length);
    return id < 0 ? undefined : id;
  }

  // ---------------------------------------------------------------- save / load

  toJSON(): TiktokenJson {
    const tokens: Array<Uint8Array | undefined> = [];
    for (let id = 0; id < this.table.size; id++) tokens.push(this.table.has(id) ? this.table.bytes(id) : undefined);
    const json: TiktokenJson = {
      format: 'lmkit-tokenizer',
      version: 1,
      kind: 'tiktoken',
      name: this.name,
      pattern: this.pattern,
      tokens: formatTiktokenRanks(tokens),
      specialTokens: Object.fromEntries(this.specialTokens),
      wholePieceLookup: this.wholePieceLookup,
      defaultAllowedSpecial: this.defaultAllowedSpecial === 'all' ? 'all' : [...this.defaultAllowedSpecial],
    };
    if (this.explicitMerges !== undefined) json.merges = this.explicitMerges.map(([a, b]) => [a, b]);
    return json;
  }

  /** lmkit's JSON (`loadTokenizer` in ./load.ts reads it back through `fromJson`). */
  save(): string {
    return JSON.stringify(this.toJSON());
  }

  /** Rebuild from a parsed `save()` object (header already checked by loadTokenizer); errors name the field. */
  static fromJson(json: JsonObject): TiktokenTokenizer {
    const pattern = asOneOf(field(json, 'pattern'), 'pattern', PRE_TOKENIZER_NAMES);
    const tokensText = asString(field(json, 'tokens'), 'tokens');
    const specialsObject = asObject(field(json, 'specialTokens'), 'specialTokens');
    const specialTokens = new Map<string, number>();
    for (const [text, id] of Object.entries(specialsObject)) specialTokens.set(text, asNonNegativeInt(id, `specialTokens[${JSON.stringify(text)}]`));
    let merges: Array<[number, number]> | undefined;
    if (json.merges !== undefined) {
      merges = asArray(json.merges, 'merges').map((pair, i) => {
        const both = asArray(pair, `merges[${i}]`);
        if (both.length !== 2) fail(`merges[${i}]`, `expected [left id, right id], got ${both.length} items`);
        return [asNonNegativeInt(both[0], `merges[${i}][0]`), asNonNegativeInt(both[1], `merges[${i}][1]`)];
      });
    }
    const allowedValue = field(json, 'defaultAllowedSpecial');
    const defaultAllowedSpecial = allowedValue === 'all' ? 'all' : stringArray(allowedValue, 'defaultAllowedSpecial');
    let tokens: Array<Uint8Array | undefined>;
    try {
      tokens = parseTiktokenRanks(tokensText, 'rank text');
    } catch (error) {
      fail('tokens', (error as Error).message);
    }
    try {
      return new TiktokenTokenizer({
        name: json.name === undefined ? undefined : asString(json.name, 'name'),
        pattern,
        tokens,
        specialTokens,
        merges,
        wholePieceLookup: asBoolean(field(json, 'wholePieceLookup'), 'wholePieceLookup'),
        defaultAllowedSpecial,
      });
    } catch (error) {
      if (error instanceof TokenizerFormatError) throw error;
      fail(merges === undefined ? 'tokens' : 'merges', (error as Error).message);
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
