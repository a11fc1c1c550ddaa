/**
 * One entry point for "a tokenizer file someone gave me": lmkit's JSON (any
 * kind), a Hugging Face tokenizer.json, a `.tiktoken` rank file, GPT-2's
 * encoder.json. Decided by content (and, for rank files, the file name), so the
 * CLI and library users need not know the format.
 */
import { loadTokenizer } from '../load.js';
import type { Tokenizer } from '../tokenizer.js';
import type { PreTokenizerName } from '../bpe/pretokenize.js';
import { loadHuggingFaceTokenizer } from './hf-json/index.js';
import { KNOWN_TIKTOKEN_ENCODINGS, loadTiktokenFile } from './tiktoken-file.js';

export interface TokenizerTextOptions {
  /** For `.tiktoken` files whose name is not a known encoding: the pattern and specials. */
  pattern?: PreTokenizerName;
  specialTokens?: Readonly<Record<string, number>>;
  /** A known encoding name for a `.tiktoken` file (default: the file's base name, e.g. cl100k_base.tiktoken). */
  encoding?: string;
}

/**
 * Load a tokenizer from a file's text. `fileName` (a path is fine) names the file
 * in errors and, for `.tiktoken` files, gives the encoding.
 */
export function loadTokenizerText(text: string, fileName: string, options: TokenizerTextOptions = {}): Tokenizer {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  if (base.endsWith('.tiktoken')) {
    const stem = base.slice(0, -'.tiktoken'.length);
    const encoding = options.encoding ?? (stem in KNOWN_TIKTOKEN_ENCODINGS ? stem : undefined);
    return loadTiktokenFile(text, { encoding, pattern: options.pattern, specialTokens: options.specialTokens, source: fileName, name: stem });
  }
  const start = text.trimStart();
  if (start.startsWith('{')) {
    // Cheap sniffing on the first bytes avoids parsing multi-megabyte files twice.
    const head = start.slice(0, 4096);
    if (/"format"\s*:\s*"lmkit-tokenizer"/.test(head)) return loadTokenizer(text, fileName);
    if (/"model"\s*:/.test(text) && /"(added_tokens|pre_tokenizer|normalizer)"\s*:/.test(text)) return loadHuggingFaceTokenizer(text, { source: fileName });
    return loadTokenizer(text, fileName);
  }
  throw new Error(`${fileName}: not a tokenizer file lmkit knows (lmkit JSON, Hugging Face tokenizer.json, or a .tiktoken rank file)`);
}
