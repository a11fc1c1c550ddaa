/**
 * Pieces of Hugging Face's `tokenizer.json` that the readers and writers of
 * every model family share: added tokens, merge entries, the split patterns we
 * recognise, the Metaspace settings lmkit runs and the file's top-level layout.
 */
import { METASPACE } from '../../bpe/variant.js';
import { PRE_TOKENIZER_PATTERNS, type PreTokenizerName } from '../../bpe/pretokenize.js';
import { asArray, asBoolean, asNonNegativeInt, asObject, asString, fail, type JsonObject } from '../../json.js';

/** Patterns that Hugging Face files spell for our named pre-tokenizers. */
export const SPLIT_PATTERNS: ReadonlyArray<[string, PreTokenizerName]> = [
  [PRE_TOKENIZER_PATTERNS.gpt2, 'gpt2'],
  [PRE_TOKENIZER_PATTERNS.cl100k, 'cl100k'],
  [PRE_TOKENIZER_PATTERNS.whitespace, 'whitespace'],
];

/** The pre-tokenizer whose pattern is exactly `regex`; an error listing the supported ones otherwise. */
export function knownSplitPattern(regex: string, where: string): PreTokenizerName {
  const known = SPLIT_PATTERNS.find(([text]) => text === regex);
  if (known === undefined) {
    const names = SPLIT_PATTERNS.map(([, name]) => name).join(', ');
    fail(`${where}.pattern.Regex`, `unsupported regex ${JSON.stringify(regex.slice(0, 60))}… (lmkit runs exactly these pre-tokenizer patterns: ${names}; not arbitrary regexes)`);
  }
  return known[1];
}

export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

export function readAddedTokens(value: unknown): AddedToken[] {
  if (value === undefined || value === null) return [];
  return asArray(value, 'added_tokens').map((entry, i) => {
    const where = `added_tokens[${i}]`;
    const token = asObject(entry, where);
    for (const flag of ['lstrip', 'rstrip', 'single_word'] as const) {
      if (token[flag] === true) fail(`${where}.${flag}`, 'true is not supported (lmkit matches added tokens exactly)');
    }
    return {
      id: asNonNegativeInt(token.id, `${where}.id`),
      content: asString(token.content, `${where}.content`),
      special: token.special === undefined ? true : asBoolean(token.special, `${where}.special`),
    };
  });
}

export function addedTokensJson(specials: ReadonlyMap<string, number>): JsonObject[] {
  return [...specials.entries()]
    .sort((a, b) => a[1] - b[1])
    .map(([content, id]) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
}

/** One `model.merges` entry: `"left right"` (older files) or `[left, right]` (tokenizers ≥ 0.20). */
export function mergeEntry(entry: unknown, i: number): [string, string] {
  if (typeof entry === 'string') {
    const space = entry.indexOf(' ');
    if (space <= 0 || entry.indexOf(' ', space + 1) >= 0) fail(`model.merges[${i}]`, `expected "left right", got ${JSON.stringify(entry)}`);
    return [entry.slice(0, space), entry.slice(space + 1)];
  }
  const pair = asArray(entry, `model.merges[${i}]`);
  if (pair.length !== 2) fail(`model.merges[${i}]`, 'expected [left, right]');
  return [asString(pair[0], `model.merges[${i}][0]`), asString(pair[1], `model.merges[${i}][1]`)];
}

export function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** BPE dropout makes encoding random; lmkit encodes deterministically. */
export function rejectDropout(model: JsonObject): void {
  if (model.dropout !== undefined && model.dropout !== null && model.dropout !== 0) fail('model.dropout', 'BPE dropout is not supported');
}

/** The optional `decoder` node. */
export function decoderOf(root: JsonObject): JsonObject | undefined {
  return root.decoder === undefined || root.decoder === null ? undefined : asObject(root.decoder, 'decoder');
}

/** Metaspace as lmkit runs it: spaces become ▁, nothing is prepended, nothing split (tokenizers ≥ 0.19 fields). */
export function metaspaceNode(): JsonObject {
  return { type: 'Metaspace', replacement: METASPACE, prepend_scheme: 'never', split: false };
}

/** Metaspace that only turns spaces into ▁: no prepended ▁, no split (pre-tokenizer or decoder). */
export function checkMetaspace(node: JsonObject, where: string): void {
  if (node.replacement !== METASPACE) fail(`${where}.replacement`, `expected "${METASPACE}" (U+2581), got ${JSON.stringify(node.replacement)}`);
  const scheme = node.prepend_scheme === undefined ? (node.add_prefix_space === false ? 'never' : 'always') : node.prepend_scheme;
  if (scheme !== 'never') fail(`${where}.prepend_scheme`, `${JSON.stringify(scheme)} is not supported (lmkit's metaspace models add no leading ▁; expected "never")`);
  if (node.split !== false) fail(`${where}.split`, 'expected false (lmkit\'s metaspace models do not split at ▁)');
}

/** The parts of a `tokenizer.json` that differ between model families. */
export interface TokenizerJsonParts {
  specials: ReadonlyMap<string, number>;
  normalizer: JsonObject | null;
  preTokenizer: JsonObject;
  decoder: JsonObject;
  model: JsonObject;
}

/** The whole file, in the key order the `tokenizers` library writes. */
export function tokenizerJsonText(parts: TokenizerJsonParts): string {
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokensJson(parts.specials),
    normalizer: parts.normalizer,
    pre_tokenizer: parts.preTokenizer,
    post_processor: null,
    decoder: parts.decoder,
    model: parts.model,
  };
  return JSON.stringify(json, null, 2);
}
