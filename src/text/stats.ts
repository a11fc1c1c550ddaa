/**
 * Corpus statistics of a tokenizer: how many tokens, bytes per token (the
 * compression a vocabulary buys), how often <unk> appears, how much of the
 * vocabulary is used, which tokens are most frequent.
 */
import type { Tokenizer } from './tokenizer.js';

export interface TokenizerStats {
  tokens: number;
  characters: number;
  bytes: number;
  bytesPerToken: number;
  unknownTokens: number;
  unknownRate: number;
  vocabSize: number;
  tokensUsed: number;
  /** Most frequent tokens, most frequent first (ties: smaller id). */
  top: { id: number; token: string; count: number }[];
  /** Most frequent tokens longer than one base unit (for BPE: the merges that fire most). */
  topMerged: { id: number; token: string; count: number }[];
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

export class TokenStatsCollector {
  private readonly counts: Float64Array;
  private tokens = 0;
  private characters = 0;
  private bytes = 0;

  constructor(private readonly tokenizer: Tokenizer) {
    this.counts = new Float64Array(tokenizer.vocabSize);
  }

  /** Encode `text` (special-token text counts as ordinary text) and count. */
  add(text: string): void {
    const ids = this.tokenizer.encode(text, { disallowedSpecial: [] });
    for (const id of ids) this.counts[id]++;
    this.tokens += ids.length;
    this.characters += text.length;
    this.bytes += utf8Length(text);
  }

  result(topCount = 10): TokenizerStats {
    const unknownId = this.tokenizer.unknownTokenId;
    const unknownTokens = unknownId === undefined ? 0 : this.counts[unknownId];
    const order = Array.from(this.counts.keys()).filter((id) => this.counts[id] > 0);
    order.sort((a, b) => this.counts[b] - this.counts[a] || a - b);
    const describe = (id: number): { id: number; token: string; count: number } => ({ id, token: this.tokenizer.idToToken(id) ?? `<id ${id}>`, count: this.counts[id] });
    // Longer than one character once a continuation prefix / end-of-word suffix is removed.
    const isMerged = (id: number): boolean => {
      const token = this.tokenizer.idToToken(id) ?? '';
      if (this.tokenizer.specialTokens.has(token)) return false;
      return Array.from(token.replace(/^##|<\/w>$/u, '')).length > 1;
    };
    return {
      tokens: this.tokens,
      characters: this.characters,
      bytes: this.bytes,
      bytesPerToken: this.tokens > 0 ? this.bytes / this.tokens : 0,
      unknownTokens,
      unknownRate: this.tokens > 0 ? unknownTokens / this.tokens : 0,
      vocabSize: this.tokenizer.vocabSize,
      tokensUsed: order.length,
      top: order.slice(0, topCount).map(describe),
      topMerged: order.filter(isMerged).slice(0, topCount).map(describe),
    };
  }
}

export function tokenizerStats(tokenizer: Tokenizer, texts: string | Iterable<string>, topCount = 10): TokenizerStats {
  const collector = new TokenStatsCollector(tokenizer);
  for (const text of typeof texts === 'string' ? [texts] : texts) collector.add(text);
  return collector.result(topCount);
}
