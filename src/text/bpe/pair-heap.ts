/**
 * Max-heap of candidate merges for the trainer, ordered by the documented
 * tie-break (see ./learn.ts): higher score, then higher pair count, then the
 * smaller left id, then the smaller right id. Entries are snapshots
 * (score, count) of a pair at push time; the trainer discards those that no
 * longer match the pair's current state (lazy invalidation).
 */
import type { PairIndex } from './pair-index.js';

export class PairHeap {
  size = 0;
  private scores = new Float64Array(1024);
  private counts = new Float64Array(1024);
  private pairIds = new Int32Array(1024);

  constructor(private readonly pairs: PairIndex) {}

  /** Is entry i better (closer to the top) than entry j? */
  private better(i: number, j: number): boolean {
    const { scores, counts } = this;
    if (scores[i] !== scores[j]) return scores[i] > scores[j];
    if (counts[i] !== counts[j]) return counts[i] > counts[j];
    const a = this.pairIds[i];
    const b = this.pairIds[j];
    const { left, right } = this.pairs;
    if (left[a] !== left[b]) return left[a] < left[b];
    return right[a] < right[b];
  }

  private swap(i: number, j: number): void {
    const { scores, counts, pairIds } = this;
    const s = scores[i];
    scores[i] = scores[j];
    scores[j] = s;
    const c = counts[i];
    counts[i] = counts[j];
    counts[j] = c;
    const p = pairIds[i];
    pairIds[i] = pairIds[j];
    pairIds[j] = p;
  }

  push(pair: number, score: number, count: number): void {
    if (this.size === this.scores.length) {
      const capacity = this.size * 2;
      const scores = new Float64Array(capacity);
      scores.set(this.scores);
      this.scores = scores;
      const counts = new Float64Array(capacity);
      counts.set(this.counts);
      this.counts = counts;
      const pairIds = new Int32Array(capacity);
      pairIds.set(this.pairIds);
      this.pairIds = pairIds;
    }
    let i = this.size++;
    this.scores[i] = score;
    this.counts[i] = count;
    this.pairIds[i] = pair;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.better(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  get topPair(): number {
    return this.pairIds[0];
  }
  get topScore(): number {
    return this.scores[0];
  }
  get topCount(): number {
    return this.counts[0];
  }

  pop(): void {
    const last = --this.size;
    if (last === 0) return;
    this.swap(0, last);
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      const child = r < last && this.better(r, l) ? r : l;
      if (!this.better(child, i)) break;
      this.swap(i, child);
      i = child;
    }
  }
}
