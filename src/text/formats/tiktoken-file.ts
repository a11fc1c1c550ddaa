/**
 * Build a tokenizer from a `.tiktoken` rank file (the format OpenAI publishes,
 * e.g. cl100k_base.tiktoken) plus the pieces the file does not contain: the
 * pre-tokenizer pattern and the special tokens. For the known encodings those
 * come from a table that mirrors tiktoken's `tiktoken_ext/openai_public.py`.
 *
 * The library never fetches rank files; the caller reads one (in node:
 * `readTextFile`) and passes its text.
 */
import { TiktokenTokenizer } from '../tiktoken.js';
import type { PreTokenizerName } from '../bpe/pretokenize.js';
import { parseTiktokenRanks } from './tiktoken-ranks.js';

export interface KnownEncoding {
  pattern: PreTokenizerName;
  specialTokens: Readonly<Record<string, number>>;
}

/** Pattern and special tokens of OpenAI's public encodings (tiktoken_ext/openai_public.py). */
export const KNOWN_TIKTOKEN_ENCODINGS: Readonly<Record<string, KnownEncoding>> = {
  gpt2: { pattern: 'gpt2', specialTokens: { '<|endoftext|>': 50256 } },
  r50k_base: { pattern: 'gpt2', specialTokens: { '<|endoftext|>': 50256 } },
  p50k_base: { pattern: 'gpt2', specialTokens: { '<|endoftext|>': 50256 } },
  p50k_edit: {
    pattern: 'gpt2',
    specialTokens: { '<|endoftext|>': 50256, '<|fim_prefix|>': 50281, '<|fim_middle|>': 50282, '<|fim_suffix|>': 50283 },
  },
  cl100k_base: {
    pattern: 'cl100k',
    specialTokens: {
      '<|endoftext|>': 100257,
      '<|fim_prefix|>': 100258,
      '<|fim_middle|>': 100259,
      '<|fim_suffix|>': 100260,
      '<|endofprompt|>': 100276,
    },
  },
};

export interface TiktokenFileOptions {
  /**
   * A known encoding name ('gpt2', 'r50k_base', 'p50k_base', 'p50k_edit',
   * 'cl100k_base') supplies the pattern and special tokens; `pattern` and
   * `specialTokens` override them.
   */
  encoding?: string;
  pattern?: PreTokenizerName;
  specialTokens?: Readonly<Record<string, number>>;
  /** Name used in messages and saved files (default: the encoding name or 'tiktoken'). */
  name?: string;
  /** Names the source in error messages, e.g. the file path. */
  source?: string;
  cacheSize?: number;
}

/**
 * Load a `.tiktoken` rank file's text.
 *
 *   const text = await readFile('cl100k_base.tiktoken', 'utf8');
 *   const tok = loadTiktokenFile(text, { encoding: 'cl100k_base' });
 */
export function loadTiktokenFile(rankFileText: string, options: TiktokenFileOptions = {}): TiktokenTokenizer {
  const source = options.source ?? 'rank file';
  let known: KnownEncoding | undefined;
  if (options.encoding !== undefined) {
    known = KNOWN_TIKTOKEN_ENCODINGS[options.encoding];
    if (known === undefined) {
      throw new Error(
        `${source}: unknown encoding '${options.encoding}' (known: ${Object.keys(KNOWN_TIKTOKEN_ENCODINGS).join(', ')}); pass pattern and specialTokens instead`,
      );
    }
  }
  const pattern = options.pattern ?? known?.pattern;
  if (pattern === undefined) throw new Error(`${source}: no pre-tokenizer pattern; pass encoding (e.g. 'cl100k_base') or pattern ('gpt2' | 'cl100k')`);
  return new TiktokenTokenizer({
    name: options.name ?? options.encoding ?? 'tiktoken',
    tokens: parseTiktokenRanks(rankFileText, source),
    pattern,
    specialTokens: options.specialTokens ?? known?.specialTokens ?? {},
    cacheSize: options.cacheSize,
  });
}
