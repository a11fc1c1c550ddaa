/**
 * The three Unicode character classes tiktoken's pre-tokenizer regexes use:
 * `\p{L}` (letters), `\p{N}` (numbers) and `\s` — which in Rust's regex crate,
 * tiktoken's engine, is the White_Space property (JavaScript's `\s` adds U+FEFF
 * and lacks U+0085).
 *
 * The table is pinned (./unicode-classes-data.ts, generated from tiktoken
 * itself: Unicode 16) instead of asking the JS engine's `\p{L}`: Node 20 with
 * ICU 78 already knows Unicode 17, whose 4657 new letters and digits tiktoken
 * treats as unassigned; a browser may be older still. One byte per code point,
 * expanded once at load (1.1 MB), so the scanner's hot loop is a typed-array read.
 */
import { CLASS_RUNS } from './unicode-classes-data.js';

export const OTHER = 0;
export const LETTER = 1;
export const NUMBER = 2;
export const SPACE = 3;
export type CharClass = typeof OTHER | typeof LETTER | typeof NUMBER | typeof SPACE;

const classTable = new Uint8Array(0x110000);
{
  let cp = 0;
  for (let i = 0; i < CLASS_RUNS.length; i += 2) {
    const cls = CLASS_RUNS[i]!;
    const length = CLASS_RUNS[i + 1]!;
    if (cls !== OTHER) classTable.fill(cls, cp, cp + length);
    cp += length;
  }
  if (cp !== 0x110000) throw new Error(`unicode-classes-data: runs cover ${cp} code points, expected 0x110000`);
}

/** The class of a code point (0 ≤ cp < 0x110000; surrogates are OTHER). */
export function classOfCodePoint(cp: number): CharClass {
  return classTable[cp] as CharClass;
}
