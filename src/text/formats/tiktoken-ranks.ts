/**
 * The `.tiktoken` rank file format (OpenAI's tiktoken `load_tiktoken_bpe`): one
 * token per line, "base64(token bytes) rank". Ranks are the ids and the merge
 * order. Pure text in, arrays out — no file I/O, so it works in a browser.
 */
import { base64ToBytes, bytesToBase64 } from './base64.js';

/**
 * Parse a `.tiktoken` rank file: one "base64(token bytes) rank" per line.
 * Returns tokens by rank. `what` names the file in errors.
 */
export function parseTiktokenRanks(text: string, what = 'rank file'): Array<Uint8Array | undefined> {
  const tokens: Array<Uint8Array | undefined> = [];
  let lineNumber = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNumber++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line.length === 0) continue;
    const space = line.indexOf(' ');
    if (space <= 0 || line.indexOf(' ', space + 1) >= 0) {
      throw new Error(`${what}, line ${lineNumber}: expected "<base64 token> <rank>", got ${JSON.stringify(line.slice(0, 80))}`);
    }
    const rankText = line.slice(space + 1);
    const rank = Number(rankText);
    if (!/^\d+$/.test(rankText) || !Number.isSafeInteger(rank) || rank > 0x3fffffff) {
      throw new Error(`${what}, line ${lineNumber}: rank ${JSON.stringify(rankText)} is not a non-negative integer`);
    }
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(line.slice(0, space));
    } catch (error) {
      throw new Error(`${what}, line ${lineNumber}: ${(error as Error).message}`);
    }
    if (tokens[rank] !== undefined) throw new Error(`${what}, line ${lineNumber}: rank ${rank} appears twice`);
    tokens[rank] = bytes;
  }
  if (tokens.length === 0) throw new Error(`${what}: no ranks found`);
  return tokens;
}

/** Write tokens by id as a `.tiktoken` rank file (holes skipped). */
export function formatTiktokenRanks(tokens: ReadonlyArray<Uint8Array | undefined>): string {
  const lines: string[] = [];
  tokens.forEach((bytes, id) => {
    if (bytes !== undefined) lines.push(`${bytesToBase64(bytes)} ${id}`);
  });
  return lines.join('\n') + '\n';
}
