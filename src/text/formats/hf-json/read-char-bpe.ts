/**
 * Reading a character-level BPE `tokenizer.json` in the shapes lmkit's
 * char-level BpeModel variants export to (./write-char-bpe.ts): a Split
 * pre-tokenizer (one of our regexes, or "\n" MergedWithPrevious for 'none'),
 * then Metaspace (prepend_scheme "never", split false) or WhitespaceSplit;
 * `continuing_subword_prefix` / `end_of_word_suffix`; unk_token without
 * fuse_unk; decoder Fuse / Metaspace / WordPiece (cleanup false) / BPEDecoder.
 * Runs on BpeModel.
 */
import { BpeModel } from '../../bpe/model.js';
import type { BaseSymbol } from '../../bpe/alphabet.js';
import type { WhitespaceMode } from '../../bpe/variant.js';
import type { PreTokenizerName } from '../../bpe/pretokenize.js';
import { asArray, asNonNegativeInt, asObject, asString, fail, TokenizerFormatError, type JsonObject } from '../../json.js';
import { checkMetaspace, decoderOf, isEmpty, mergeEntry, knownSplitPattern, rejectDropout, type AddedToken } from './common.js';

/** The pieces of a char-level pre-tokenizer lmkit runs exactly. */
interface CharPreTokenizer {
  /** From the Split step (or 'whitespace' when WhitespaceSplit stands alone). */
  split: PreTokenizerName | undefined;
  metaspace: boolean;
  whitespaceSplit: boolean;
}

/** The model's word marks: a continuation prefix or an end-of-word suffix ('' when absent). */
interface Marks {
  prefix: string;
  suffix: string;
}

/** The vocabulary both ways. */
interface Vocab {
  idOf: Map<string, number>;
  textOf: Map<number, string>;
}

export function loadCharLevelBpe(root: JsonObject, model: JsonObject, added: AddedToken[]): BpeModel {
  const marks = checkCharLevelModel(root, model);
  const pre = charPreTokenizerOf(root);
  const whitespace = whitespaceModeOf(pre, marks);
  const preTokenizer: PreTokenizerName = pre.split ?? 'whitespace';
  checkDecoder(root, whitespace, marks);
  const vocab = readVocab(model);
  const { specialTokens, unkToken } = readSpecialTokens(model, added, vocab);
  const merges = readMerges(model, vocab, marks.prefix);
  const alphabet = readAlphabet(vocab, new Set(specialTokens.map(([, id]) => id)), new Set(merges.map(([, , id]) => id)), whitespace, marks);
  try {
    return new BpeModel({
      base: 'char',
      preTokenizer,
      whitespace,
      continuationPrefix: marks.prefix === '' ? '##' : marks.prefix,
      endOfWordSuffix: marks.suffix === '' ? '</w>' : marks.suffix,
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

/** Rejects model settings lmkit does not run; returns the word marks. */
function checkCharLevelModel(root: JsonObject, model: JsonObject): Marks {
  if (root.normalizer !== undefined && root.normalizer !== null) fail('normalizer', 'must be null for a character-level BPE');
  if (model.byte_fallback === true) fail('model.byte_fallback', 'true is not supported (SentencePiece-style models)');
  if (model.fuse_unk === true) fail('model.fuse_unk', 'true is not supported (lmkit gives each unknown character its own unk id)');
  if (model.ignore_merges === true) fail('model.ignore_merges', 'true is not supported for a character-level BPE');
  rejectDropout(model);
  const prefix = isEmpty(model.continuing_subword_prefix) ? '' : asString(model.continuing_subword_prefix, 'model.continuing_subword_prefix');
  const suffix = isEmpty(model.end_of_word_suffix) ? '' : asString(model.end_of_word_suffix, 'model.end_of_word_suffix');
  if (prefix !== '' && suffix !== '') fail('model.end_of_word_suffix', 'a model with both continuing_subword_prefix and end_of_word_suffix is not supported');
  return { prefix, suffix };
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
      result.split = splitStepName(step, where);
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

/** The pre-tokenizer a Split step stands for: "\n" MergedWithPrevious is 'none', else one of our regexes. */
function splitStepName(step: JsonObject, where: string): PreTokenizerName {
  if (step.invert === true) fail(`${where}.invert`, 'true is not supported');
  const pattern = asObject(step.pattern, `${where}.pattern`);
  if (pattern.String !== undefined) {
    if (pattern.String !== '\n' || step.behavior !== 'MergedWithPrevious') {
      fail(`${where}.pattern`, 'a String pattern is supported only as "\\n" with behavior "MergedWithPrevious" (lmkit\'s pre-tokenizer \'none\')');
    }
    return 'none';
  }
  const regex = asString(pattern.Regex, `${where}.pattern.Regex`);
  if (step.behavior !== 'Isolated') fail(`${where}.behavior`, `expected "Isolated", got ${JSON.stringify(step.behavior)}`);
  return knownSplitPattern(regex, where);
}

/** Which of lmkit's whitespace modes the marks and pre-tokenizer steps spell. */
function whitespaceModeOf(pre: CharPreTokenizer, { prefix, suffix }: Marks): WhitespaceMode {
  if (prefix !== '' || suffix !== '') {
    if (!pre.whitespaceSplit) fail('pre_tokenizer', `a model with ${prefix !== '' ? 'continuing_subword_prefix' : 'end_of_word_suffix'} needs WhitespaceSplit as the last pre-tokenizer step`);
    return prefix !== '' ? 'continuation' : 'endOfWord';
  }
  if (pre.whitespaceSplit) fail('pre_tokenizer', 'WhitespaceSplit is supported only with continuing_subword_prefix or end_of_word_suffix (it drops the spaces)');
  if (pre.split === undefined) fail('pre_tokenizer', 'expected a Split step first (lmkit\'s pre-tokenizers always cut the text; a whole text as one word is not run)');
  return pre.metaspace ? 'metaspace' : 'attach';
}

/** The decoder must undo the model the way lmkit's decode does. */
function checkDecoder(root: JsonObject, whitespace: WhitespaceMode, { prefix, suffix }: Marks): void {
  const decoder = decoderOf(root);
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
}

function readVocab(model: JsonObject): Vocab {
  const vocab = asObject(model.vocab, 'model.vocab');
  const idOf = new Map<string, number>();
  const textOf = new Map<number, string>();
  for (const [text, idValue] of Object.entries(vocab)) {
    const id = asNonNegativeInt(idValue, `model.vocab[${JSON.stringify(text)}]`);
    if (textOf.has(id)) fail(`model.vocab[${JSON.stringify(text)}]`, `id ${id} is used twice`);
    idOf.set(text, id);
    textOf.set(id, text);
  }
  return { idOf, textOf };
}

/** The added tokens (consistent with model.vocab) and the unk token, which is special too. */
function readSpecialTokens(model: JsonObject, added: AddedToken[], { idOf, textOf }: Vocab): { specialTokens: Array<[string, number]>; unkToken: string | null } {
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
  return { specialTokens, unkToken };
}

function readMerges(model: JsonObject, { idOf }: Vocab, prefix: string): Array<[number, number, number]> {
  return asArray(model.merges, 'model.merges').map((entry, i) => {
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
}

/** Every vocabulary entry that is neither special nor a merge result must be one (possibly marked) character. */
function readAlphabet(
  { idOf }: Vocab, specialIds: ReadonlySet<number>, mergeResults: ReadonlySet<number>, whitespace: WhitespaceMode, { prefix, suffix }: Marks,
): BaseSymbol[] {
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
  return alphabet.sort((x, y) => x.id - y.id);
}
