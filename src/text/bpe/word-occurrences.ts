/**
 * For each pair the BPE trainer counts, the words it occurs in, so that a merge
 * rewrites only those words instead of the whole corpus (the speed-up over seed
 * 004's literal "recount every pair, rewrite every word"; see ./learn.ts).
 *
 * The lists are singly linked through a pool of typed-array nodes, so adding an
 * occurrence allocates nothing. They may be stale (a word that no longer holds
 * the pair) or repeat a word: the trainer checks each word when it merges, and
 * skips a word it has already rewritten for the current merge.
 */
import { grownInt32 } from './grow.js';

export class WordOccurrences {
  /** First node of pair p's list, or -1 for an empty list. */
  private head: Int32Array;
  /** Node n holds the word nodeWord[n] and links to nodeNext[n] (-1 ends the list). */
  private nodeWord: Int32Array;
  private nodeNext: Int32Array;
  /** Nodes 0 .. usedNodes - 1 have been handed out at least once. */
  private usedNodes = 0;
  /** Released nodes, linked through nodeNext, reused before new ones. */
  private freeNode = -1;

  constructor(pairCapacity: number, nodeCapacity: number) {
    this.head = new Int32Array(pairCapacity).fill(-1);
    this.nodeWord = new Int32Array(nodeCapacity);
    this.nodeNext = new Int32Array(nodeCapacity);
  }

  /** Make room for pair numbers below `pairCapacity` (new pairs start with empty lists). */
  growPairs(pairCapacity: number): void {
    this.head = grownInt32(this.head, pairCapacity, -1);
  }

  /** Record that `pair` occurs in `word`; a repeat of the word just added is skipped. */
  add(pair: number, word: number): void {
    const head = this.head[pair];
    if (head >= 0 && this.nodeWord[head] === word) return;
    const node = this.takeNode();
    this.nodeWord[node] = word;
    this.nodeNext[node] = head;
    this.head[pair] = node;
  }

  /**
   * Call `visit` with every word on the pair's list (stale ones and repeats
   * included) and empty the list. Its nodes go back to the pool: once merged, a
   * pair never occurs again.
   */
  drain(pair: number, visit: (word: number) => void): void {
    let node = this.head[pair];
    this.head[pair] = -1;
    while (node >= 0) {
      const word = this.nodeWord[node];
      const following = this.nodeNext[node];
      this.nodeNext[node] = this.freeNode;
      this.freeNode = node;
      node = following;
      visit(word);
    }
  }

  private takeNode(): number {
    if (this.freeNode >= 0) {
      const node = this.freeNode;
      this.freeNode = this.nodeNext[node];
      return node;
    }
    if (this.usedNodes === this.nodeWord.length) this.growNodes(this.usedNodes * 2);
    return this.usedNodes++;
  }

  private growNodes(nodeCapacity: number): void {
    this.nodeWord = grownInt32(this.nodeWord, nodeCapacity);
    this.nodeNext = grownInt32(this.nodeNext, nodeCapacity);
  }
}
