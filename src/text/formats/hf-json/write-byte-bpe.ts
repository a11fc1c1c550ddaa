/**
 * Writing a byte-level BPE `tokenizer.json`: lmkit's TiktokenTokenizer, or a
 * BpeModel trained with base 'byte' and whitespace 'attach' (GPT-2 style) —
 * the byte-level models Hugging Face runs exactly.
 */
import type { TiktokenTokenizer } from '../../tiktoken.js';
import type { BpeModel } from '../../bpe/model.js';
import { bytesToByteLevel } from '../../bpe/bytes.js';
import { PRE_TOKENIZER_PATTERNS, type PreTokenizerName } from '../../bpe/pretokenize.js';
import type { JsonObject } from '../../json.js';
import { tokenizerJsonText } from './common.js';

/** What a byte-level file holds, whichever lmkit class it comes from. */
interface ByteLevelModelParts {
  pattern: PreTokenizerName;
  tokenBytes: Array<[number, Uint8Array]>;
  merges: Array<[number, number]>;
  specials: ReadonlyMap<string, number>;
  ignoreMerges: boolean;
}

export function tiktokenJson(tokenizer: TiktokenTokenizer): string {
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

/** A BpeModel with base 'byte' and whitespace 'attach' (the caller checks). */
export function byteLevelBpeModelJson(model: BpeModel): string {
  const tokenBytes: Array<[number, Uint8Array]> = [];
  for (let id = 0; id < model.vocabSize; id++) {
    if (model.isSpecial(id)) continue;
    const bytes = model.tokenContent(id);
    if (bytes !== undefined) tokenBytes.push([id, bytes]);
  }
  return byteLevelJson({
    pattern: model.variant.preTokenizer,
    tokenBytes,
    merges: model.merges().map(([a, b]) => [a, b]),
    specials: model.specialTokens,
    ignoreMerges: false,
  });
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
  return tokenizerJsonText({
    specials: parts.specials,
    normalizer: null,
    preTokenizer: byteLevelPreTokenizer(parts.pattern),
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
  });
}
