/**
 * Reading a WordPiece `tokenizer.json` (BERT): BertNormalizer +
 * BertPreTokenizer + WordPiece model. Runs on WordPieceTokenizer.
 */
import { WordPieceTokenizer } from '../../wordpiece.js';
import { asBoolean, asNonNegativeInt, asObject, asString, fail, type JsonObject } from '../../json.js';
import type { AddedToken } from './common.js';

export function loadWordPiece(root: JsonObject, model: JsonObject, added: AddedToken[]): WordPieceTokenizer {
  const { lowercase, stripAccents } = readNormalizer(root);
  if (root.pre_tokenizer !== undefined && root.pre_tokenizer !== null) {
    const pre = asObject(root.pre_tokenizer, 'pre_tokenizer');
    if (pre.type !== 'BertPreTokenizer') fail('pre_tokenizer.type', `expected "BertPreTokenizer", got ${JSON.stringify(pre.type)}`);
  }
  const byId = readVocab(model);
  for (const token of added) {
    if (byId[token.id] !== token.content) fail('added_tokens', `${JSON.stringify(token.content)} (id ${token.id}) is not the vocabulary token with that id`);
  }
  const maxChars = model.max_input_chars_per_word;
  return new WordPieceTokenizer(byId, {
    unkToken: model.unk_token === undefined ? undefined : asString(model.unk_token, 'model.unk_token'),
    continuationPrefix: model.continuing_subword_prefix === undefined ? undefined : asString(model.continuing_subword_prefix, 'model.continuing_subword_prefix'),
    lowercase,
    stripAccents: stripAccents ?? lowercase,
    maxInputCharsPerWord: maxChars === undefined ? undefined : asNonNegativeInt(maxChars, 'model.max_input_chars_per_word'),
    specialTokens: added.filter((token) => token.special).map((token) => token.content),
  });
}

/** BertNormalizer's case and accent settings (a missing normalizer means BERT's uncased defaults). */
function readNormalizer(root: JsonObject): { lowercase: boolean; stripAccents: boolean | undefined } {
  let lowercase = true;
  let stripAccents: boolean | undefined;
  if (root.normalizer !== undefined && root.normalizer !== null) {
    const normalizer = asObject(root.normalizer, 'normalizer');
    if (normalizer.type !== 'BertNormalizer') fail('normalizer.type', `expected "BertNormalizer", got ${JSON.stringify(normalizer.type)}`);
    if (normalizer.lowercase !== undefined) lowercase = asBoolean(normalizer.lowercase, 'normalizer.lowercase');
    if (normalizer.strip_accents !== undefined && normalizer.strip_accents !== null) stripAccents = asBoolean(normalizer.strip_accents, 'normalizer.strip_accents');
    for (const flag of ['clean_text', 'handle_chinese_chars'] as const) {
      if (normalizer[flag] === false) fail(`normalizer.${flag}`, 'false is not supported (lmkit always applies BERT\'s basic tokenizer)');
    }
  }
  return { lowercase, stripAccents };
}

/** The vocabulary as a list by id; WordPiece ids must be 0..n-1 without gaps. */
function readVocab(model: JsonObject): string[] {
  const vocab = asObject(model.vocab, 'model.vocab');
  const byId: string[] = [];
  for (const [token, idValue] of Object.entries(vocab)) {
    const id = asNonNegativeInt(idValue, `model.vocab[${JSON.stringify(token)}]`);
    if (byId[id] !== undefined) fail(`model.vocab[${JSON.stringify(token)}]`, `id ${id} is used twice`);
    byId[id] = token;
  }
  for (let id = 0; id < byId.length; id++) if (byId[id] === undefined) fail('model.vocab', `id ${id} is missing (WordPiece ids must be 0..${byId.length - 1})`);
  return byId;
}
