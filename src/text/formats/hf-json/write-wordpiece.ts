/** Writing a WordPiece `tokenizer.json` (BERT's layout) for a WordPieceTokenizer. */
import type { WordPieceTokenizer } from '../../wordpiece.js';
import { tokenizerJsonText } from './common.js';

export function wordPieceJson(tokenizer: WordPieceTokenizer): string {
  // No prototype: a token spelled "__proto__" must stay an ordinary key. A repeated token keeps its first id.
  const vocab = Object.create(null) as Record<string, number>;
  tokenizer.vocab.forEach((token, id) => {
    if (!(token in vocab)) vocab[token] = id;
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
