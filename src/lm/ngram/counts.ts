/**
 * Counting: one pass over the corpus fills raw counts for every order 1..N.
 *
 * Each sentence is padded as `<s> w1 … wm </s>` (one `<s>`; n-grams never hold
 * `<s> <s>`, which is what lmplz's collapsing of padded n-grams amounts to), and
 * every window of length ≤ N is counted. Walking the text once, the k-gram that
 * ends at position t has as prefix the (k−1)-gram that ended at t−1 and as suffix
 * the (k−1)-gram that ends at t, so both links are known without any lookup by
 * words (seed 000: "condition on the last n−1 words, learn by counting").
 */
import { growInt32, growUint32, NgramIndex } from './hash-index.js';
import type { TokenCorpus } from './corpus.js';
import { BOS_ID, EOS_ID } from './vocabulary.js';

export const MAX_ORDER = 20;

/** Raw counts of one order ≥ 2. */
export class CountTable {
  readonly index: NgramIndex;
  counts: Uint32Array;
  /** Id (in the order below) of the n-gram without its first word. */
  suffix: Int32Array;

  constructor(expected: number) {
    this.index = new NgramIndex(expected);
    this.counts = new Uint32Array(Math.max(16, expected));
    this.suffix = new Int32Array(Math.max(16, expected));
  }

  get size(): number {
    return this.index.size;
  }

  /** Count one occurrence of (parent, word); returns its id. */
  add(parent: number, word: number, suffix: number): number {
    const index = this.index;
    const id = index.findOrInsert(parent, word);
    if (index.inserted) {
      if (id >= this.counts.length) {
        this.counts = growUint32(this.counts, id + 1);
        this.suffix = growInt32(this.suffix, id + 1);
      }
      this.suffix[id] = suffix;
    }
    this.counts[id]++;
    return id;
  }

  byteLength(): number {
    return this.index.byteLength() + this.counts.byteLength + this.suffix.byteLength;
  }
}

export interface NgramCounts {
  readonly order: number;
  readonly vocabSize: number;
  /** Whether sentences were wrapped in `<s>` … `</s>`. */
  readonly padding: boolean;
  /** Raw unigram counts by word id (the `<s>` entry counts sentence starts and is never used as a probability). */
  readonly unigrams: Float64Array;
  /** tables[k] holds order k (k ≥ 2); tables[0] and tables[1] are undefined. */
  readonly tables: readonly (CountTable | undefined)[];
  /** Tokens read, not counting `<s>`/`</s>` (lmplz's "Unigram tokens"). */
  readonly tokenCount: number;
  readonly segmentCount: number;
}

export interface CountOptions {
  readonly order: number;
  readonly padding: boolean;
  readonly vocabSize: number;
  /** Called every ~2^20 tokens with (tokens done, total tokens). */
  readonly onProgress?: (done: number, total: number) => void;
}

export function validateOrder(order: number): void {
  if (!Number.isInteger(order) || order < 1) throw new RangeError(`n-gram order must be an integer ≥ 1, got ${order}`);
  if (order > MAX_ORDER) throw new RangeError(`n-gram order ${order} is above the supported maximum ${MAX_ORDER}`);
}

export function countNgrams(corpus: TokenCorpus, options: CountOptions): NgramCounts {
  const order = options.order;
  validateOrder(order);
  const vocabSize = options.vocabSize;
  const unigrams = new Float64Array(vocabSize);
  const total = corpus.ids.length;
  const expected = Math.min(Math.max(1024, total), 1 << 20);
  const tables: (CountTable | undefined)[] = [undefined, undefined];
  for (let k = 2; k <= order; k++) tables.push(new CountTable(expected));

  // previous[k] / current[k]: id of the k-gram ending at the previous / current position, -1 if none.
  let previous = new Int32Array(order + 1).fill(-1);
  let current = new Int32Array(order + 1).fill(-1);
  const countToken = (word: number): void => {
    if (word < 0 || word >= vocabSize) throw new RangeError(`countNgrams: token id ${word} is outside the vocabulary 0..${vocabSize - 1}`);
    unigrams[word]++;
    current[1] = word;
    let k = 2;
    for (; k <= order; k++) {
      const parent = previous[k - 1];
      if (parent < 0) break;
      current[k] = (tables[k] as CountTable).add(parent, word, current[k - 1]);
    }
    for (; k <= order; k++) current[k] = -1;
    const swap = previous;
    previous = current;
    current = swap;
  };

  const ids = corpus.ids;
  const starts = corpus.starts;
  const progressEvery = 1 << 20;
  let nextProgress = progressEvery;
  for (let segment = 0; segment + 1 < starts.length; segment++) {
    previous.fill(-1);
    if (options.padding) countToken(BOS_ID);
    const end = starts[segment + 1];
    for (let i = starts[segment]; i < end; i++) countToken(ids[i]);
    if (options.padding) countToken(EOS_ID);
    if (options.onProgress && end >= nextProgress) {
      options.onProgress(end, total);
      nextProgress = end + progressEvery;
    }
  }
  options.onProgress?.(total, total);
  return {
    order,
    vocabSize,
    padding: options.padding,
    unigrams,
    tables,
    tokenCount: total,
    segmentCount: Math.max(0, starts.length - 1),
  };
}
