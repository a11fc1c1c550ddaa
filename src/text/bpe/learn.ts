/**
 * The BPE training loop (seed 004: "while |V| < N: merge the most frequent
 * adjacent pair, record the merge"), made incremental:
 *
 * - words are deduplicated with counts, symbols are int ids;
 * - pair counts live in a hash table keyed by the two ids (./pair-index.ts);
 * - each pair keeps the list of words it occurs in, so a merge touches only
 *   those words and updates the counts of the pairs around each occurrence;
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
 * Tie-break (deterministic, the same in the test oracle): the higher score,
 * then the higher pair count, then the smaller left id, then the smaller right
 * id. Ids are: special tokens, then the base alphabet in unit order, then merge
 * results in creation order — so ties prefer older symbols (as Hugging Face's
 * BpeTrainer does).
 *
 * Within a word, a merge replaces occurrences left to right without overlap
 * ("aaa" → "aa a"), exactly as the encoder does.
 */
import { PairHeap } from './pair-heap.js';
import { PairIndex } from './pair-index.js';
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
/** Words longer than this are merged with indexOf/copyWithin rather than symbol by symbol. */
const LONG_WORD = 24;

export function learnMerges(table: WordTable, options: LearnOptions): LearnedMerges {
  const { firstNewId, maxMerges, objective, onProgress } = options;
  const minFrequency = Math.max(1, options.minFrequency);
  const wordpiece = objective === 'wordpiece';
  const { symbols, start, length, count: wordCount, words } = table;

  const pairs = new PairIndex(Math.max(1024, words * 4));
  let pairCount = new Float64Array(pairs.left.length);
  let pairCountBefore = new Float64Array(pairs.left.length); // count when first touched in this merge
  let pairStamp = new Int32Array(pairs.left.length);
  const changed: number[] = [];
  let stamp = 1;

  // Occurrence lists (the words each pair occurs in, possibly stale or repeated)
  // as linked lists in a pool of typed-array nodes: no per-entry allocation.
  let occurrenceHead = new Int32Array(pairs.left.length).fill(-1);
  let nodeWord = new Int32Array(Math.max(1024, words * 8));
  let nodeNext = new Int32Array(nodeWord.length);
  let nodeCount = 0;
  let freeNode = -1;
  const addOccurrence = (pair: number, word: number): void => {
    const head = occurrenceHead[pair];
    if (head >= 0 && nodeWord[head] === word) return;
    let node: number;
    if (freeNode >= 0) {
      node = freeNode;
      freeNode = nodeNext[node];
    } else {
      if (nodeCount === nodeWord.length) {
        const grownWord = new Int32Array(nodeCount * 2);
        grownWord.set(nodeWord);
        nodeWord = grownWord;
        const grownNext = new Int32Array(nodeCount * 2);
        grownNext.set(nodeNext);
        nodeNext = grownNext;
      }
      node = nodeCount++;
    }
    nodeWord[node] = word;
    nodeNext[node] = head;
    occurrenceHead[pair] = node;
  };

  // WordPiece needs symbol counts and, per symbol, the pairs it is part of
  // (their scores change when the symbol's count does).
  const symbolLimit = firstNewId + maxMerges;
  const symbolCount = wordpiece ? new Float64Array(symbolLimit) : new Float64Array(0);
  const pairsOfSymbol: number[][] = wordpiece ? Array.from({ length: symbolLimit }, () => []) : [];

  const grow = (size: number): void => {
    const grownCount = new Float64Array(size);
    grownCount.set(pairCount);
    pairCount = grownCount;
    const grownBefore = new Float64Array(size);
    grownBefore.set(pairCountBefore);
    pairCountBefore = grownBefore;
    const grownStamp = new Int32Array(size);
    grownStamp.set(pairStamp);
    pairStamp = grownStamp;
    const grownHead = new Int32Array(size).fill(-1);
    grownHead.set(occurrenceHead);
    occurrenceHead = grownHead;
  };

  let knownPairs = 0;
  const addToPair = (a: number, b: number, delta: number, word: number): void => {
    const pair = pairs.findOrAdd(a, b);
    if (pair === knownPairs) {
      knownPairs++;
      if (pair === pairCount.length) grow(pair * 2);
      if (wordpiece) {
        pairsOfSymbol[a].push(pair);
        if (b !== a) pairsOfSymbol[b].push(pair);
      }
    }
    if (pairStamp[pair] !== stamp) {
      pairStamp[pair] = stamp;
      pairCountBefore[pair] = pairCount[pair];
      changed.push(pair);
    }
    pairCount[pair] += delta;
    if (delta > 0) addOccurrence(pair, word);
  };

  const scoreOf = (pair: number): number => {
    const c = pairCount[pair];
    return wordpiece ? c / (symbolCount[pairs.left[pair]] * symbolCount[pairs.right[pair]]) : c;
  };

  // Initial counts.
  for (let w = 0; w < words; w++) {
    const s = start[w];
    const end = s + length[w];
    const c = wordCount[w];
    if (wordpiece) for (let i = s; i < end; i++) symbolCount[symbols[i]] += c;
    for (let i = s; i + 1 < end; i++) addToPair(symbols[i], symbols[i + 1], c, w);
  }
  changed.length = 0;
  const heap = new PairHeap(pairs);
  for (let pair = 0; pair < pairs.size; pair++) {
    if (pairCount[pair] >= minFrequency) heap.push(pair, scoreOf(pair), pairCount[pair]);
  }

  const wordStamp = new Int32Array(words);
  const left = new Int32Array(maxMerges);
  const right = new Int32Array(maxMerges);
  let merges = 0;

  /** One occurrence of (x, y) at read (read + 1 < end), out ≤ read: count updates around it. */
  const mergeAt = (w: number, s: number, out: number, read: number, end: number, c: number, x: number, y: number, z: number): void => {
    // … p x y n …  →  … p z n …: the left neighbour is read from the output (it may be a z just made).
    if (out > s) {
      const p = symbols[out - 1];
      addToPair(p, x, -c, w);
      addToPair(p, z, c, w);
    }
    addToPair(x, y, -c, w);
    if (read + 2 < end) {
      const n = symbols[read + 2];
      addToPair(y, n, -c, w);
      addToPair(z, n, c, w);
    }
    if (wordpiece) {
      symbolCount[x] -= c;
      symbolCount[y] -= c;
      symbolCount[z] += c;
    }
  };

  /** Merge every (x, y) in word w into z, left to right, compacting the word in place. */
  const mergeInWord = (w: number, x: number, y: number, z: number): void => {
    const s = start[w];
    const end = s + length[w];
    const c = wordCount[w];
    let out = s;
    let read = s;
    if (end - s > LONG_WORD) {
      // Long words (lines, with no pre-tokenization): find the next x, then move the
      // stretch before it with one copyWithin instead of symbol by symbol.
      while (read < end) {
        if (symbols[read] === x && read + 1 < end && symbols[read + 1] === y) {
          mergeAt(w, s, out, read, end, c, x, y, z);
          symbols[out++] = z;
          read += 2;
          continue;
        }
        let nextX = read + 1;
        while (nextX < end && symbols[nextX] !== x) nextX++;
        if (out !== read) symbols.copyWithin(out, read, nextX);
        out += nextX - read;
        read = nextX;
      }
    } else {
      while (read < end) {
        if (symbols[read] === x && read + 1 < end && symbols[read + 1] === y) {
          mergeAt(w, s, out, read, end, c, x, y, z);
          symbols[out++] = z;
          read += 2;
        } else {
          symbols[out++] = symbols[read++];
        }
      }
    }
    length[w] = out - s;
  };

  while (merges < maxMerges) {
    let best = -1;
    while (heap.size > 0) {
      const pair = heap.topPair;
      const snapshotCount = heap.topCount;
      const snapshotScore = heap.topScore;
      heap.pop();
      const current = pairCount[pair];
      if (wordpiece) {
        if (current !== snapshotCount || scoreOf(pair) !== snapshotScore) continue; // a newer snapshot exists
      } else if (current !== snapshotCount) {
        // The count fell since: back in at its current count. (It rose: a newer snapshot exists.)
        if (current < snapshotCount && current >= minFrequency) heap.push(pair, current, current);
        continue;
      }
      best = pair;
      break;
    }
    if (best < 0) break;
    const x = pairs.left[best];
    const y = pairs.right[best];
    const z = firstNewId + merges;
    left[merges] = x;
    right[merges] = y;
    merges++;

    stamp++;
    changed.length = 0;
    let node = occurrenceHead[best];
    occurrenceHead[best] = -1;
    while (node >= 0) {
      const w = nodeWord[node];
      const following = nodeNext[node];
      // The node goes back to the pool: (x, y) never occurs again once merged.
      nodeNext[node] = freeNode;
      freeNode = node;
      node = following;
      if (wordStamp[w] === stamp) continue;
      wordStamp[w] = stamp;
      mergeInWord(w, x, y, z);
    }
    for (const pair of changed) {
      const current = pairCount[pair];
      if (current >= minFrequency && (wordpiece || current > pairCountBefore[pair])) heap.push(pair, scoreOf(pair), current);
    }
    if (wordpiece) {
      // count(x) and count(y) fell, so every pair containing them scores differently now.
      for (const symbol of x === y ? [x] : [x, y]) {
        const list = pairsOfSymbol[symbol];
        let kept = 0;
        for (const pair of list) {
          if (pairCount[pair] <= 0) continue;
          list[kept++] = pair;
          if (pairStamp[pair] !== stamp && pairCount[pair] >= minFrequency) heap.push(pair, scoreOf(pair), pairCount[pair]);
        }
        list.length = kept;
      }
    }
    if (onProgress && merges % PROGRESS_EVERY === 0) onProgress(merges);
  }
  if (onProgress) onProgress(merges);
  return { left: left.subarray(0, merges), right: right.subarray(0, merges), count: merges };
}
