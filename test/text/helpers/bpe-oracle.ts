/**
 * The slow, obviously-correct BPE trainer and encoder the fast ones are checked
 * against (minbpe's habit). Straight from seed 004's pseudo-code: recount every
 * pair of every word on every merge, pick the best, rewrite all words; encode
 * by applying the merges one after another in training order. It shares only
 * the pre-tokenizer with the library and re-derives everything else (alphabet
 * order, whitespace rules, marks, the tie-break) from the documented rules.
 */
import { preTokenize, type PreTokenizerName } from '../../../src/text/bpe/pretokenize.js';

export interface OracleOptions {
  vocabSize: number;
  base: 'byte' | 'char';
  preTokenizer: PreTokenizerName;
  whitespace: 'attach' | 'metaspace' | 'continuation' | 'endOfWord';
  objective: 'frequency' | 'wordpiece';
  minFrequency: number;
  /** All specials in id order (unk included). */
  specialTokens: string[];
}

export interface OracleModel {
  /** [left, right, result]. */
  merges: [number, number, number][];
  /** key `${unit}:${marked}` → id */
  alphabet: Map<string, number>;
  options: OracleOptions;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** Words of ordinary text, by the documented rules. */
export function oracleWords(text: string, options: Pick<OracleOptions, 'preTokenizer' | 'whitespace' | 'specialTokens'>): string[] {
  const segments = options.specialTokens.length > 0 ? text.split(new RegExp(options.specialTokens.map(escape).join('|'))) : [text];
  const words: string[] = [];
  for (const segment of segments) {
    if (segment === '') continue;
    // 'none': cut after every line feed (documented in src/text/bpe/words.ts).
    const pieces = options.preTokenizer === 'none' ? segment.split(/(?<=\n)/) : preTokenize(segment, options.preTokenizer);
    for (const piece of pieces) {
      if (piece === '') continue;
      if (options.whitespace === 'attach') words.push(piece);
      else if (options.whitespace === 'metaspace') words.push(piece.replace(/ /g, '\u2581'));
      else for (const word of piece.split(/\p{White_Space}+/u)) if (word !== '') words.push(word);
    }
  }
  return words;
}

/** [unit, marked] per position of a word. */
function units(word: string, options: Pick<OracleOptions, 'base' | 'whitespace'>): [number, boolean][] {
  const raw = options.base === 'byte' ? [...new TextEncoder().encode(word)] : Array.from(word, (ch) => ch.codePointAt(0) as number);
  return raw.map((unit, i) => [unit, options.whitespace === 'continuation' ? i > 0 : options.whitespace === 'endOfWord' ? i === raw.length - 1 : false]);
}

export function oracleTrain(text: string, options: OracleOptions): OracleModel {
  const marking = options.whitespace === 'continuation' || options.whitespace === 'endOfWord';
  const counts = new Map<string, number>();
  for (const word of oracleWords(text, options)) counts.set(word, (counts.get(word) ?? 0) + 1);
  // Alphabet: specials, then units ascending (all 256 bytes for byte-level), then the marked copies.
  let unitList: number[];
  if (options.base === 'byte') unitList = Array.from({ length: 256 }, (_, i) => i);
  else {
    const seen = new Set<number>();
    for (const word of counts.keys()) for (const ch of word) seen.add(ch.codePointAt(0) as number);
    unitList = [...seen].sort((a, b) => a - b);
  }
  const alphabet = new Map<string, number>();
  let nextId = options.specialTokens.length;
  for (const marked of marking ? [false, true] : [false]) for (const unit of unitList) alphabet.set(`${unit}:${marked}`, nextId++);

  const words: { symbols: number[]; count: number }[] = [...counts].map(([word, count]) => ({
    symbols: units(word, options).map(([unit, marked]) => alphabet.get(`${unit}:${marked}`) as number),
    count,
  }));
  const merges: [number, number, number][] = [];
  while (nextId < options.vocabSize) {
    const pairCounts = new Map<string, number>();
    const symbolCounts = new Map<number, number>();
    for (const { symbols, count } of words) {
      for (const s of symbols) symbolCounts.set(s, (symbolCounts.get(s) ?? 0) + count);
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]},${symbols[i + 1]}`;
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
      }
    }
    let best: { a: number; b: number; count: number; score: number } | undefined;
    for (const [key, count] of pairCounts) {
      if (count < options.minFrequency) continue;
      const [a, b] = key.split(',').map(Number);
      const score = options.objective === 'wordpiece' ? count / ((symbolCounts.get(a) as number) * (symbolCounts.get(b) as number)) : count;
      const better =
        !best ||
        score > best.score ||
        (score === best.score && (count > best.count || (count === best.count && (a < best.a || (a === best.a && b < best.b)))));
      if (better) best = { a, b, count, score };
    }
    if (!best) break;
    const z = nextId++;
    merges.push([best.a, best.b, z]);
    for (const word of words) word.symbols = mergeOnce(word.symbols, best.a, best.b, z);
  }
  return { merges, alphabet, options };
}

/** Replace every (a, b) in `symbols` by z, left to right, without overlap. */
function mergeOnce(symbols: number[], a: number, b: number, z: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
      out.push(z);
      i++;
    } else out.push(symbols[i]);
  }
  return out;
}

/** Seed 004's encoding rule, literally: for each merge in training order, one pass over the word. */
export function oracleEncodeWord(word: string, model: OracleModel, unknownId = -1): number[] {
  let symbols = units(word, model.options).map(([unit, marked]) => {
    const id = model.alphabet.get(`${unit}:${marked}`);
    if (id === undefined) {
      if (unknownId < 0) throw new Error('unknown unit');
      return unknownId;
    }
    return id;
  });
  for (const [a, b, z] of model.merges) symbols = mergeOnce(symbols, a, b, z);
  return symbols;
}

export function oracleEncode(text: string, model: OracleModel, unknownId = -1): number[] {
  return oracleWords(text, model.options).flatMap((word) => oracleEncodeWord(word, model, unknownId));
}
