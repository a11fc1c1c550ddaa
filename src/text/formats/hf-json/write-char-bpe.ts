/**
 * Writing a character-level BpeModel as a `tokenizer.json` Hugging Face runs
 * exactly, in every whitespace mode and pre-tokenizer (./read-char-bpe.ts reads
 * these shapes back). The model needs an unkToken, and a vocabulary that
 * Hugging Face's spelling (prefix on continuation pieces, suffix on word-final
 * ones) keeps apart; otherwise the export refuses with the reason.
 */
import type { BpeModel } from '../../bpe/model.js';
import type { WhitespaceMode } from '../../bpe/variant.js';
import { PRE_TOKENIZER_PATTERNS, type PreTokenizerName } from '../../bpe/pretokenize.js';
import type { JsonObject } from '../../json.js';
import { metaspaceNode, tokenizerJsonText } from './common.js';

type Refuse = (why: string) => never;

export function charLevelJson(model: BpeModel): string {
  const { preTokenizer, whitespace, continuationPrefix, endOfWordSuffix, unkToken } = model.variant;
  const refuse: Refuse = (why) => {
    throw new Error(`toHuggingFaceJson: the char-level BPE model (whitespace '${whitespace}', pre-tokenizer '${preTokenizer}') cannot be exported: ${why}`);
  };
  if (unkToken === null) {
    refuse('it has no unkToken; lmkit rejects characters outside its alphabet, Hugging Face would silently drop them (train with unkToken \'<unk>\')');
  }
  const { vocab, spelling } = spellVocab(model, refuse);
  const pairs = spellMerges(model, vocab, spelling, refuse);
  // "left right" strings cannot hold tokens with spaces: then use the [left, right] form (tokenizers ≥ 0.20).
  const asPairs = pairs.some(([left, right]) => left.includes(' ') || right.includes(' '));
  return tokenizerJsonText({
    specials: model.specialTokens,
    normalizer: null,
    preTokenizer: charLevelPreTokenizer(preTokenizer, whitespace),
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
  });
}

/**
 * Hugging Face's spelling of every token: continuation pieces carry the
 * prefix, word-final pieces the suffix. Refuses when two tokens would share a
 * spelling or a plain token would read as marked.
 */
function spellVocab(model: BpeModel, refuse: Refuse): { vocab: Record<string, number>; spelling: string[] } {
  const { whitespace, continuationPrefix, endOfWordSuffix } = model.variant;
  // No prototype: a token spelled "__proto__" must stay an ordinary key.
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
  return { vocab, spelling };
}

/** The merges as [left, right] spellings; refuses one whose parts do not spell its result the way Hugging Face joins them. */
function spellMerges(model: BpeModel, vocab: Record<string, number>, spelling: readonly string[], refuse: Refuse): Array<[string, string]> {
  const prefixToDrop = model.variant.whitespace === 'continuation' ? model.variant.continuationPrefix.length : 0;
  return model.merges().map(([a, b, result]): [string, string] => {
    const left = spelling[a]!;
    const right = spelling[b]!;
    // What Hugging Face's BPE builder will look up for the merged token.
    if (vocab[left + right.slice(prefixToDrop)] !== result) refuse(`merge ${JSON.stringify(left)} + ${JSON.stringify(right)} does not spell token ${result}`);
    return [left, right];
  });
}

/** The Split step for one of our pre-tokenizers ('none' cuts after each line feed, as lmkit's encoder does). */
function charLevelSplit(name: PreTokenizerName): JsonObject {
  if (name === 'none') return { type: 'Split', pattern: { String: '\n' }, behavior: 'MergedWithPrevious', invert: false };
  return { type: 'Split', pattern: { Regex: PRE_TOKENIZER_PATTERNS[name] }, behavior: 'Isolated', invert: false };
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
