/**
 * The base alphabet of a BPE model (seed 004: "initialize V as the set of
 * characters / bytes in D") and the mapping word → base symbol ids.
 *
 * A base symbol is a unit (a byte value or a Unicode code point) plus a mark:
 * with a continuation prefix or an end-of-word suffix, "a" and "##a" (or "a" and
 * "a</w>") are different symbols, as in BERT and the original BPE paper.
 */
import type { BaseUnit, MarkRule } from './variant.js';

export interface BaseSymbol {
  id: number;
  /** Byte value (byte-level) or code point (char-level). */
  unit: number;
  /** Carries the continuation prefix / end-of-word suffix. */
  marked: boolean;
}

const NONE = -1;
const REPLACEMENT_CHARACTER = 0xfffd;

export class BaseAlphabet {
  private readonly plainBmp: Int32Array;
  private readonly markedBmp: Int32Array;
  private readonly plainAstral = new Map<number, number>();
  private readonly markedAstral = new Map<number, number>();

  constructor(
    readonly base: BaseUnit,
    readonly rule: MarkRule,
    readonly symbols: readonly BaseSymbol[],
  ) {
    const tableSize = base === 'byte' ? 256 : 0x10000;
    this.plainBmp = new Int32Array(tableSize).fill(NONE);
    this.markedBmp = rule === 'none' ? this.plainBmp : new Int32Array(tableSize).fill(NONE);
    for (const symbol of symbols) {
      if (symbol.unit < tableSize) (symbol.marked ? this.markedBmp : this.plainBmp)[symbol.unit] = symbol.id;
      else (symbol.marked ? this.markedAstral : this.plainAstral).set(symbol.unit, symbol.id);
    }
  }

  /** All 256 bytes in byte order (ids firstId + byte), then — when words are marked — the 256 marked bytes. */
  static forBytes(rule: MarkRule, firstId: number): BaseAlphabet {
    const symbols: BaseSymbol[] = [];
    const variants = rule === 'none' ? [false] : [false, true];
    for (const marked of variants) for (let byte = 0; byte < 256; byte++) symbols.push({ id: firstId + symbols.length, unit: byte, marked });
    return new BaseAlphabet('byte', rule, symbols);
  }

  /**
   * The given code points in ascending order, then (when words are marked) the
   * marked variant of every one of them, so that a character seen only at the
   * start of words still encodes after a continuation.
   */
  static forChars(codePoints: Iterable<number>, rule: MarkRule, firstId: number): BaseAlphabet {
    const sorted = [...new Set(codePoints)].sort((a, b) => a - b);
    const symbols: BaseSymbol[] = [];
    const variants = rule === 'none' ? [false] : [false, true];
    for (const marked of variants) for (const unit of sorted) symbols.push({ id: firstId + symbols.length, unit, marked });
    return new BaseAlphabet('char', rule, symbols);
  }

  get size(): number {
    return this.symbols.length;
  }

  /** Upper bound on the symbols `wordToSymbols` writes for a word of `length` UTF-16 units. */
  static maxSymbols(length: number): number {
    return length * 3;
  }

  /**
   * Write the base symbols of `word` to `out` (room for maxSymbols(word.length))
   * and return how many. A character outside a char-level alphabet becomes
   * `unknownId`, or throws when `unknownId` < 0.
   */
  wordToSymbols(word: string, out: Int32Array, unknownId: number): number {
    return this.base === 'byte' ? this.bytesToSymbols(word, out, unknownId) : this.charsToSymbols(word, out, unknownId);
  }

  private bytesToSymbols(word: string, out: Int32Array, unknownId: number): number {
    let n = 0;
    const length = word.length;
    for (let i = 0; i < length; i++) {
      let code = word.charCodeAt(i);
      if (code < 0x80) {
        out[n++] = code;
        continue;
      }
      if (code < 0x800) {
        out[n++] = 0xc0 | (code >> 6);
        out[n++] = 0x80 | (code & 0x3f);
        continue;
      }
      if (code >= 0xd800 && code < 0xe000) {
        const low = i + 1 < length ? word.charCodeAt(i + 1) : 0;
        if (code < 0xdc00 && low >= 0xdc00 && low < 0xe000) {
          code = ((code - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
          i++;
          out[n++] = 0xf0 | (code >> 18);
          out[n++] = 0x80 | ((code >> 12) & 0x3f);
          out[n++] = 0x80 | ((code >> 6) & 0x3f);
          out[n++] = 0x80 | (code & 0x3f);
          continue;
        }
        code = REPLACEMENT_CHARACTER; // a lone surrogate, as TextEncoder does
      }
      out[n++] = 0xe0 | (code >> 12);
      out[n++] = 0x80 | ((code >> 6) & 0x3f);
      out[n++] = 0x80 | (code & 0x3f);
    }
    const plain = this.plainBmp;
    const marked = this.markedBmp;
    for (let k = 0; k < n; k++) {
      const isMarked = this.rule === 'nonInitial' ? k > 0 : this.rule === 'final' ? k === n - 1 : false;
      const id = (isMarked ? marked : plain)[out[k]];
      out[k] = id === NONE ? this.unknown(out[k], unknownId) : id;
    }
    return n;
  }

  private charsToSymbols(word: string, out: Int32Array, unknownId: number): number {
    let n = 0;
    const length = word.length;
    let lastUnit = 0;
    for (let i = 0; i < length; i++) {
      let code = word.charCodeAt(i);
      if (code >= 0xd800 && code < 0xdc00 && i + 1 < length) {
        const low = word.charCodeAt(i + 1);
        if (low >= 0xdc00 && low < 0xe000) {
          code = ((code - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
          i++;
        }
      }
      if (code >= 0xd800 && code < 0xe000) code = REPLACEMENT_CHARACTER; // a lone surrogate
      const isMarked = this.rule === 'nonInitial' && n > 0;
      const id = this.lookupChar(code, isMarked);
      out[n++] = id === NONE ? this.unknown(code, unknownId) : id;
      lastUnit = code;
    }
    if (this.rule === 'final' && n > 0) {
      const id = this.lookupChar(lastUnit, true);
      out[n - 1] = id === NONE ? this.unknown(lastUnit, unknownId) : id;
    }
    return n;
  }

  private lookupChar(code: number, marked: boolean): number {
    if (code < 0x10000) return (marked ? this.markedBmp : this.plainBmp)[code];
    return (marked ? this.markedAstral : this.plainAstral).get(code) ?? NONE;
  }

  private unknown(unit: number, unknownId: number): number {
    if (unknownId >= 0) return unknownId;
    const what = this.base === 'byte' ? `byte 0x${unit.toString(16).padStart(2, '0')}` : `character U+${unit.toString(16).toUpperCase().padStart(4, '0')} (${JSON.stringify(String.fromCodePoint(unit))})`;
    throw new Error(`bpe encode: ${what} is not in the model's alphabet and the model has no unkToken`);
  }
}
