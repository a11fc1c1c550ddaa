/** Reading a `tokenizer.json`: parse, pick the model family, and name the file in errors. */
import type { TiktokenTokenizer } from '../../tiktoken.js';
import type { WordPieceTokenizer } from '../../wordpiece.js';
import type { BpeModel } from '../../bpe/model.js';
import { asObject, asString, fail, withSourceInErrors, type JsonObject } from '../../json.js';
import { readAddedTokens } from './common.js';
import { loadByteLevelBpe } from './read-byte-bpe.js';
import { loadCharLevelBpe } from './read-char-bpe.js';
import { loadWordPiece } from './read-wordpiece.js';

export interface HuggingFaceLoadOptions {
  /** Names the file in error messages. */
  source?: string;
  cacheSize?: number;
}

/**
 * Load a Hugging Face `tokenizer.json` (its text). Errors name the file and the
 * JSON field: `tokenizer.json: field "model.merges[12]": …`.
 */
export function loadHuggingFaceTokenizer(jsonText: string, options: HuggingFaceLoadOptions = {}): TiktokenTokenizer | WordPieceTokenizer | BpeModel {
  return withSourceInErrors(options.source ?? 'tokenizer.json', () => loadParsed(parseJson(jsonText), options));
}

function parseJson(jsonText: string): unknown {
  try {
    return JSON.parse(jsonText);
  } catch (error) {
    fail('(file)', `not valid JSON (${(error as Error).message})`);
  }
}

function loadParsed(parsed: unknown, options: HuggingFaceLoadOptions): TiktokenTokenizer | WordPieceTokenizer | BpeModel {
  const root = asObject(parsed, '(top level)');
  const model = asObject(root.model, 'model');
  const type = model.type === undefined ? ('merges' in model ? 'BPE' : 'WordPiece') : asString(model.type, 'model.type');
  const added = readAddedTokens(root.added_tokens);
  if (type === 'BPE') {
    const byteLevel = mentionsByteLevel(root.pre_tokenizer) || mentionsByteLevel(root.decoder);
    return byteLevel ? loadByteLevelBpe(root, model, added, options.cacheSize) : loadCharLevelBpe(root, model, added);
  }
  if (type === 'WordPiece') return loadWordPiece(root, model, added);
  fail('model.type', `${JSON.stringify(type)} is not supported (lmkit reads "BPE" — byte-level, or character-level as lmkit exports it — and "WordPiece")`);
}

/** Does this pre-tokenizer / decoder (or a step of its Sequence) say ByteLevel? */
function mentionsByteLevel(node: unknown): boolean {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return false;
  const object = node as JsonObject;
  if (object.type === 'ByteLevel') return true;
  for (const key of ['pretokenizers', 'decoders'] as const) {
    const steps = object[key];
    if (Array.isArray(steps) && steps.some(mentionsByteLevel)) return true;
  }
  return false;
}
