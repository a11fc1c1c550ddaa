/**
 * Reading a byte-level BPE `tokenizer.json` (GPT-2, RoBERTa, GPT-4-style,
 * Llama 3): a ByteLevel pre-tokenizer, or Split(regex) + ByteLevel(use_regex:
 * false); the vocabulary in GPT-2's byte ↔ printable-character spelling;
 * merges applied by priority; `ignore_merges`. Runs on TiktokenTokenizer.
 */
import { TiktokenTokenizer } from '../../tiktoken.js';
import { byteLevelToBytes } from '../../bpe/bytes.js';
import type { PreTokenizerName } from '../../bpe/pretokenize.js';
import { asArray, asBoolean, asNonNegativeInt, asObject, asString, fail, TokenizerFormatError, type JsonObject } from '../../json.js';
import { decoderOf, mergeEntry, knownSplitPattern, rejectDropout, type AddedToken } from './common.js';

export function loadByteLevelBpe(root: JsonObject, model: JsonObject, added: AddedToken[], cacheSize: number | undefined): TiktokenTokenizer {
  checkByteLevelModel(root, model);
  const pattern = preTokenizerOf(root);
  const { tokens, idOf } = readVocab(model, added);
  const merges = readMerges(model, idOf);
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
      cacheSize,
    });
  } catch (error) {
    if (error instanceof TokenizerFormatError) throw error;
    fail('model', (error as Error).message);
  }
}

/** Everything around the vocabulary that a byte-level BPE must leave at its default. */
function checkByteLevelModel(root: JsonObject, model: JsonObject): void {
  if (root.normalizer !== undefined && root.normalizer !== null) fail('normalizer', 'must be null for a byte-level BPE');
  if (model.byte_fallback === true) fail('model.byte_fallback', 'true is not supported (SentencePiece-style models)');
  for (const key of ['continuing_subword_prefix', 'end_of_word_suffix'] as const) {
    if (model[key] !== undefined && model[key] !== null && model[key] !== '') fail(`model.${key}`, 'must be empty for a byte-level BPE');
  }
  rejectDropout(model);
  const decoder = decoderOf(root);
  if (decoder !== undefined && decoder.type !== 'ByteLevel') fail('decoder.type', `expected "ByteLevel", got ${JSON.stringify(decoder.type)}`);
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
      return splitPattern(steps[0]!, 'pre_tokenizer.pretokenizers[0]');
    }
  }
  fail('pre_tokenizer', `${type} is not supported for BPE (expected ByteLevel, or Sequence [Split, ByteLevel])`);
}

/** The Split step before ByteLevel: one of the regexes lmkit runs, isolated. */
function splitPattern(split: JsonObject, where: string): PreTokenizerName {
  const pattern = asObject(split.pattern, `${where}.pattern`);
  const regex = asString(pattern.Regex, `${where}.pattern.Regex`);
  if (split.behavior !== 'Isolated') fail(`${where}.behavior`, `expected "Isolated", got ${JSON.stringify(split.behavior)}`);
  if (split.invert === true) fail(`${where}.invert`, 'true is not supported');
  return knownSplitPattern(regex, where);
}

/** Token bytes by id, and the id of each spelling (for the merges). */
function readVocab(model: JsonObject, added: AddedToken[]): { tokens: Array<Uint8Array | undefined>; idOf: Map<string, number> } {
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
  return { tokens, idOf };
}

function readMerges(model: JsonObject, idOf: ReadonlyMap<string, number>): Array<[number, number]> {
  return asArray(model.merges, 'model.merges').map((entry, i) => {
    const [left, right] = mergeEntry(entry, i);
    const a = idOf.get(left);
    const b = idOf.get(right);
    if (a === undefined || b === undefined) fail(`model.merges[${i}]`, `${JSON.stringify(a === undefined ? left : right)} is not in model.vocab`);
    if (!idOf.has(left + right)) fail(`model.merges[${i}]`, `the merged token ${JSON.stringify(left + right)} is not in model.vocab`);
    return [a, b];
  });
}
