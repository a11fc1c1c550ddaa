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
    for (let k = 1; k <= this.order; k++) {
      const o = this.orders[k];
      let n = o.size;
      if (o.blank) for (let i = 0; i < o.size; i++) n -= o.blank[i];
      out.push(n);
    }
    return out;
  }

  /** Bytes of all typed arrays of the model (vocabulary strings not included). */
  byteLength(): number {
    let bytes = 0;
    for (let k = 1; k <= this.order; k++) {
      const o = this.orders[k];
      for (const a of [o.words, o.logProb, o.logBackoff, o.childStart, o.suffixId, o.suffixOrder, o.blank, o.slots]) bytes += a?.byteLength ?? 0;
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
    let s = start;
    for (let i = 0; i < tokens.length; i++) s = this.advance(s, tokens[i]);
    return s;
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
    let k = order;
    let i = id;
    while (k >= 2) {
      const o = this.orders[k];
      words.push((o.words as Int32Array)[i]);
      i = parentOf(this.orders[k - 1].childStart as Int32Array, i);
      k--;
    }
    words.push(i);
    return words.reverse();
  }

  /** The state of the same context without its oldest word (where a backoff goes); order 1 → the empty context. */
  backoffState(order: number, id: number): number {
    if (order === 1) return 0;
    const o = this.orders[order];
    return (o.suffixId as Int32Array)[id] * STATE_ORDERS + (o.suffixOrder as Uint8Array)[id];
  }

  advance(state: number, token: number): number {
    this.checkToken(token);
    const N = this.order;
    if (N === 1) return 0;
    let order = state % STATE_ORDERS;
    let id = (state - order) / STATE_ORDERS;
    for (;;) {
      if (order === 0) {
        order = 1;
        id = token;
        break;
      }
      if (order + 1 < N) {
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
      const o = this.orders[order];
      const cs = o.childStart as Int32Array;
      if (cs[id + 1] > cs[id] || (o.logBackoff as Float32Array)[id] !== 0) break;
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
    const N = this.order;
    let order = state % STATE_ORDERS;
    let id = (state - order) / STATE_ORDERS;
    let acc = 0;
    for (;;) {
      if (order === 0) {
        this.lastNgramLength = 1;
        return acc + this.uniLogProb[token];
      }
      if (order < N) {
        const child = findChild(this.orders, order + 1, id, token);
        if (child >= 0) {
          this.lastNgramLength = order + 1;
          return acc + this.orders[order + 1].logProb[child];
        }
      }
      const o = this.orders[order];
      acc += (o.logBackoff as Float32Array)[id];
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
    const V = this.vocabSize;
    const out = new Float64Array(V);
    const uni = this.uniLogProb;
    for (let w = 0; w < V; w++) out[w] = uni[w];
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
      const k = chain[j];
      const c = chain[j + 1];
      const o = this.orders[k];
      const b = (o.logBackoff as Float32Array)[c];
      if (b !== 0) for (let w = 0; w < V; w++) out[w] += b;
      const cs = o.childStart as Int32Array;
      if (k >= this.order) continue;
      const child = this.orders[k + 1];
      const words = child.words as Int32Array;
      const lp = child.logProb;
      for (let i = cs[c]; i < cs[c + 1]; i++) out[words[i]] = lp[i];
    }
    out[BOS_ID] = Number.NEGATIVE_INFINITY;
    if (!this.info.padding) out[EOS_ID] = Number.NEGATIVE_INFINITY;
    for (let w = 0; w < V; w++) out[w] *= LN10;
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
      const cs = orders[depth].childStart as Int32Array;
      const words = orders[depth + 1].words as Int32Array;
      for (let child = cs[id]; child < cs[id + 1]; child++) {
        path[depth] = words[child];
        visit(depth + 1, child);
      }
    };
    for (let w = 0; w < this.vocabSize; w++) {
      path[0] = w;
      visit(1, w);
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
