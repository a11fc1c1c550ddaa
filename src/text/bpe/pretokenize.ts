/**
 * Pre-tokenizers: split text into pieces that BPE never merges across
 * (seed 004, "pre-tokenization"; GPT-2 paper §2.2 on why words and punctuation
 * are kept apart).
 *
 * The 'gpt2' and 'cl100k' splitters are hand-written scanners that reproduce,
 * piece for piece, what tiktoken's Rust core (fancy-regex, leftmost-first
 * alternation with backtracking) does with these patterns:
 *
 *   gpt2   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *   cl100k (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}
 *          | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *
 * A JavaScript RegExp with the same source is not the same function: JS `\s`
 * contains U+FEFF and lacks U+0085 (Rust: the White_Space property), and the
 * engines' Unicode tables differ. Scanning by code point with one class table
 * (./unicode-classes.ts) avoids both problems and allocates nothing but the
 * output pieces.
 *
 * Every pre-tokenizer is lossless: the pieces concatenate to the input.
 */
import { classOfCodePoint, LETTER, NUMBER, OTHER, SPACE, type CharClass } from './unicode-classes.js';

export type PreTokenizerName = 'gpt2' | 'cl100k' | 'whitespace' | 'none';

export const PRE_TOKENIZER_NAMES: readonly PreTokenizerName[] = ['gpt2', 'cl100k', 'whitespace', 'none'];

/** The regex each named pre-tokenizer implements (as tiktoken spells it), for export to other formats. */
export const PRE_TOKENIZER_PATTERNS: Readonly<Record<PreTokenizerName, string>> = {
  gpt2: "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
  cl100k:
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  whitespace: '\\s*\\S+|\\s+',
  none: '[\\s\\S]+',
};

/** Returns the end (exclusive, in UTF-16 units) of the piece starting at `start` (< text.length). */
export type PieceEnd = (text: string, start: number) => number;

const APOSTROPHE = 0x27;
const SPACE_CHAR = 0x20;
const LF = 0x0a;
const CR = 0x0d;

/** Class of the code point at index i (i < text.length); a lone surrogate counts as OTHER. */
function classAt(text: string, i: number): CharClass {
  const unit = text.charCodeAt(i);
  if (unit < 0x80) return asciiClass[unit] as CharClass;
  if (unit >= 0xd800 && unit < 0xdc00 && i + 1 < text.length) {
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low < 0xe000) return classOfCodePoint(((unit - 0xd800) << 10) + (low - 0xdc00) + 0x10000);
  }
  return classOfCodePoint(unit);
}

/** Width in UTF-16 units of the code point at i. */
function widthAt(text: string, i: number): number {
  const unit = text.charCodeAt(i);
  if (unit >= 0xd800 && unit < 0xdc00 && i + 1 < text.length) {
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low < 0xe000) return 2;
  }
  return 1;
}

const asciiClass = new Uint8Array(128);
for (let c = 0; c < 128; c++) asciiClass[c] = classOfCodePoint(c);

/** End of the maximal run of code points of class `cls` starting at i (ASCII on the fast path). */
function runEnd(text: string, i: number, cls: CharClass): number {
  const n = text.length;
  while (i < n) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      if (asciiClass[unit] !== cls) break;
      i++;
    } else if (unit >= 0xd800 && unit < 0xdc00 && i + 1 < n) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        if (classOfCodePoint(((unit - 0xd800) << 10) + (low - 0xdc00) + 0x10000) !== cls) break;
        i += 2;
      } else {
        if (classOfCodePoint(unit) !== cls) break;
        i++;
      }
    } else {
      if (classOfCodePoint(unit) !== cls) break;
      i++;
    }
  }
  return i;
}

/**
 * `\s+(?!\S)|\s+` at a whitespace code point i. The run W of whitespace ends at w.
 * If W reaches the end of the text, all of it; otherwise `\s+` backtracks one
 * code point so the last whitespace can join the next piece (GPT-2's " word"),
 * unless W is a single code point, which then stands alone. (All White_Space
 * code points are in the BMP, so "one code point" is one UTF-16 unit.)
 */
function whitespaceEnd(text: string, i: number, w: number): number {
  if (w === text.length) return w;
  return w - 1 > i ? w - 1 : w;
}

function isLowerContraction1(c: number): boolean {
  return c === 0x73 || c === 0x74 || c === 0x6d || c === 0x64; // s t m d
}

/** GPT-2 / r50k / p50k pattern (see the file comment). */
export const gpt2PieceEnd: PieceEnd = (text, i) => {
  const n = text.length;
  const c = text.charCodeAt(i);
  if (c === APOSTROPHE && i + 1 < n) {
    const d = text.charCodeAt(i + 1);
    if (isLowerContraction1(d)) return i + 2;
    if (i + 2 < n) {
      const e = text.charCodeAt(i + 2);
      if ((e === 0x65 && (d === 0x72 || d === 0x76)) || (d === 0x6c && e === 0x6c)) return i + 3; // re ve ll
    }
  }
  // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional single space, then a run of one class.
  if (c === SPACE_CHAR && i + 1 < n) {
    const next = classAt(text, i + 1);
    if (next !== SPACE) return runEnd(text, i + 1, next);
  }
  const cls = classAt(text, i);
  if (cls !== SPACE) return runEnd(text, i, cls);
  return whitespaceEnd(text, i, runEnd(text, i, SPACE));
};

/** Case-insensitive match of one ASCII letter as Rust's (?i) does it (simple case folding: 's' also matches U+017F ſ). */
function foldsTo(c: number, lower: number): boolean {
  return c === lower || c === lower - 0x20 || (lower === 0x73 && c === 0x17f);
}

/** cl100k_base pattern as used by the `tiktoken` package (see the file comment). */
export const cl100kPieceEnd: PieceEnd = (text, i) => {
  const n = text.length;
  const c = text.charCodeAt(i);
  if (c === APOSTROPHE && i + 1 < n) {
    const d = text.charCodeAt(i + 1);
    if (foldsTo(d, 0x73) || foldsTo(d, 0x74) || foldsTo(d, 0x6d) || foldsTo(d, 0x64)) return i + 2;
    if (i + 2 < n) {
      const e = text.charCodeAt(i + 2);
      if ((foldsTo(e, 0x65) && (foldsTo(d, 0x72) || foldsTo(d, 0x76))) || (foldsTo(d, 0x6c) && foldsTo(e, 0x6c))) return i + 3;
    }
  }
  const cls = classAt(text, i);
  // `[^\r\n\p{L}\p{N}]?\p{L}+`
  if (cls === LETTER) return runEnd(text, i, LETTER);
  if (cls !== NUMBER && c !== LF && c !== CR) {
    const w = widthAt(text, i);
    if (i + w < n && classAt(text, i + w) === LETTER) return runEnd(text, i + w, LETTER);
  }
  // `\p{N}{1,3}`
  if (cls === NUMBER) {
    let j = i + widthAt(text, i);
    for (let count = 1; count < 3 && j < n && classAt(text, j) === NUMBER; count++) j += widthAt(text, j);
    return j;
  }
  // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
  let start = -1;
  if (cls === OTHER) start = i;
  else if (c === SPACE_CHAR && i + 1 < n && classAt(text, i + 1) === OTHER) start = i + 1;
  if (start >= 0) {
    let j = runEnd(text, start, OTHER);
    while (j < n) {
      const u = text.charCodeAt(j);
      if (u !== LF && u !== CR) break;
      j++;
    }
    return j;
  }
  // Whitespace. `\s*[\r\n]+`: greedy \s* backtracks to the last \r or \n in the run.
  const w = runEnd(text, i, SPACE);
  for (let k = w - 1; k >= i; k--) {
    const u = text.charCodeAt(k);
    if (u === LF || u === CR) return k + 1;
  }
  return whitespaceEnd(text, i, w);
};

/** `\s*\S+|\s+`: each word with the whitespace before it; trailing whitespace alone. */
export const whitespacePieceEnd: PieceEnd = (text, i) => {
  const n = text.length;
  const w = runEnd(text, i, SPACE);
  if (w === n) return n;
  let j = w;
  while (j < n && classAt(text, j) !== SPACE) j += widthAt(text, j);
  return j;
};

/** The whole text is one piece (SentencePiece style: the model itself sees the spaces). */
export const wholeTextPieceEnd: PieceEnd = (text) => text.length;

export function pieceEndFunction(name: PreTokenizerName): PieceEnd {
  switch (name) {
    case 'gpt2':
      return gpt2PieceEnd;
    case 'cl100k':
      return cl100kPieceEnd;
    case 'whitespace':
      return whitespacePieceEnd;
    case 'none':
      return wholeTextPieceEnd;
    default:
      throw new Error(`preTokenize: unknown pre-tokenizer '${String(name)}' (expected one of ${PRE_TOKENIZER_NAMES.join(', ')})`);
  }
}

/**
 * Split `text` into pre-tokens with the named pre-tokenizer. The pieces
 * concatenate to `text`; the empty string gives no pieces.
 *
 *   preTokenize("Hello world's  end", 'gpt2') → ['Hello', ' world', "'s", ' ', ' end']
 */
export function preTokenize(text: string, name: PreTokenizerName): string[] {
  const pieceEnd = pieceEndFunction(name);
  const pieces: string[] = [];
  for (let i = 0; i < text.length; ) {
    const end = pieceEnd(text, i);
    pieces.push(text.slice(i, end));
    i = end;
  }
  return pieces;
}
