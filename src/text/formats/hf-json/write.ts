/** Writing a `tokenizer.json`: pick the writer for the model family, or say why it cannot be exported. */
import { TiktokenTokenizer } from '../../tiktoken.js';
import { WordPieceTokenizer } from '../../wordpiece.js';
import type { BpeModel } from '../../bpe/model.js';
import { byteLevelBpeModelJson, tiktokenJson } from './write-byte-bpe.js';
import { charLevelJson } from './write-char-bpe.js';
import { wordPieceJson } from './write-wordpiece.js';

/** A BpeModel, recognised by its kind. */
function isBpeModel(value: unknown): value is BpeModel {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'bpe';
}

/**
 * A Hugging Face `tokenizer.json` for a byte-level model (TiktokenTokenizer, a
 * BpeModel with base 'byte' and whitespace 'attach'), a char-level BpeModel
 * (any whitespace mode and pre-tokenizer; it needs an unkToken) or a
 * WordPieceTokenizer. Loading it back with `loadHuggingFaceTokenizer` gives the
 * same ids; models Hugging Face cannot run exactly throw an error naming why.
 */
export function toHuggingFaceJson(tokenizer: TiktokenTokenizer | BpeModel | WordPieceTokenizer): string {
  if (tokenizer instanceof TiktokenTokenizer) return tiktokenJson(tokenizer);
  if (tokenizer instanceof WordPieceTokenizer) return wordPieceJson(tokenizer);
  if (isBpeModel(tokenizer)) {
    const { base, whitespace } = tokenizer.variant;
    if (base === 'char') return charLevelJson(tokenizer);
    if (whitespace !== 'attach') {
      throw new Error(
        `toHuggingFaceJson: a BPE model with base '${base}' and whitespace '${whitespace}' cannot be exported; ` +
          `lmkit exports byte-level models only with whitespace 'attach' (GPT-2 style), which Hugging Face runs exactly (char-level models export in every whitespace mode)`,
      );
    }
    return byteLevelBpeModelJson(tokenizer);
  }
  throw new Error('toHuggingFaceJson: expected a TiktokenTokenizer, a BpeModel or a WordPieceTokenizer');
}
