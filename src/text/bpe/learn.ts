/**
 * The BPE training loop (seed 004: "while |V| < N: merge the most frequent
 * adjacent pair, record the merge"), made incremental:
 *
 * - words are deduplicated with counts, symbols are int ids;
 * - pair counts live in a hash table keyed by the two ids (./pair-counts.ts
 *   over ./pair-index.ts);
 * - each pair keeps the list of words it occurs in (./word-occurrences.ts), so
 *   a merge touches only those words and updates the counts of the pairs
 *   around each occurrence;
 * - a max-heap (./pair-heap.ts) holds (score, count, pair) snapshots, kept
 *   lazily: a pair is pushed again when its count rises; a snapshot that
 *   surfaces with a count above the pair's current one is pushed back with the
 *   current count (counts that fell), one below it is dropped (a newer one
 *   exists). For the WordPiece score, which can also rise when the count of a
 *   part falls, every pair whose score changed is pushed and any snapshot that
 *   does not match the current score is dropped.
 *
 * Objectives (seed 004, "Variants: WordPiece objective"):
 *   'frequency'  score = count(ab)                          (BPE)
 *   'wordpiece'  score = count(ab) / (count(a) · count(b))  (∝ p(ab) / (p(a) p(b)),
 *                the likelihood gain of the merge; symbol counts are weighted
 *                occurrences in the current segmentation)
 *
 * Tie-break (deterministic, the same in seed 004's literal trainer,
 * ./reference.ts): the higher score, then the higher pair count, then the
 * smaller left id, then the smaller right id. Ids are: special tokens, then the
 * base alphabet in unit order, then merge results in creation order — so ties
 * prefer older symbols (as Hugging Face's BpeTrainer does).
 *
 * Within a word, a merge replaces occurrences left to right without overlap
 * ("aaa" → "aa a"), exactly as the encoder does.
 */
import { PairCounts } from './pair-counts.js';
import { PairHeap } from './pair-heap.js';
import type { MergeObjective } from './variant.js';

/** The training corpus as deduplicated words of base symbol ids. */
export interface WordTable {
  /** Every word's symbols, concatenated; merges shrink words in place. */
  symbols: Int32Array;
  /** Word w occupies symbols[start[w] .. start[w] + length[w]). */
  start: Int32Array;
  length: Int32Array;
  /** How often word w occurs in the corpus. */
  count: Float64Array;
  words: number;
}

export interface LearnOptions {
  /** Id of the first merged symbol; merge i creates firstNewId + i. */
  firstNewId: number;
  maxMerges: number;
  /** Pairs seen fewer times than this are never merged (≥ 1). */
  minFrequency: number;
  objective: MergeObjective;
  /** Called every few merges with the number done so far. */
  onProgress?: (merges: number) => void;
}

export interface LearnedMerges {
  left: Int32Array;
  right: Int32Array;
  count: number;
}

const PROGRESS_EVERY = 50;
/** Words longer than this are merged by skipping to the next left symbol and copyWithin, rather than symbol by symbol. */
const LONG_WORD = 24;

export function learnMerges(table: WordTable, options: LearnOptions): LearnedMerges {
  const { firstNewId, maxMerges, onProgress } = options;
  const minFrequency = Math.max(1, options.minFrequency);
  const counts = new PairCounts(table.words, options.objective, firstNewId + maxMerges);
  countInitialPairs(table, counts);
  const heap = new PairHeap(counts.pairs);
  for (let pair = 0; pair < counts.size; pair++) {
    if (counts.countOf(pair) >= minFrequency) heap.push(pair, counts.scoreOf(pair), counts.countOf(pair));
  }
  const rewriter = new WordRewriter(table, counts);
  const left = new Int32Array(maxMerges);
  const right = new Int32Array(maxMerges);
  let merges = 0;
  while (merges < maxMerges) {
    const best = popBestPair(heap, counts, minFrequency);
    if (best < 0) break;
    const mergedLeft = counts.pairs.left[best];
    const mergedRight = counts.pairs.right[best];
    left[merges] = mergedLeft;
    right[merges] = mergedRight;
    counts.startMerge();
    rewriter.mergeEverywhere(best, firstNewId + merges);
    merges++;
    pushTouchedPairs(heap, counts, minFrequency, mergedLeft, mergedRight);
    if (onProgress && merges % PROGRESS_EVERY === 0) onProgress(merges);
  }
  if (onProgress) onProgress(merges);
  return { left: left.subarray(0, merges), right: right.subarray(0, merges), count: merges };
}

function countInitialPairs(table: WordTable, counts: PairCounts): void {
  const { symbols, start, length, count: wordCount } = table;
  for (let word = 0; word < table.words; word++) {
    const first = start[word];
    const end = first + length[word];
    const occurrences = wordCount[word];
    for (let i = first; i < end; i++) counts.addSymbol(symbols[i], occurrences);
    for (let i = first; i + 1 < end; i++) counts.addPair(symbols[i], symbols[i + 1], occurrences, word);
  }
  // The first merge records its own touched pairs; the initial ones are all on the heap already.
  counts.touched.length = 0;
}

/**
 * Pop snapshots until one matches its pair's current state (lazy invalidation,
 * see the file comment); the pair number, or -1 when the heap runs dry.
 */
function popBestPair(heap: PairHeap, counts: PairCounts, minFrequency: number): number {
  while (heap.size > 0) {
    const pair = heap.topPair;
    const snapshotCount = heap.topCount;
    const snapshotScore = heap.topScore;
    heap.pop();
    const current = counts.countOf(pair);
    if (counts.wordpiece) {
      if (current !== snapshotCount || counts.scoreOf(pair) !== snapshotScore) continue; // a newer snapshot exists
    } else if (current !== snapshotCount) {
      // The count fell since: back in at its current count. (It rose: a newer snapshot exists.)
      if (current < snapshotCount && current >= minFrequency) heap.push(pair, current, current);
      continue;
    }
    return pair;
  }
  return -1;
}

/**
 * After merging (mergedLeft, mergedRight): push a fresh snapshot of every pair
 * whose count rose (frequency) or changed at all (WordPiece), and for WordPiece
 * of every pair containing mergedLeft or mergedRight, whose counts fell.
 */
function pushTouchedPairs(heap: PairHeap, counts: PairCounts, minFrequency: number, mergedLeft: number, mergedRight: number): void {
  for (const pair of counts.touched) {
    const current = counts.countOf(pair);
    if (current >= minFrequency && (counts.wordpiece || counts.rose(pair))) heap.push(pair, counts.scoreOf(pair), current);
  }
  if (!counts.wordpiece) return;
  for (const symbol of mergedLeft === mergedRight ? [mergedLeft] : [mergedLeft, mergedRight]) {
    const pairsOfSymbol = counts.pairsOfSymbol[symbol];
    let kept = 0;
    for (const pair of pairsOfSymbol) {
      const current = counts.countOf(pair);
      // Pairs that died stay out of the list; the ones touched above are on the heap already.
      if (current <= 0) continue;
      pairsOfSymbol[kept++] = pair;
      if (!counts.touchedThisMerge(pair) && current >= minFrequency) heap.push(pair, counts.scoreOf(pair), current);
    }
    pairsOfSymbol.length = kept;
  }
}

/**
 * Applies one merge (left, right) → merged to the words of the table in place,
 * reporting to the counts how the pairs around each occurrence change.
 */
class WordRewriter {
  private readonly symbols: Int32Array;
  /** The merge being applied. */
  private left = 0;
  private right = 0;
  private merged = 0;
  /** The word being rewritten: its number, first slot, end slot and corpus count. */
  private word = 0;
  private wordStart = 0;
  private wordEnd = 0;
  private wordCount = 0;
  /** The merge during which each word was last rewritten (a word may be listed twice for a pair). */
  private readonly rewrittenInMerge: Int32Array;
  private merge = 0;
  private readonly rewriteWord = (word: number): void => {
    if (this.rewrittenInMerge[word] === this.merge) return;
    this.rewrittenInMerge[word] = this.merge;
    this.mergeInWord(word);
  };

  constructor(
    private readonly table: WordTable,
    private readonly counts: PairCounts,
  ) {
    this.symbols = table.symbols;
    this.rewrittenInMerge = new Int32Array(table.words);
  }

  /** Merge the pair in every word it occurs in. */
  mergeEverywhere(pair: number, merged: number): void {
    this.left = this.counts.pairs.left[pair];
    this.right = this.counts.pairs.right[pair];
    this.merged = merged;
    this.merge++;
    this.counts.occurrences.drain(pair, this.rewriteWord);
  }

  /**
   * Merge every (left, right) in the word, left to right, compacting it in
   * place. Long words (lines, with no pre-tokenization) skip ahead to the next
   * `left` and move the stretch before it with one copyWithin instead of symbol
   * by symbol.
   */
  private mergeInWord(word: number): void {
    const { symbols, left, right, merged } = this;
    const start = this.table.start[word];
    const end = start + this.table.length[word];
    const long = end - start > LONG_WORD;
    this.word = word;
    this.wordStart = start;
    this.wordEnd = end;
    this.wordCount = this.table.count[word];
    let out = start;
    let read = start;
    while (read < end) {
      if (symbols[read] === left && read + 1 < end && symbols[read + 1] === right) {
        this.countOccurrence(out, read);
        symbols[out++] = merged;
        read += 2;
      } else if (!long) {
        symbols[out++] = symbols[read++];
      } else {
        let nextLeft = read + 1;
        while (nextLeft < end && symbols[nextLeft] !== left) nextLeft++;
        if (out !== read) symbols.copyWithin(out, read, nextLeft);
        out += nextLeft - read;
        read = nextLeft;
      }
    }
    this.table.length[word] = out - start;
  }

  /**
   * The occurrence of (left, right) at `read` becomes `merged` at `out` (out ≤ read):
   * … p left right n …  →  … p merged n …, so (p, left), (left, right) and
   * (right, n) lose the word's count and (p, merged), (merged, n) gain it.
   */
  private countOccurrence(out: number, read: number): void {
    const { symbols, counts, left, right, merged, word } = this;
    const count = this.wordCount;
    // The left neighbour is read from the output: it may be a `merged` just made.
    if (out > this.wordStart) {
      const previous = symbols[out - 1];
      counts.addPair(previous, left, -count, word);
      counts.addPair(previous, merged, count, word);
    }
    counts.addPair(left, right, -count, word);
    if (read + 2 < this.wordEnd) {
      const next = symbols[read + 2];
      counts.addPair(right, next, -count, word);
      counts.addPair(merged, next, count, word);
    }
    counts.addSymbol(left, -count);
    counts.addSymbol(right, -count);
    counts.addSymbol(merged, count);
  }
}
