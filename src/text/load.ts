/**
 * Reading lmkit's tokenizer JSON back, for every kind, through a small registry:
 * each kind registers a reader for its fields; `loadTokenizer` checks the common
 * header (./json.ts) and dispatches on `kind`. Other kinds (tiktoken ranks,
 * imported tokenizer.json models) register themselves the same way.
 */
import { BpeModel } from './bpe/model.js';
import { CharTokenizer } from './char.js';
import { parseTokenizerJson, TokenizerFormatError, withSourceInErrors, type JsonObject } from './json.js';
import type { Tokenizer } from './tokenizer.js';
import { WordPieceTokenizer } from './wordpiece.js';
import { WordTokenizer } from './word.js';
import { TiktokenTokenizer } from './tiktoken.js';

/** Builds a tokenizer from its parsed JSON object (header already checked); throws TokenizerFormatError on a bad field. */
export type TokenizerFromJson = (json: JsonObject) => Tokenizer;

const readers = new Map<string, TokenizerFromJson>();

export function registerTokenizerKind(kind: string, fromJson: TokenizerFromJson): void {
  readers.set(kind, fromJson);
}

export function registeredTokenizerKinds(): string[] {
  return [...readers.keys()].sort();
}

registerTokenizerKind('char', (json) => CharTokenizer.fromJson(json));
registerTokenizerKind('word', (json) => WordTokenizer.fromJson(json));
registerTokenizerKind('bpe', (json) => BpeModel.fromJson(json));
registerTokenizerKind('wordpiece', (json) => WordPieceTokenizer.fromJson(json));
registerTokenizerKind('tiktoken', (json) => TiktokenTokenizer.fromJson(json));

/**
 * Parse a tokenizer saved with `save()`. `source` (a file name) prefixes error
 * messages: `tok.json: field "merges[3][1]": id 9000 is not a base symbol…`.
 */
export function loadTokenizer(json: string, source = 'tokenizer JSON'): Tokenizer {
  return withSourceInErrors(source, () => {
    const obj = parseTokenizerJson(json);
    const kind = obj.kind as string;
    const reader = readers.get(kind);
    if (!reader) throw new TokenizerFormatError('kind', `unknown tokenizer kind ${JSON.stringify(kind)} (known: ${registeredTokenizerKinds().join(', ')})`);
    return reader(obj);
  });
}
