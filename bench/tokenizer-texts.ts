/**
 * Deterministic multilingual bench texts (no files): generated from a seed so
 * every run and machine encodes the same strings.
 *
 * - repetitive: sentences of words drawn from a fixed lexicon of 2000 words in
 *   several scripts, Zipf-distributed — most pieces repeat, as in real text.
 * - random: every word made of fresh random characters (CJK, Cyrillic, Greek,
 *   Arabic, emoji, code symbols) — almost no piece repeats, so the piece cache
 *   misses and long letter runs (CJK has no spaces) reach the merge loop.
 */

/** mulberry32: a small, well-mixed 32-bit PRNG; returns floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** [first, last] code point ranges of the scripts mixed in. */
const SCRIPTS: ReadonlyArray<readonly [number, number]> = [
  [0x61, 0x7a], // Latin a–z
  [0x4e00, 0x9fff], // CJK unified ideographs
  [0x3041, 0x3096], // Hiragana
  [0x0430, 0x044f], // Cyrillic а–я
  [0x03b1, 0x03c9], // Greek α–ω
  [0x0627, 0x064a], // Arabic letters
  [0x1f600, 0x1f64f], // emoticons (astral: surrogate pairs in UTF-16)
];
const CODE_SYMBOLS = '(){}[];:=<>+-*/&|!?.,"\'_0123456789';

function randomWord(random: () => number): string {
  const [first, last] = SCRIPTS[Math.floor(random() * SCRIPTS.length)]!;
  const length = 1 + Math.floor(random() * (first >= 0x4e00 ? 16 : 10));
  let word = '';
  for (let i = 0; i < length; i++) word += String.fromCodePoint(first + Math.floor(random() * (last - first + 1)));
  return word;
}

function separator(random: () => number): string {
  const r = random();
  if (r < 0.75) return ' ';
  if (r < 0.85) return CODE_SYMBOLS[Math.floor(random() * CODE_SYMBOLS.length)]!;
  if (r < 0.95) return CODE_SYMBOLS[Math.floor(random() * CODE_SYMBOLS.length)]! + ' ';
  return '\n';
}

/** About `bytes` UTF-8 bytes of text; `nextWord` supplies the words. */
function buildText(bytes: number, random: () => number, nextWord: () => string): string {
  const encoder = new TextEncoder();
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const part = nextWord() + separator(random);
    parts.push(part);
    size += encoder.encode(part).length;
  }
  return parts.join('');
}

/** Words from a fixed 2000-word multilingual lexicon, Zipf-distributed (rank r has weight 1/r). */
export function repetitiveMultilingualText(bytes: number, seed = 1): string {
  const random = mulberry32(seed);
  const lexicon = Array.from({ length: 2000 }, () => randomWord(random));
  const cumulative = new Float64Array(lexicon.length);
  let total = 0;
  for (let r = 0; r < lexicon.length; r++) cumulative[r] = total += 1 / (r + 1);
  const nextWord = (): string => {
    const u = random() * total;
    let lo = 0;
    let hi = lexicon.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lexicon[lo]!;
  };
  return buildText(bytes, random, nextWord);
}

/** Every word fresh random characters: little repetition. */
export function randomMultilingualText(bytes: number, seed = 2): string {
  const random = mulberry32(seed);
  return buildText(bytes, random, () => randomWord(random));
}
