/**
 * Merges from ranks: a tiktoken rank file has no merges list, but every token
 * of two or more bytes is the merge of exactly two lower-ranked tokens — the
 * two parts that byte-pair merging of its own bytes, using only lower ranks,
 * ends with. This is how GPT-2's vocab.bpe relates to its ranks, and how
 * Hugging Face converts tiktoken models (transformers' TikTokenConverter).
 */
import { ByteTokenTable } from '../bpe/byte-token-table.js';

/**
 * For each token id of ≥ 2 bytes, in rank order: [left id, right id] with
 * left + right = the token's bytes. Throws if a token is not reachable by
 * merges (then no merges list reproduces the ranks).
 */
export function mergesFromRanks(table: ByteTokenTable, what = 'ranks'): Array<[number, number]> {
  const merges: Array<[number, number]> = [];
  const parts = new Int32Array(64);
  const starts = new Int32Array(65);
  for (let id = 0; id < table.size; id++) {
    if (!table.has(id)) continue;
    const bytes = table.bytes(id);
    if (bytes.length < 2) continue;
    // Parts as byte ranges [starts[i], starts[i + 1]); merge the lowest-ranked adjacent pair below `id`.
    const count0 = bytes.length;
    const partStarts = count0 + 1 <= starts.length ? starts : new Int32Array(count0 + 1);
    const partIds = count0 <= parts.length ? parts : new Int32Array(count0);
    for (let i = 0; i <= count0; i++) partStarts[i] = i;
    let count = count0;
    for (let i = 0; i < count; i++) partIds[i] = table.lookup(bytes, i, i + 1);
    for (;;) {
      let best = id;
      let at = -1;
      for (let i = 0; i + 1 < count; i++) {
        const rank = table.lookup(bytes, partStarts[i]!, partStarts[i + 2]!);
        if (rank >= 0 && rank < best) {
          best = rank;
          at = i;
        }
      }
      if (at < 0) break;
      partIds[at] = best;
      partStarts.copyWithin(at + 1, at + 2, count + 1);
      partIds.copyWithin(at + 1, at + 2, count);
      count--;
    }
    if (count !== 2 || partIds[0]! < 0 || partIds[1]! < 0) {
      throw new Error(`${what}: token id ${id} is not the merge of two lower-ranked tokens (merging its bytes ends in ${count} parts)`);
    }
    merges.push([partIds[0]!, partIds[1]!]);
  }
  return merges;
}
