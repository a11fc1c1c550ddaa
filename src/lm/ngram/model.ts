/**
 * A finished n-gram model in backoff form (what an ARPA file holds), with the
 * LanguageModel interface on top.
 *
 * Query (the ARPA/KenLM semantics):
 *     log p(w | c) = logProb(c w)                     if c w is stored
 *                  = logBackoff(c) + log p(w | c′)    otherwise, c′ = c minus its first word
 * A missing context has backoff 0 (log 1). The state is the longest stored
 * suffix of the history (at most N−1 words), encoded as one number
 * (id · 32 + order) so advancing allocates nothing; the empty context is 0.
 */
import type { LanguageModel } from '../model.js';
import type { NgramUnitInfo } from './corpus.js';
import { findChild, type FrozenOrder } from './freeze.js';
import { BOS_ID, EOS_ID, NgramVocabulary } from './vocabulary.js';

const STATE_ORDERS = 32;
const LN10 = Math.LN10;

export interface NgramModelInfo {
  readonly order: number;
  /** How the probabilities were made: an estimator name, or 'arpa' for a model read from a foreign ARPA file. */
  readonly smoothing: string;
  /** Sentences wrapped in `<s>` … `</s>` (false: continuous token stream). */
  readonly padding: boolean;
  /** False for stupid backoff: scores are not probabilities. */
  readonly normalized: boolean;
  readonly unit?: NgramUnitInfo;
  /** Discounts per order (index k−1), when the estimator has them. */
  readonly discounts?: readonly (readonly number[])[];
  /** Training tokens, when known. */
  readonly tokenCount?: number;
  /** Estimator parameters (k, alpha, prune thresholds, vocabulary limits). */
  readonly parameters?: Readonly<Record<string, number | number[] | boolean>>;
}

/** Per-token result of a query, as KenLM's `query` reports it. */
export interface TokenScoreDetail {
  /** log10 p(token | state). */
  readonly log10Prob: number;
  /** Length of the longest stored n-gram that matched (1 = unigram). */
  readonly ngramLength: number;
}

export class NgramModel implements LanguageModel<number> {
  readonly order: number;
  readonly vocabSize: number;
  readonly endToken?: number;
  /** Length of the n-gram matched by the last `log10Prob` call. */
  lastNgramLength = 0;
  private readonly uniLogProb: Float32Array;

  constructor(
    readonly vocab: NgramVocabulary,
    readonly info: NgramModelInfo,
    private readonly orders: readonly FrozenOrder[],
    /** Notes from loading (e.g. ARPA words mapped to `<unk>`). */
    readonly warnings: readonly string[] = [],
  ) {
    this.order = info.order;
    this.vocabSize = vocab.size;
    if (info.padding) this.endToken = EOS_ID;
    this.uniLogProb = orders[1].logProb;
    if (orders.length !== this.order + 1) throw new Error(`NgramModel: expected ${this.order} orders, got ${orders.length - 1}`);
  }

  /** The frozen tables (read-only; used by the writers). */
  get tables(): readonly FrozenOrder[] {
    return this.orders;
  }

  /** Number of stored n-grams per order (index k−1), not counting blanks. */
  ngramCounts(): number[] {
    const out: number[] = [];
    for (let order = 1; order <= this.order; order++) {
      const table = this.orders[order];
      let stored = table.size;
      if (table.blank) for (let id = 0; id < table.size; id++) stored -= table.blank[id];
      out.push(stored);
    }
    return out;
  }

  /** Bytes of all typed arrays of the model (vocabulary strings not included). */
  byteLength(): number {
    let bytes = 0;
    for (let order = 1; order <= this.order; order++) {
      const table = this.orders[order];
      const arrays = [table.words, table.logProb, table.logBackoff, table.childStart, table.suffixId, table.suffixOrder, table.blank, table.slots];
      for (const array of arrays) bytes += array?.byteLength ?? 0;
    }
    return bytes;
  }

  initialState(): number {
    return this.info.padding && this.order > 1 ? BOS_ID * STATE_ORDERS + 1 : 0;
  }

  /** The empty context (no history at all). */
  nullState(): number {
    return 0;
  }

  /** State after reading `tokens` from `start` (default: the initial state). */
  stateAfter(tokens: ArrayLike<number>, start = this.initialState()): number {
    let state = start;
    for (let i = 0; i < tokens.length; i++) state = this.advance(state, tokens[i]);
    return state;
  }

  /** Order and id of the context a state stands for. */
  decodeState(state: number): { order: number; id: number } {
    const order = state % STATE_ORDERS;
    return { order, id: (state - order) / STATE_ORDERS };
  }

  /** The words of the context a state stands for (oldest first). */
  stateWords(state: number): number[] {
    const { order, id } = this.decodeState(state);
    if (order === 0) return [];
    const words: number[] = [];
    let wordOrder = order;
    let wordId = id;
    while (wordOrder >= 2) {
      words.push((this.orders[wordOrder].words as Int32Array)[wordId]);
      wordId = parentOf(this.orders[wordOrder - 1].childStart as Int32Array, wordId);
      wordOrder--;
    }
    words.push(wordId);
    return words.reverse();
  }

  /** The state of the same context without its oldest word (where a backoff goes); order 1 → the empty context. */
  backoffState(order: number, id: number): number {
    if (order === 1) return 0;
    const context = this.orders[order];
    return (context.suffixId as Int32Array)[id] * STATE_ORDERS + (context.suffixOrder as Uint8Array)[id];
  }

  advance(state: number, token: number): number {
    this.checkToken(token);
    const highestOrder = this.order;
    if (highestOrder === 1) return 0;
    let order = state % STATE_ORDERS;
    let id = (state - order) / STATE_ORDERS;
    for (;;) {
      if (order === 0) {
        order = 1;
        id = token;
        break;
      }
      if (order + 1 < highestOrder) {
        const child = findChild(this.orders, order + 1, id, token);
        if (child >= 0) {
          order++;
          id = child;
          break;
        }
      }
      const shorter = this.backoffState(order, id);
      order = shorter % STATE_ORDERS;
      id = (shorter - order) / STATE_ORDERS;
    }
    // Keep the state minimal: a context with no children and backoff 0 adds nothing.
    while (order > 0) {
      const context = this.orders[order];
      const childStart = context.childStart as Int32Array;
      if (childStart[id + 1] > childStart[id] || (context.logBackoff as Float32Array)[id] !== 0) break;
      const shorter = this.backoffState(order, id);
      order = shorter % STATE_ORDERS;
      id = (shorter - order) / STATE_ORDERS;
    }
    return id * STATE_ORDERS + order;
  }

  /** log10 p(token | state), following backoffs; sets `lastNgramLength`. */
  log10Prob(state: number, token: number): number {
    if (token === BOS_ID) {
      this.lastNgramLength = 0;
      return Number.NEGATIVE_INFINITY;
    }
    const highestOrder = this.order;
    let order = state % STATE_ORDERS;
    let id = (state - order) / STATE_ORDERS;
    let backoffSum = 0;
    for (;;) {
      if (order === 0) {
        this.lastNgramLength = 1;
        return backoffSum + this.uniLogProb[token];
      }
      if (order < highestOrder) {
        const child = findChild(this.orders, order + 1, id, token);
        if (child >= 0) {
          this.lastNgramLength = order + 1;
          return backoffSum + this.orders[order + 1].logProb[child];
        }
      }
      backoffSum += (this.orders[order].logBackoff as Float32Array)[id];
      const shorter = this.backoffState(order, id);
      order = shorter % STATE_ORDERS;
      id = (shorter - order) / STATE_ORDERS;
    }
  }

  /** log10 probability and matched n-gram length. */
  score(state: number, token: number): TokenScoreDetail {
    this.checkToken(token);
    const log10Prob = this.log10Prob(state, token);
    return { log10Prob, ngramLength: this.lastNgramLength };
  }

  /** Natural-log probability of one token (the LanguageModel fast path). */
  tokenLogProb(state: number, token: number): number {
    this.checkToken(token);
    return this.log10Prob(state, token) * LN10;
  }

  nextLogProbs(state: number): Float64Array {
    const vocabSize = this.vocabSize;
    const out = new Float64Array(vocabSize);
    const unigramLogProb = this.uniLogProb;
    for (let word = 0; word < vocabSize; word++) out[word] = unigramLogProb[word];
    // Contexts from the state down its suffix chain; apply shortest first.
    const chain: number[] = [];
    let order = state % STATE_ORDERS;
    let id = (state - order) / STATE_ORDERS;
    while (order > 0) {
      chain.push(order, id);
      const shorter = this.backoffState(order, id);
      order = shorter % STATE_ORDERS;
      id = (shorter - order) / STATE_ORDERS;
    }
    for (let j = chain.length - 2; j >= 0; j -= 2) {
      const contextOrder = chain[j];
      const contextId = chain[j + 1];
      const context = this.orders[contextOrder];
      const logBackoff = (context.logBackoff as Float32Array)[contextId];
      // Every word not stored below this context backs off through it …
      if (logBackoff !== 0) for (let word = 0; word < vocabSize; word++) out[word] += logBackoff;
      const childStart = context.childStart as Int32Array;
      if (contextOrder >= this.order) continue;
      // … and the stored ones take their own probability instead.
      const children = this.orders[contextOrder + 1];
      const words = children.words as Int32Array;
      const logProb = children.logProb;
      for (let child = childStart[contextId]; child < childStart[contextId + 1]; child++) out[words[child]] = logProb[child];
    }
    out[BOS_ID] = Number.NEGATIVE_INFINITY;
    if (!this.info.padding) out[EOS_ID] = Number.NEGATIVE_INFINITY;
    for (let word = 0; word < vocabSize; word++) out[word] *= LN10;
    return out;
  }

  /**
   * Visit every stored n-gram of order k (blanks excluded) in trie order:
   * fn(words, id) with the word ids oldest first (the array is reused).
   */
  forEachNgram(k: number, fn: (words: Int32Array, id: number) => void): void {
    const path = new Int32Array(k);
    const orders = this.orders;
    const visit = (depth: number, id: number): void => {
      // path[0..depth-1] is set; id is the n-gram of order `depth`.
      if (depth === k) {
        const blank = orders[k].blank;
        if (!blank || !blank[id]) fn(path, id);
        return;
      }
      const childStart = orders[depth].childStart as Int32Array;
      const words = orders[depth + 1].words as Int32Array;
      for (let child = childStart[id]; child < childStart[id + 1]; child++) {
        path[depth] = words[child];
        visit(depth + 1, child);
      }
    };
    for (let word = 0; word < this.vocabSize; word++) {
      path[0] = word;
      visit(1, word);
    }
  }

  private checkToken(token: number): void {
    if (!(token >= 0 && token < this.vocabSize) || !Number.isInteger(token)) {
      throw new RangeError(`n-gram model: token id ${token} is outside the vocabulary 0..${this.vocabSize - 1}`);
    }
  }
}

/** The parent of child id `i`: the c with childStart[c] ≤ i < childStart[c+1] (binary search). */
function parentOf(childStart: Int32Array, i: number): number {
  let lo = 0;
  let hi = childStart.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (childStart[mid] <= i) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
