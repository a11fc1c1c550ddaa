/**
 * BPE training and encoding written as literally as seed 004 (the HKUST
 * lecture notes on BPE) states them: recount every pair of every word on every
 * merge, pick the best, rewrite all words; encode by applying the merges one
 * after another in training order, one pass over the word each.
 *
 * Slow (every merge costs a pass over the whole corpus) and obviously correct:
 * this is the oracle the fast incremental trainer (./learn.ts, ./train.ts) and
 * the fast encoder (./model.ts) are tested against, merge for merge and id for
 * id, in every variant. It shares only the pre-tokenizer with them and
 * re-derives everything else (alphabet order, whitespace rules, marks, the
 * tie-break) from the documented rules, so a slip in either shows up as a
 * difference.
 */
import { preTokenize, type PreTokenizerName } from './pretokenize.js';
import type { BaseUnit, MergeObjective, WhitespaceMode } from './variant.js';

export interface ReferenceBpeOptions {
  vocabSize: number;
  base: BaseUnit;
  preTokenizer: PreTokenizerName;
  whitespace: WhitespaceMode;
  objective: MergeObjective;
  minFrequency: number;
  /** All specials in id order (unk included). */
  specialTokens: string[];
}

export interface ReferenceBpeModel {
  /** [left, right, result] in training order. */
  merges: [number, number, number][];
  /** key `${unit}:${marked}` → id */
  alphabet: Map<string, number>;
  options: ReferenceBpeOptions;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** Words of ordinary text (special tokens cut out), by the documented whitespace rules of ./variant.ts. */
export function referenceWords(text: string, options: Pick<ReferenceBpeOptions, 'preTokenizer' | 'whitespace' | 'specialTokens'>): string[] {
  const segments = options.specialTokens.length > 0 ? text.split(new RegExp(options.specialTokens.map(escapeRegExp).join('|'))) : [text];
  const words: string[] = [];
  for (const segment of segments) {
    if (segment === '') continue;
    // 'none': cut after every line feed (documented in ./words.ts).
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

/** [unit, marked] per position of a word: marked after the first ('continuation') or on the last ('endOfWord'). */
function units(word: string, options: Pick<ReferenceBpeOptions, 'base' | 'whitespace'>): [number, boolean][] {
  const raw = options.base === 'byte' ? [...new TextEncoder().encode(word)] : Array.from(word, (ch) => ch.codePointAt(0) as number);
  return raw.map((unit, i) => [unit, options.whitespace === 'continuation' ? i > 0 : options.whitespace === 'endOfWord' ? i === raw.length - 1 : false]);
}

/** Seed 004's training loop: while |V| < N, merge the best adjacent pair everywhere and record the merge. */
export function referenceTrainBpe(text: string, options: ReferenceBpeOptions): ReferenceBpeModel {
  const counts = new Map<string, number>();
  for (const word of referenceWords(text, options)) counts.set(word, (counts.get(word) ?? 0) + 1);
  const alphabet = referenceAlphabet(counts.keys(), options);
  const words: { symbols: number[]; count: number }[] = [...counts].map(([word, count]) => ({
    symbols: units(word, options).map(([unit, marked]) => alphabet.get(`${unit}:${marked}`) as number),
    count,
  }));
  const merges: [number, number, number][] = [];
  let nextId = options.specialTokens.length + alphabet.size;
  while (nextId < options.vocabSize) {
    const best = bestPair(words, options);
    if (!best) break;
    const merged = nextId++;
    merges.push([best.left, best.right, merged]);
    for (const word of words) word.symbols = mergeOnce(word.symbols, best.left, best.right, merged);
  }
  return { merges, alphabet, options };
}

/** Specials first, then units ascending (all 256 bytes for byte-level), then the marked copies. */
function referenceAlphabet(words: Iterable<string>, options: ReferenceBpeOptions): Map<string, number> {
  const marking = options.whitespace === 'continuation' || options.whitespace === 'endOfWord';
  let unitList: number[];
  if (options.base === 'byte') unitList = Array.from({ length: 256 }, (_, i) => i);
  else {
    const seen = new Set<number>();
    for (const word of words) for (const ch of word) seen.add(ch.codePointAt(0) as number);
    unitList = [...seen].sort((a, b) => a - b);
  }
  const alphabet = new Map<string, number>();
  let nextId = options.specialTokens.length;
  for (const marked of marking ? [false, true] : [false]) for (const unit of unitList) alphabet.set(`${unit}:${marked}`, nextId++);
  return alphabet;
}

interface Candidate {
  left: number;
  right: number;
  count: number;
  score: number;
}

/**
 * Count every pair (and, for WordPiece, every symbol) from scratch and return the
 * best one at or above minFrequency: the higher score, then the higher count,
 * then the smaller left id, then the smaller right id.
 */
function bestPair(words: readonly { symbols: number[]; count: number }[], options: ReferenceBpeOptions): Candidate | undefined {
  const pairCounts = new Map<string, number>();
  const symbolCounts = new Map<number, number>();
  for (const { symbols, count } of words) {
    for (const symbol of symbols) symbolCounts.set(symbol, (symbolCounts.get(symbol) ?? 0) + count);
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = `${symbols[i]},${symbols[i + 1]}`;
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
    }
  }
  let best: Candidate | undefined;
  for (const [key, count] of pairCounts) {
    if (count < options.minFrequency) continue;
    const [left, right] = key.split(',').map(Number);
    const score = options.objective === 'wordpiece' ? count / ((symbolCounts.get(left) as number) * (symbolCounts.get(right) as number)) : count;
    const better =
      !best ||
      score > best.score ||
      (score === best.score && (count > best.count || (count === best.count && (left < best.left || (left === best.left && right < best.right)))));
    if (better) best = { left, right, count, score };
  }
  return best;
}

/** Replace every (left, right) in `symbols` by merged, left to right, without overlap. */
function mergeOnce(symbols: number[], left: number, right: number, merged: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
      out.push(merged);
      i++;
    } else out.push(symbols[i]);
  }
  return out;
}

/**
 * Seed 004's encoding rule, literally: for each merge in training order, one
 * pass over the word. Units outside the alphabet become `unknownId` (an error
 * when it is negative).
 */
export function referenceEncodeWord(word: string, model: ReferenceBpeModel, unknownId = -1): number[] {
  let symbols = units(word, model.options).map(([unit, marked]) => {
    const id = model.alphabet.get(`${unit}:${marked}`);
    if (id === undefined) {
      if (unknownId < 0) throw new Error('unknown unit');
      return unknownId;
    }
    return id;
  });
  for (const [left, right, merged] of model.merges) symbols = mergeOnce(symbols, left, right, merged);
  return symbols;
}

/** A whole text: its words (./words.ts rules), each encoded by referenceEncodeWord. */
export function referenceEncode(text: string, model: ReferenceBpeModel, unknownId = -1): number[] {
  return referenceWords(text, model.options).flatMap((word) => referenceEncodeWord(word, model, unknownId));
}
