/** Writing a WordPiece `tokenizer.json` (BERT's layout) for a WordPieceTokenizer. */
import type { WordPieceTokenizer } from '../../wordpiece.js';
import { tokenizerJsonText } from './common.js';

export function wordPieceJson(tokenizer: WordPieceTokenizer): string {
  // No prototype: a token spelled "__proto__" must stay an ordinary key.
  const vocab = Object.create(null) as Record<string, number>;
  tokenizer.vocab.forEach((token, id) => {
    // tokenizer.json maps each token to one id, so a vocabulary line repeated
    // (BERT keeps its last id) would leave the other id out of the file, and a
    // reader needing ids 0..n-1 could not load it. vocab.txt keeps every line.
    const first = vocab[token];
    if (first !== undefined) {
      throw new Error(
        `toHuggingFaceJson: the WordPiece vocabulary lists ${JSON.stringify(token)} twice (ids ${first} and ${id}); ` +
          `tokenizer.json holds one id per token, so the file would lose id ${first} — write vocab.txt (vocabText()) instead`,
      );
    }
    vocab[token] = id;
  });
  return tokenizerJsonText({
    specials: tokenizer.specialTokens,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: tokenizer.stripAccents, lowercase: tokenizer.lowercase },
    preTokenizer: { type: 'BertPreTokenizer' },
    decoder: { type: 'WordPiece', prefix: tokenizer.continuationPrefix, cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: tokenizer.unkToken,
      continuing_subword_prefix: tokenizer.continuationPrefix,
      max_input_chars_per_word: tokenizer.maxInputCharsPerWord,
      vocab,
    },
  });
}
