/**
 * Hugging Face `tokenizer.json` (the `tokenizers` library's serialization) —
 * the subset lmkit runs exactly:
 *
 * - BPE over bytes: `model.type` "BPE" with a ByteLevel pre-tokenizer (GPT-2,
 *   RoBERTa, …) or Split(regex) + ByteLevel(use_regex: false) (GPT-4-style,
 *   Llama 3), vocabulary in GPT-2's byte ↔ printable-character spelling, merges
 *   applied by priority, `ignore_merges`, added tokens (always matched before
 *   pre-tokenization, as Hugging Face does). Runs on TiktokenTokenizer.
 * - WordPiece (BERT): BertNormalizer + BertPreTokenizer + WordPiece model. Runs
 *   on WordPieceTokenizer.
 * - BPE over characters, in the shapes lmkit's char-level BpeModel variants
 *   export to (see `charLevelPreTokenizer` / `charLevelDecoder` below): a Split
 *   pre-tokenizer (one of our regexes, or "\n" MergedWithPrevious for 'none'),
 *   then Metaspace (prepend_scheme "never", split false) or WhitespaceSplit;
 *   `continuing_subword_prefix` / `end_of_word_suffix`; unk_token without
 *   fuse_unk; decoder Fuse / Metaspace / WordPiece (cleanup false) /
 *   BPEDecoder. Runs on BpeModel.
 *
 * Anything else (other normalizers, SentencePiece-style Metaspace with a
 * prepended ▁, byte fallback, unrecognized split regexes) is rejected with an
 * error naming the field, rather than run approximately. Post-processors
 * (templates that add BOS/EOS) are not applied: lmkit's encode returns the
 * text's tokens only.
 *
 * Export writes lmkit's byte-level models (TiktokenTokenizer, BpeModel trained
 * with base 'byte' and whitespace 'attach'), char-level BpeModels (every
 * whitespace mode and pre-tokenizer, given an unkToken and a vocabulary that
 * Hugging Face's spelling keeps apart) and WordPieceTokenizer.
 */
import { TiktokenTokenizer } from '../tiktoken.js';
import { WordPieceTokenizer } from '../wordpiece.js';
import { BpeModel } from '../bpe/model.js';
import type { BaseSymbol } from '../bpe/alphabet.js';
import { METASPACE, type WhitespaceMode } from '../bpe/variant.js';
import { bytesToByteLevel, byteLevelToBytes } from '../bpe/bytes.js';
import { PRE_TOKENIZER_PATTERNS, type PreTokenizerName } from '../bpe/pretokenize.js';
import {
  asArray,
  asBoolean,
  asNonNegativeInt,
  asObject,
  asString,
  fail,
  TokenizerFormatError,
  type JsonObject,
} from '../json.js';

/** Patterns that Hugging Face files spell for our named pre-tokenizers. */
const SPLIT_PATTERNS: ReadonlyArray<[string, PreTokenizerName]> = [
  [PRE_TOKENIZER_PATTERNS.gpt2, 'gpt2'],
  [PRE_TOKENIZER_PATTERNS.cl100k, 'cl100k'],
  [PRE_TOKENIZER_PATTERNS.whitespace, 'whitespace'],
];

interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

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
  const source = options.source ?? 'tokenizer.json';
  try {
    let parsed: unknown;
    try {
      parsed = JSON.parse(jsonText);
    } catch (error) {
      fail('(file)', `not valid JSON (${(error as Error).message})`);
    }
    const root = asObject(parsed, '(top level)');
    const model = asObject(root.model, 'model');
    const type = model.type === undefined ? ('merges' in model ? 'BPE' : 'WordPiece') : asString(model.type, 'model.type');
    const added = readAddedTokens(root.added_tokens);
    if (type === 'BPE') return mentionsByteLevel(root.pre_tokenizer) || mentionsByteLevel(root.decoder) ? loadByteLevelBpe(root, model, added, options) : loadCharLevelBpe(root, model, added);
    if (type === 'WordPiece') return loadWordPiece(root, model, added);
    fail('model.type', `${JSON.stringify(type)} is not supported (lmkit reads "BPE" — byte-level, or character-level as lmkit exports it — and "WordPiece")`);
  } catch (error) {
    if (error instanceof TokenizerFormatError) {
      const wrapped = new TokenizerFormatError(error.field, error.problem);
      wrapped.message = `${source}: ${error.message}`;
      throw wrapped;
    }
    throw error;
  }
}

function readAddedTokens(value: unknown): AddedToken[] {
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

/** The ByteLevel pre-tokenizer's settings; rejects add_prefix_space. */
function checkByteLevel(node: JsonObject, where: string): boolean {
  if (node.add_prefix_space === true) fail(`${where}.add_prefix_space`, 'true is not supported (the text would get a leading space)');
  return node.use_regex === undefined ? true : asBoolean(node.use_regex, `${where}.use_regex`);
}

function preTokenizerOf(root: JsonObject): PreTokenizerName {
  const node = asObject(root.pre_tokenizer, 'pre_tokenizer');
  const type = asString(node.type, 'pre_tokenizer.type');
  if (type === 'ByteLevel') return checkByteLevel(node, 'pre_tokenizer') ? 'gpt2' : 'none';
  if (type === 'Sequence') {
    const steps = asArray(node.pretokenizers, 'pre_tokenizer.pretokenizers').map((step, i) => asObject(step, `pre_tokenizer.pretokenizers[${i}]`));
    if (steps.length === 1 && steps[0]!.type === 'ByteLevel') return checkByteLevel(steps[0]!, 'pre_tokenizer.pretokenizers[0]') ? 'gpt2' : 'none';
    if (steps.length === 2 && steps[0]!.type === 'Split' && steps[1]!.type === 'ByteLevel') {
      if (checkByteLevel(steps[1]!, 'pre_tokenizer.pretokenizers[1]')) {
        fail('pre_tokenizer.pretokenizers[1].use_regex', 'expected false after a Split (two regex splits are not supported)');
      }
      const split = steps[0]!;
      const where = 'pre_tokenizer.pretokenizers[0]';
      const pattern = asObject(split.pattern, `${where}.pattern`);
      const regex = asString(pattern.Regex, `${where}.pattern.Regex`);
      if (split.behavior !== 'Isolated') fail(`${where}.behavior`, `expected "Isolated", got ${JSON.stringify(split.behavior)}`);
      if (split.invert === true) fail(`${where}.invert`, 'true is not supported');
      const known = SPLIT_PATTERNS.find(([text]) => text === regex);
      if (known === undefined) {
        fail(`${where}.pattern.Regex`, `unsupported regex ${JSON.stringify(regex.slice(0, 60))}… (lmkit runs the GPT-2 and cl100k patterns exactly, not arbitrary regexes)`);
      }
      return known[1];
    }
  }
  fail('pre_tokenizer', `${type} is not supported for BPE (expected ByteLevel, or Sequence [Split, ByteLevel])`);
}

function loadByteLevelBpe(root: JsonObject, model: JsonObject, added: AddedToken[], options: HuggingFaceLoadOptions): TiktokenTokenizer {
  if (root.normalizer !== undefined && root.normalizer !== null) fail('normalizer', 'must be null for a byte-level BPE');
  if (model.byte_fallback === true) fail('model.byte_fallback', 'true is not supported (SentencePiece-style models)');
  for (const key of ['continuing_subword_prefix', 'end_of_word_suffix'] as const) {
    if (model[key] !== undefined && model[key] !== null && model[key] !== '') fail(`model.${key}`, 'must be empty for a byte-level BPE');
  }
  if (model.dropout !== undefined && model.dropout !== null && model.dropout !== 0) fail('model.dropout', 'BPE dropout is not supported');
  const decoder = root.decoder === undefined || root.decoder === null ? undefined : asObject(root.decoder, 'decoder');
  if (decoder !== undefined && decoder.type !== 'ByteLevel') fail('decoder.type', `expected "ByteLevel", got ${JSON.stringify(decoder.type)}`);
  const pattern = preTokenizerOf(root);

  const vocab = asObject(model.vocab, 'model.vocab');
  const tokens: Array<Uint8Array | undefined> = [];
  const idOf = new Map<string, number>();
  for (const [text, idValue] of Object.entries(vocab)) {
    const id = asNonNegativeInt(idValue, `model.vocab[${JSON.stringify(text)}]`);
    const addedHere = added.find((a) => a.id === id && a.content === text);
    const bytes = byteLevelToBytes(text);
    if (bytes === undefined) {
      // Added tokens may also be listed in the vocabulary in plain text; they are matched as added tokens.
      if (addedHere !== undefined) continue;
      fail(`model.vocab[${JSON.stringify(text)}]`, 'is not in GPT-2 byte-level spelling (a character outside the 256-character byte table)');
    }
    if (tokens[id] !== undefined) fail(`model.vocab[${JSON.stringify(text)}]`, `id ${id} is used twice`);
    tokens[id] = bytes;
    idOf.set(text, id);
  }
  const mergesValue = asArray(model.merges, 'model.merges');
  const merges: Array<[number, number]> = mergesValue.map((entry, i) => {
    const [left, right] = mergeEntry(entry, i);
    const a = idOf.get(left);
    const b = idOf.get(right);
    if (a === undefined || b === undefined) fail(`model.merges[${i}]`, `${JSON.stringify(a === undefined ? left : right)} is not in model.vocab`);
    if (!idOf.has(left + right)) fail(`model.merges[${i}]`, `the merged token ${JSON.stringify(left + right)} is not in model.vocab`);
    return [a, b];
  });
  const specialTokens = new Map<string, number>();
  for (const token of added) specialTokens.set(token.content, token.id);
  try {
    return new TiktokenTokenizer({
      name: 'tokenizer.json',
      tokens,
      pattern,
      specialTokens,
      merges,
      wholePieceLookup: model.ignore_merges === undefined ? false : asBoolean(model.ignore_merges, 'model.ignore_merges'),
      defaultAllowedSpecial: 'all',
      cacheSize: options.cacheSize,
    });
  } catch (error) {
    if (error instanceof TokenizerFormatError) throw error;
    fail('model', (error as Error).message);
  }
}

function loadWordPiece(root: JsonObject, model: JsonObject, added: AddedToken[]): WordPieceTokenizer {
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
  if (root.pre_tokenizer !== undefined && root.pre_tokenizer !== null) {
    const pre = asObject(root.pre_tokenizer, 'pre_tokenizer');
    if (pre.type !== 'BertPreTokenizer') fail('pre_tokenizer.type', `expected "BertPreTokenizer", got ${JSON.stringify(pre.type)}`);
  }
  const vocab = asObject(model.vocab, 'model.vocab');
  const byId: string[] = [];
  for (const [token, idValue] of Object.entries(vocab)) {
    const id = asNonNegativeInt(idValue, `model.vocab[${JSON.stringify(token)}]`);
    if (byId[id] !== undefined) fail(`model.vocab[${JSON.stringify(token)}]`, `id ${id} is used twice`);
    byId[id] = token;
  }
  for (let id = 0; id < byId.length; id++) if (byId[id] === undefined) fail('model.vocab', `id ${id} is missing (WordPiece ids must be 0..${byId.length - 1})`);
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


// ------------------------------------------------------- char-level BPE import

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

/** The pieces of a char-level pre-tokenizer lmkit runs exactly. */
interface CharPreTokenizer {
  /** From the Split step (or 'whitespace' when WhitespaceSplit stands alone). */
  split: PreTokenizerName | undefined;
  metaspace: boolean;
  whitespaceSplit: boolean;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function charPreTokenizerOf(root: JsonObject): CharPreTokenizer {
  const result: CharPreTokenizer = { split: undefined, metaspace: false, whitespaceSplit: false };
  if (root.pre_tokenizer === undefined || root.pre_tokenizer === null) {
    fail('pre_tokenizer', 'null is not supported for a character-level BPE (lmkit needs a Split, Metaspace or WhitespaceSplit step)');
  }
  const node = asObject(root.pre_tokenizer, 'pre_tokenizer');
  const type = asString(node.type, 'pre_tokenizer.type');
  const steps: Array<[JsonObject, string]> =
    type === 'Sequence'
      ? asArray(node.pretokenizers, 'pre_tokenizer.pretokenizers').map((step, i) => [asObject(step, `pre_tokenizer.pretokenizers[${i}]`), `pre_tokenizer.pretokenizers[${i}]`])
      : [[node, 'pre_tokenizer']];
  steps.forEach(([step, where], i) => {
    const stepType = asString(step.type, `${where}.type`);
    if (stepType === 'Split' && i === 0) {
      if (step.invert === true) fail(`${where}.invert`, 'true is not supported');
      const pattern = asObject(step.pattern, `${where}.pattern`);
      if (pattern.String !== undefined) {
        if (pattern.String !== '\n' || step.behavior !== 'MergedWithPrevious') {
          fail(`${where}.pattern`, 'a String pattern is supported only as "\\n" with behavior "MergedWithPrevious" (lmkit\'s pre-tokenizer \'none\')');
        }
        result.split = 'none';
        return;
      }
      const regex = asString(pattern.Regex, `${where}.pattern.Regex`);
      if (step.behavior !== 'Isolated') fail(`${where}.behavior`, `expected "Isolated", got ${JSON.stringify(step.behavior)}`);
      const known = SPLIT_PATTERNS.find(([text]) => text === regex);
      if (known === undefined) {
        fail(`${where}.pattern.Regex`, `unsupported regex ${JSON.stringify(regex.slice(0, 60))}… (lmkit runs the GPT-2, cl100k and whitespace patterns exactly, not arbitrary regexes)`);
      }
      result.split = known[1];
    } else if (stepType === 'Metaspace' && i === steps.length - 1) {
      checkMetaspace(step, where);
      result.metaspace = true;
    } else if (stepType === 'WhitespaceSplit' && i === steps.length - 1) {
      result.whitespaceSplit = true;
    } else {
      fail(`${where}.type`, `${stepType} is not supported here (a character-level BPE takes [Split], [Split, Metaspace], [WhitespaceSplit] or [Split, WhitespaceSplit])`);
    }
  });
  return result;
}

/** Metaspace that only turns spaces into ▁: no prepended ▁, no split (pre-tokenizer or decoder). */
function checkMetaspace(node: JsonObject, where: string): void {
  if (node.replacement !== METASPACE) fail(`${where}.replacement`, `expected "${METASPACE}" (U+2581), got ${JSON.stringify(node.replacement)}`);
  const scheme = node.prepend_scheme === undefined ? (node.add_prefix_space === false ? 'never' : 'always') : node.prepend_scheme;
  if (scheme !== 'never') fail(`${where}.prepend_scheme`, `${JSON.stringify(scheme)} is not supported (lmkit's metaspace models add no leading ▁; expected "never")`);
  if (node.split !== false) fail(`${where}.split`, 'expected false (lmkit\'s metaspace models do not split at ▁)');
}

function loadCharLevelBpe(root: JsonObject, model: JsonObject, added: AddedToken[]): BpeModel {
  if (root.normalizer !== undefined && root.normalizer !== null) fail('normalizer', 'must be null for a character-level BPE');
  if (model.byte_fallback === true) fail('model.byte_fallback', 'true is not supported (SentencePiece-style models)');
  if (model.fuse_unk === true) fail('model.fuse_unk', 'true is not supported (lmkit gives each unknown character its own unk id)');
  if (model.ignore_merges === true) fail('model.ignore_merges', 'true is not supported for a character-level BPE');
  if (model.dropout !== undefined && model.dropout !== null && model.dropout !== 0) fail('model.dropout', 'BPE dropout is not supported');
  const prefix = isEmpty(model.continuing_subword_prefix) ? '' : asString(model.continuing_subword_prefix, 'model.continuing_subword_prefix');
  const suffix = isEmpty(model.end_of_word_suffix) ? '' : asString(model.end_of_word_suffix, 'model.end_of_word_suffix');
  if (prefix !== '' && suffix !== '') fail('model.end_of_word_suffix', 'a model with both continuing_subword_prefix and end_of_word_suffix is not supported');
  const pre = charPreTokenizerOf(root);
  let whitespace: WhitespaceMode;
  if (prefix !== '' || suffix !== '') {
    if (!pre.whitespaceSplit) fail('pre_tokenizer', `a model with ${prefix !== '' ? 'continuing_subword_prefix' : 'end_of_word_suffix'} needs WhitespaceSplit as the last pre-tokenizer step`);
    whitespace = prefix !== '' ? 'continuation' : 'endOfWord';
  } else if (pre.whitespaceSplit) {
    fail('pre_tokenizer', 'WhitespaceSplit is supported only with continuing_subword_prefix or end_of_word_suffix (it drops the spaces)');
  } else {
    if (pre.split === undefined) fail('pre_tokenizer', 'expected a Split step first (lmkit\'s pre-tokenizers always cut the text; a whole text as one word is not run)');
    whitespace = pre.metaspace ? 'metaspace' : 'attach';
  }
  const preTokenizer: PreTokenizerName = pre.split ?? 'whitespace';

  // The decoder must undo the model the way lmkit's decode does.
  const decoder = root.decoder === undefined || root.decoder === null ? undefined : asObject(root.decoder, 'decoder');
  const expected = { attach: 'Fuse', metaspace: 'Metaspace', continuation: 'WordPiece', endOfWord: 'BPEDecoder' }[whitespace];
  if (decoder === undefined || decoder.type !== expected) {
    fail('decoder', `expected a ${expected} decoder for this model, got ${decoder === undefined ? 'none' : JSON.stringify(decoder.type)}`);
  }
  if (whitespace === 'metaspace') checkMetaspace(decoder, 'decoder');
  if (whitespace === 'continuation') {
    if (decoder.prefix !== prefix) fail('decoder.prefix', `expected ${JSON.stringify(prefix)} (the model's continuing_subword_prefix)`);
    if (decoder.cleanup !== false) fail('decoder.cleanup', 'expected false (cleanup rewrites spaces before punctuation)');
  }
  if (whitespace === 'endOfWord' && decoder.suffix !== suffix) fail('decoder.suffix', `expected ${JSON.stringify(suffix)} (the model's end_of_word_suffix)`);

  const vocab = asObject(model.vocab, 'model.vocab');
  const idOf = new Map<string, number>();
  const textOf = new Map<number, string>();
  for (const [text, idValue] of Object.entries(vocab)) {
    const id = asNonNegativeInt(idValue, `model.vocab[${JSON.stringify(text)}]`);
    if (textOf.has(id)) fail(`model.vocab[${JSON.stringify(text)}]`, `id ${id} is used twice`);
    idOf.set(text, id);
    textOf.set(id, text);
  }
  const specialTokens: Array<[string, number]> = [];
  for (const token of added) {
    const inVocab = idOf.get(token.content);
    if (inVocab !== undefined && inVocab !== token.id) fail('added_tokens', `${JSON.stringify(token.content)} has id ${token.id} but model.vocab gives it ${inVocab}`);
    const holder = textOf.get(token.id);
    if (holder !== undefined && holder !== token.content) fail('added_tokens', `${JSON.stringify(token.content)} has id ${token.id}, which model.vocab gives to ${JSON.stringify(holder)}`);
    specialTokens.push([token.content, token.id]);
  }
  const unkToken = isEmpty(model.unk_token) ? null : asString(model.unk_token, 'model.unk_token');
  if (unkToken !== null && !specialTokens.some(([text]) => text === unkToken)) {
    const id = idOf.get(unkToken);
    if (id === undefined) fail('model.unk_token', `${JSON.stringify(unkToken)} is not in model.vocab`);
    specialTokens.push([unkToken, id]);
  }
  const specialIds = new Set(specialTokens.map(([, id]) => id));

  const mergesValue = asArray(model.merges, 'model.merges');
  const merges: Array<[number, number, number]> = mergesValue.map((entry, i) => {
    const [left, right] = mergeEntry(entry, i);
    const a = idOf.get(left);
    const b = idOf.get(right);
    if (a === undefined || b === undefined) fail(`model.merges[${i}]`, `${JSON.stringify(a === undefined ? left : right)} is not in model.vocab`);
    // Hugging Face drops the right part's first prefix.length bytes (its continuation prefix).
    if (prefix !== '' && !right.startsWith(prefix)) fail(`model.merges[${i}]`, `the right part ${JSON.stringify(right)} does not start with the continuing_subword_prefix`);
    const merged = left + right.slice(prefix.length);
    const result = idOf.get(merged);
    if (result === undefined) fail(`model.merges[${i}]`, `the merged token ${JSON.stringify(merged)} is not in model.vocab`);
    return [a, b, result];
  });
  const mergeResults = new Set(merges.map(([, , id]) => id));

  // Every other vocabulary entry must be one (possibly marked) character.
  const alphabet: BaseSymbol[] = [];
  for (const [text, id] of idOf) {
    if (specialIds.has(id) || mergeResults.has(id)) continue;
    let core = text;
    let marked = false;
    if (whitespace === 'continuation' && text.startsWith(prefix) && text.length > prefix.length) {
      core = text.slice(prefix.length);
      marked = true;
    } else if (whitespace === 'endOfWord' && text.endsWith(suffix) && text.length > suffix.length) {
      core = text.slice(0, -suffix.length);
      marked = true;
    }
    const code = core.codePointAt(0);
    if (code === undefined || String.fromCodePoint(code) !== core) {
      fail(`model.vocab[${JSON.stringify(text)}]`, 'is neither one character, an added token nor the result of a merge (lmkit cannot hold it)');
    }
    alphabet.push({ id, unit: code, marked });
  }
  alphabet.sort((x, y) => x.id - y.id);
  try {
    return new BpeModel({
      base: 'char',
      preTokenizer,
      whitespace,
      continuationPrefix: prefix === '' ? '##' : prefix,
      endOfWordSuffix: suffix === '' ? '</w>' : suffix,
      unkToken,
      specialTokens: specialTokens.sort((x, y) => x[1] - y[1]),
      alphabet,
      merges,
    });
  } catch (error) {
    if (error instanceof TokenizerFormatError) fail(`model (${error.field})`, error.problem);
    fail('model', (error as Error).message);
  }
}

// ------------------------------------------------------------------ export

function addedTokensJson(specials: ReadonlyMap<string, number>): JsonObject[] {
  return [...specials.entries()]
    .sort((a, b) => a[1] - b[1])
    .map(([content, id]) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
}

function byteLevelPreTokenizer(pattern: PreTokenizerName): JsonObject {
  const byteLevel = (useRegex: boolean): JsonObject => ({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: useRegex });
  if (pattern === 'gpt2') return byteLevel(true);
  if (pattern === 'none') return byteLevel(false);
  return {
    type: 'Sequence',
    pretokenizers: [{ type: 'Split', pattern: { Regex: PRE_TOKENIZER_PATTERNS[pattern] }, behavior: 'Isolated', invert: false }, byteLevel(false)],
  };
}

interface ByteLevelModelParts {
  pattern: PreTokenizerName;
  tokenBytes: Array<[number, Uint8Array]>;
  merges: Array<[number, number]>;
  specials: ReadonlyMap<string, number>;
  ignoreMerges: boolean;
}

function byteLevelJson(parts: ByteLevelModelParts): string {
  // No prototype: a token spelled "__proto__" must stay an ordinary key.
  const vocab = Object.create(null) as Record<string, number>;
  const spelling = new Map<number, string>();
  for (const [id, bytes] of parts.tokenBytes) {
    const text = bytesToByteLevel(bytes);
    vocab[text] = id;
    spelling.set(id, text);
  }
  const merges = parts.merges.map(([a, b]) => `${spelling.get(a)!} ${spelling.get(b)!}`);
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokensJson(parts.specials),
    normalizer: null,
    pre_tokenizer: byteLevelPreTokenizer(parts.pattern),
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: parts.ignoreMerges,
      vocab,
      merges,
    },
  };
  return JSON.stringify(json, null, 2);
}


// ------------------------------------------------------- char-level BPE export

/** The Split step for one of our pre-tokenizers ('none' cuts after each line feed, as lmkit's encoder does). */
function charLevelSplit(name: PreTokenizerName): JsonObject {
  if (name === 'none') return { type: 'Split', pattern: { String: '\n' }, behavior: 'MergedWithPrevious', invert: false };
  return { type: 'Split', pattern: { Regex: PRE_TOKENIZER_PATTERNS[name] }, behavior: 'Isolated', invert: false };
}

/** Metaspace as lmkit runs it: spaces become ▁, nothing is prepended, nothing split (tokenizers ≥ 0.19 fields). */
function metaspaceNode(): JsonObject {
  return { type: 'Metaspace', replacement: METASPACE, prepend_scheme: 'never', split: false };
}

function charLevelPreTokenizer(name: PreTokenizerName, whitespace: WhitespaceMode): JsonObject {
  if (whitespace === 'attach') return charLevelSplit(name);
  if (whitespace === 'metaspace') return { type: 'Sequence', pretokenizers: [charLevelSplit(name), metaspaceNode()] };
  // 'continuation' / 'endOfWord' drop white space and cut at it: 'whitespace' and 'none' leave exactly the WhitespaceSplit words.
  if (name === 'whitespace' || name === 'none') return { type: 'WhitespaceSplit' };
  return { type: 'Sequence', pretokenizers: [charLevelSplit(name), { type: 'WhitespaceSplit' }] };
}

function charLevelDecoder(model: BpeModel): JsonObject {
  const { whitespace, continuationPrefix, endOfWordSuffix } = model.variant;
  if (whitespace === 'metaspace') return metaspaceNode();
  if (whitespace === 'continuation') return { type: 'WordPiece', prefix: continuationPrefix, cleanup: false };
  if (whitespace === 'endOfWord') return { type: 'BPEDecoder', suffix: endOfWordSuffix };
  return { type: 'Fuse' };
}

function charLevelJson(model: BpeModel): string {
  const { preTokenizer, whitespace, continuationPrefix, endOfWordSuffix, unkToken } = model.variant;
  const refuse = (why: string): never => {
    throw new Error(`toHuggingFaceJson: the char-level BPE model (whitespace '${whitespace}', pre-tokenizer '${preTokenizer}') cannot be exported: ${why}`);
  };
  if (unkToken === null) {
    refuse('it has no unkToken; lmkit rejects characters outside its alphabet, Hugging Face would silently drop them (train with unkToken \'<unk>\')');
  }
  // Hugging Face's spelling: continuation pieces carry the prefix, word-final pieces the suffix.
  const vocab = Object.create(null) as Record<string, number>;
  const spelling: string[] = [];
  for (let id = 0; id < model.vocabSize; id++) {
    const text = model.idToToken(id);
    if (text === undefined) continue;
    const other = vocab[text];
    if (other !== undefined) refuse(`tokens ${other} and ${id} would both be spelled ${JSON.stringify(text)}`);
    const plain = model.isSpecial(id) || !model.isMarked(id);
    if (whitespace === 'continuation' && plain && text.startsWith(continuationPrefix)) {
      refuse(`token ${id} ${JSON.stringify(text)} starts with the continuation prefix ${JSON.stringify(continuationPrefix)} but does not continue a word`);
    }
    if (whitespace === 'endOfWord' && (plain ? text : text.slice(0, -endOfWordSuffix.length)).includes(endOfWordSuffix)) {
      refuse(`token ${id} ${JSON.stringify(text)} contains the end-of-word suffix ${JSON.stringify(endOfWordSuffix)} in its text`);
    }
    vocab[text] = id;
    spelling[id] = text;
  }
  const prefixToDrop = whitespace === 'continuation' ? continuationPrefix.length : 0;
  const pairs = model.merges().map(([a, b, result]): [string, string] => {
    const left = spelling[a]!;
    const right = spelling[b]!;
    // What Hugging Face's BPE builder will look up for the merged token.
    if (vocab[left + right.slice(prefixToDrop)] !== result) refuse(`merge ${JSON.stringify(left)} + ${JSON.stringify(right)} does not spell token ${result}`);
    return [left, right];
  });
  // "left right" strings cannot hold tokens with spaces: then use the [left, right] form (tokenizers ≥ 0.20).
  const asPairs = pairs.some(([left, right]) => left.includes(' ') || right.includes(' '));
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokensJson(model.specialTokens),
    normalizer: null,
    pre_tokenizer: charLevelPreTokenizer(preTokenizer, whitespace),
    post_processor: null,
    decoder: charLevelDecoder(model),
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: unkToken,
      continuing_subword_prefix: whitespace === 'continuation' ? continuationPrefix : null,
      end_of_word_suffix: whitespace === 'endOfWord' ? endOfWordSuffix : null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: asPairs ? pairs : pairs.map(([left, right]) => `${left} ${right}`),
    },
  };
  return JSON.stringify(json, null, 2);
}

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
  if (tokenizer instanceof TiktokenTokenizer) {
    const tokenBytes: Array<[number, Uint8Array]> = [];
    for (let id = 0; id < tokenizer.ordinarySize; id++) {
      const bytes = tokenizer.ordinaryTokenBytes(id);
      if (bytes !== undefined) tokenBytes.push([id, bytes]);
    }
    return byteLevelJson({
      pattern: tokenizer.pattern,
      tokenBytes,
      merges: tokenizer.merges(),
      specials: tokenizer.specialTokens,
      ignoreMerges: tokenizer.wholePieceLookup,
    });
  }
  if (tokenizer instanceof WordPieceTokenizer) return wordPieceJson(tokenizer);
  if (isBpeModel(tokenizer)) {
    const { base, whitespace, preTokenizer } = tokenizer.variant;
    if (base === 'char') return charLevelJson(tokenizer);
    if (whitespace !== 'attach') {
      throw new Error(
        `toHuggingFaceJson: a BPE model with base '${base}' and whitespace '${whitespace}' cannot be exported; ` +
          `lmkit exports byte-level models only with whitespace 'attach' (GPT-2 style), which Hugging Face runs exactly (char-level models export in every whitespace mode)`,
      );
    }
    const tokenBytes: Array<[number, Uint8Array]> = [];
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      if (tokenizer.isSpecial(id)) continue;
      const bytes = tokenizer.tokenContent(id);
      if (bytes !== undefined) tokenBytes.push([id, bytes]);
    }
    return byteLevelJson({
      pattern: preTokenizer,
      tokenBytes,
      merges: tokenizer.merges().map(([a, b]) => [a, b]),
      specials: tokenizer.specialTokens,
      ignoreMerges: false,
    });
  }
  throw new Error('toHuggingFaceJson: expected a TiktokenTokenizer, a BpeModel or a WordPieceTokenizer');
}

function wordPieceJson(tokenizer: WordPieceTokenizer): string {
  const vocab = Object.create(null) as Record<string, number>;
  tokenizer.vocab.forEach((token, id) => {
    if (!(token in vocab)) vocab[token] = id;
  });
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokensJson(tokenizer.specialTokens),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: tokenizer.stripAccents, lowercase: tokenizer.lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: tokenizer.continuationPrefix, cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: tokenizer.unkToken,
      continuing_subword_prefix: tokenizer.continuationPrefix,
      max_input_chars_per_word: tokenizer.maxInputCharsPerWord,
      vocab,
    },
  };
  return JSON.stringify(json, null, 2);
}

/** One `model.merges` entry: `"left right"` (older files) or `[left, right]` (tokenizers ≥ 0.20). */
function mergeEntry(entry: unknown, i: number): [string, string] {
  if (typeof entry === 'string') {
    const space = entry.indexOf(' ');
    if (space <= 0 || entry.indexOf(' ', space + 1) >= 0) fail(`model.merges[${i}]`, `expected "left right", got ${JSON.stringify(entry)}`);
    return [entry.slice(0, space), entry.slice(space + 1)];
  }
  const pair = asArray(entry, `model.merges[${i}]`);
  if (pair.length !== 2) fail(`model.merges[${i}]`, 'expected [left, right]');
  return [asString(pair[0], `model.merges[${i}][0]`), asString(pair[1], `model.merges[${i}][1]`)];
}
