/**
 * The BPE variants of seed 004 ("Other tokenization variants") as data:
 *
 * - base unit: characters, or UTF-8 bytes (all 256 in the alphabet, so any text
 *   encodes without <unk>; GPT-2);
 * - pre-tokenization: GPT-2 regex, GPT-4 (cl100k) regex, whitespace split, or
 *   none (tokens may span words; SentencePiece style);
 * - whitespace:
 *     'attach'       kept inside the following token, as in the text (GPT-2 " hug");
 *     'metaspace'    kept, but written as ▁ (U+2581) in tokens (SentencePiece);
 *     'continuation' stripped; every piece after the first in a word carries a
 *                    prefix (BERT "##ization"); decode puts a space before each
 *                    piece without it (seed: ["I","li","#ke"] → "I like");
 *     'endOfWord'    stripped; the last piece of a word carries a suffix (the
 *                    original BPE paper, Sennrich et al. 2016: "low</w>").
 *   The last two lose whitespace information (seed: Tokenize("I eat cake.") ==
 *   Tokenize(" I eat cake .")).
 */
import type { PreTokenizerName } from './pretokenize.js';

export type BaseUnit = 'byte' | 'char';
export type WhitespaceMode = 'attach' | 'metaspace' | 'continuation' | 'endOfWord';
export type MergeObjective = 'frequency' | 'wordpiece';

export const BASE_UNITS: readonly BaseUnit[] = ['byte', 'char'];
export const PRE_TOKENIZERS: readonly PreTokenizerName[] = ['gpt2', 'cl100k', 'whitespace', 'none'];
export const WHITESPACE_MODES: readonly WhitespaceMode[] = ['attach', 'metaspace', 'continuation', 'endOfWord'];
export const MERGE_OBJECTIVES: readonly MergeObjective[] = ['frequency', 'wordpiece'];

/** U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible space. */
export const METASPACE = '\u2581';

/** Everything that decides how text becomes symbols (shared by the trainer and the model). */
export interface BpeVariant {
  base: BaseUnit;
  preTokenizer: PreTokenizerName;
  whitespace: WhitespaceMode;
  /** Marker of non-initial pieces in 'continuation' mode. */
  continuationPrefix: string;
  /** Marker of word-final pieces in 'endOfWord' mode. */
  endOfWordSuffix: string;
  /** Token for characters outside a char-level alphabet; null makes them an error. Byte-level models never need one. */
  unkToken: string | null;
}

export const DEFAULT_VARIANT: Readonly<BpeVariant> = {
  base: 'byte',
  preTokenizer: 'gpt2',
  whitespace: 'attach',
  continuationPrefix: '##',
  endOfWordSuffix: '</w>',
  unkToken: null,
};

/**
 * How a position in a word is marked, by whitespace mode: not at all, every
 * position after the first ('continuation'), or the last one ('endOfWord').
 */
export type MarkRule = 'none' | 'nonInitial' | 'final';

export function markRule(mode: WhitespaceMode): MarkRule {
  return mode === 'continuation' ? 'nonInitial' : mode === 'endOfWord' ? 'final' : 'none';
}

/**
 * Named presets for the variants the seed's table lists (the CLI's `--variant`).
 * Explicit options override a preset.
 */
export const BPE_PRESETS: Readonly<Record<string, Partial<BpeVariant> & { objective?: MergeObjective }>> = {
  /** GPT-2/3: byte-level, GPT-2 regex, spaces inside tokens. */
  gpt2: { base: 'byte', preTokenizer: 'gpt2', whitespace: 'attach' },
  /** GPT-3.5/4: byte-level, cl100k regex. */
  gpt4: { base: 'byte', preTokenizer: 'cl100k', whitespace: 'attach' },
  /** SentencePiece-style BPE: characters, no pre-tokenization, spaces as ▁. */
  sentencepiece: { base: 'char', preTokenizer: 'none', whitespace: 'metaspace', unkToken: '<unk>' },
  /** Byte-level without pre-tokenization (Jurassic in the seed's table). */
  'byte-none': { base: 'byte', preTokenizer: 'none', whitespace: 'attach' },
  /** The original BPE paper (Sennrich et al.): characters, words, end-of-word suffix </w>. */
  sennrich: { base: 'char', preTokenizer: 'whitespace', whitespace: 'endOfWord', unkToken: '<unk>' },
  /** OpenAI GPT (2018): characters, regex words, </w>. */
  gpt: { base: 'char', preTokenizer: 'gpt2', whitespace: 'endOfWord', unkToken: '<unk>' },
  /** BERT-style WordPiece: characters, ## continuation, likelihood objective. */
  wordpiece: { base: 'char', preTokenizer: 'gpt2', whitespace: 'continuation', objective: 'wordpiece', unkToken: '[UNK]' },
};

const WHITE_SPACE_NON_ASCII = new Set([0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]);

/** Unicode White_Space (what Rust's `\s` and the pre-tokenizers use); note JS `\s` differs (U+FEFF, U+0085). */
export function isWhiteSpaceCode(code: number): boolean {
  if (code < 0x80) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return (code >= 0x2000 && code <= 0x200a) || WHITE_SPACE_NON_ASCII.has(code);
}
