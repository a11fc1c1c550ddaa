/**
 * The BPE trainer's counts (see ./learn.ts): how often each adjacent pair of
 * symbols occurs in the corpus, which words it occurs in, and — for the
 * WordPiece objective of seed 004 — how often each symbol occurs.
 *
 * Pairs are numbered densely by ./pair-index.ts; every per-pair array is
 * indexed by that number and grows with it. During one merge the counts note
 * which pairs they touched and what each count was before, so the trainer can
 * push exactly those pairs back onto its heap afterwards.
 */
import { grownFloat64, grownInt32 } from './grow.js';
import { PairIndex } from './pair-index.js';
import type { MergeObjective } from './variant.js';
import { WordOccurrences } from './word-occurrences.js';

export class PairCounts {
  readonly pairs: PairIndex;
  readonly occurrences: WordOccurrences;
  /** Pairs whose count changed in the current merge, each once. */
  readonly touched: number[] = [];
  readonly wordpiece: boolean;
  /** Weighted occurrences of pair p in the current segmentation of the corpus. */
  private count: Float64Array;
  /** count[p] when the current merge first touched p. */
  private countAtMergeStart: Float64Array;
  /** The merge that last touched pair p (compared with `merge`). */
  private touchedInMerge: Int32Array;
  private merge = 1;
  /** Pairs 0 .. knownPairs - 1 have their per-pair entries set up. */
  private knownPairs = 0;
  /**
   * WordPiece only: weighted occurrences of each symbol, and per symbol the
   * pairs it is part of (their scores change when the symbol's count does).
   */
  private readonly symbolCount: Float64Array;
  readonly pairsOfSymbol: number[][];

  /** `symbolLimit` bounds the symbol ids: the base ids plus one per possible merge. */
  constructor(words: number, objective: MergeObjective, symbolLimit: number) {
    this.wordpiece = objective === 'wordpiece';
    this.pairs = new PairIndex(Math.max(1024, words * 4));
    const pairCapacity = this.pairs.left.length;
    this.count = new Float64Array(pairCapacity);
    this.countAtMergeStart = new Float64Array(pairCapacity);
    this.touchedInMerge = new Int32Array(pairCapacity);
    this.occurrences = new WordOccurrences(pairCapacity, Math.max(1024, words * 8));
    this.symbolCount = new Float64Array(this.wordpiece ? symbolLimit : 0);
    this.pairsOfSymbol = this.wordpiece ? Array.from({ length: symbolLimit }, () => []) : [];
  }

  /** Number of distinct pairs seen so far (pair numbers are 0 .. size - 1). */
  get size(): number {
    return this.pairs.size;
  }

  countOf(pair: number): number {
    return this.count[pair];
  }

  /** The merge objective: count(ab), or count(ab) / (count(a) · count(b)) for WordPiece. */
  scoreOf(pair: number): number {
    const count = this.count[pair];
    if (!this.wordpiece) return count;
    return count / (this.symbolCount[this.pairs.left[pair]] * this.symbolCount[this.pairs.right[pair]]);
  }

  /** Did the current merge change this pair's count? */
  touchedThisMerge(pair: number): boolean {
    return this.touchedInMerge[pair] === this.merge;
  }

  /** Is the pair's count higher than when the current merge began? */
  rose(pair: number): boolean {
    return this.count[pair] > this.countAtMergeStart[pair];
  }

  /** Start recording the pairs the next merge touches. */
  startMerge(): void {
    this.merge++;
    this.touched.length = 0;
  }

  /** Add `delta` occurrences of (left, right) in `word`; a rise lists the word among the pair's occurrences. */
  addPair(left: number, right: number, delta: number, word: number): void {
    const pair = this.pairs.findOrAdd(left, right);
    if (pair === this.knownPairs) this.setUpNewPair(pair, left, right);
    if (this.touchedInMerge[pair] !== this.merge) {
      this.touchedInMerge[pair] = this.merge;
      this.countAtMergeStart[pair] = this.count[pair];
      this.touched.push(pair);
    }
    this.count[pair] += delta;
    if (delta > 0) this.occurrences.add(pair, word);
  }

  /** Add `delta` occurrences of a symbol (WordPiece only; a no-op otherwise). */
  addSymbol(symbol: number, delta: number): void {
    if (this.wordpiece) this.symbolCount[symbol] += delta;
  }

  private setUpNewPair(pair: number, left: number, right: number): void {
    this.knownPairs++;
    if (pair === this.count.length) this.grow(pair * 2);
    if (this.wordpiece) {
      this.pairsOfSymbol[left].push(pair);
      if (right !== left) this.pairsOfSymbol[right].push(pair);
    }
  }

  private grow(pairCapacity: number): void {
    this.count = grownFloat64(this.count, pairCapacity);
    this.countAtMergeStart = grownFloat64(this.countAtMergeStart, pairCapacity);
    this.touchedInMerge = grownInt32(this.touchedInMerge, pairCapacity);
    this.occurrences.growPairs(pairCapacity);
  }
}
