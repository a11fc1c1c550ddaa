/**
 * A language model together with the way text becomes its ids — what
 * `lmkit sample | score | eval` work with, whichever family the model is:
 *
 * - a checkpoint or run directory of a GPT or RNN-LM: its tokenizer maps text
 *   to ids; an empty prompt starts from a start token (src/lm/factory.ts);
 * - an n-gram model file (ARPA or lmkit binary): its unit (word, char, bpe)
 *   maps text to token strings and its vocabulary maps those to ids, unknown
 *   ones to `<unk>` — as `lmkit ngram eval / sample` do (src/lm/ngram/corpus.ts).
 *
 * Both serve the one LanguageModel interface (src/lm/model.ts), so generation,
 * beam search, scoring and ranking run unchanged on either.
 */
import { statSync } from 'node:fs';
import { asLanguageModel, defaultStartToken, startTokenOf, type LanguageModelNetwork } from '../lm/factory.js';
import type { TextDecoding } from '../lm/generated-text.js';
import type { LanguageModel } from '../lm/model.js';
import { BOS_ID, EOS_ID, promptTokens, detokenize, textToCorpus, UNK_ID, type NgramModel, type NgramUnit } from '../lm/ngram/index.js';
import { evaluatePerplexity } from '../lm/score.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { streamLoss, streamLossMethod } from '../train/evaluate.js';
import { encodeStream } from '../train/tokens.js';
import { loadNgramModel, unitForModel } from './ngram-io.js';
import { loadCheckpoint } from './train/checkpoint-dir.js';

/** Text as ids, with the pieces the vocabulary does not have. */
export interface EncodedText {
  readonly ids: number[];
  /** Pieces of the text (characters, words) the model's vocabulary lacks, in order, repeats included. */
  readonly unknown: readonly string[];
  /** True: the unknown pieces are in `ids` as the unknown token; false: they were left out. */
  readonly unknownAsUnk: boolean;
}

/** Loss of a text, in the units every family shares. */
export interface TextEvaluation {
  /** Tokens the text encodes to. */
  readonly tokens: number;
  /** Tokens whose probability was scored (end-of-sentence tokens included for padded n-grams). */
  readonly predicted: number;
  /** Mean negative log-likelihood, nats per predicted token. */
  readonly loss: number;
  readonly bitsPerToken: number;
  readonly perplexity: number;
  /** Tokens scored as `<unk>` (n-gram models). */
  readonly oovs?: number;
  /** How the text was read, in words. */
  readonly method: string;
}

export interface TextModel {
  readonly family: 'network' | 'ngram';
  /** The checkpoint directory or model file used. */
  readonly source: string;
  readonly lm: LanguageModel<unknown>;
  readonly decoding: TextDecoding;
  /** Tokens never to generate (an n-gram model's `<unk>`). */
  readonly bannedTokens: readonly number[];
  /** What generation from an empty prompt starts from, in words. */
  readonly start: string;
  /** Warnings from loading (an ARPA file's repairs). */
  readonly warnings: readonly string[];
  encode(text: string): EncodedText;
  evaluate(text: string, onProgress?: (done: number, total: number) => void): TextEvaluation;
}

export interface LoadTextModelOptions {
  /** Which checkpoint of a run directory (default best/). */
  readonly prefer?: 'best' | 'last';
  /** A GPT/RNN-LM's start token, as text (one token of its vocabulary); default `defaultStartToken`. */
  readonly startToken?: string;
}

/** Load a checkpoint or run directory (GPT, RNN-LM) or an n-gram model file (ARPA, binary). */
export function loadTextModel(path: string, options: LoadTextModelOptions = {}): TextModel {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new Error(`${path}: no such checkpoint directory or n-gram model file`);
  }
  if (isDirectory) {
    const { model, tokenizer, dir } = loadCheckpoint(path, { prefer: options.prefer });
    return networkTextModel(model, tokenizer, dir, options.startToken);
  }
  if (options.startToken !== undefined) {
    throw new Error(`--start-token is for GPT and RNN checkpoints; ${path} is an n-gram model file, which starts from its sentence start <s> (or, unpadded, its unigram distribution)`);
  }
  return ngramTextModel(loadNgramModel(path), path);
}

/** A GPT or RNN-LM and its tokenizer as a TextModel. */
export function networkTextModel(model: LanguageModelNetwork, tokenizer: Tokenizer, source: string, startTokenText?: string): TextModel {
  const start = startTokenText === undefined ? defaultStartToken(tokenizer) : { id: startTokenOf(tokenizer, startTokenText), reason: 'given' };
  return {
    family: 'network',
    source,
    lm: asLanguageModel(model, tokenizer, { startToken: start.id }),
    decoding: tokenizer,
    bannedTokens: [],
    start: `${JSON.stringify(tokenizer.idToToken(start.id))} (${start.reason})`,
    warnings: [],
    encode: (text) => encodeWithTokenizer(tokenizer, text),
    evaluate(text, onProgress) {
      const ids = encodeStream(text, tokenizer);
      const result = streamLoss(model, ids, { onProgress });
      return { tokens: ids.length, predicted: result.tokens, loss: result.loss, bitsPerToken: result.bitsPerToken, perplexity: result.perplexity, method: streamLossMethod(model) };
    },
  };
}

/**
 * A character vocabulary without `<unk>` cannot encode a character it lacks:
 * those are left out (and reported). Other tokenizers map unknown input to their
 * unknown token (or, byte-level, have none); the unknown tokens are reported.
 */
function encodeWithTokenizer(tokenizer: Tokenizer, text: string): EncodedText {
  if (tokenizer.kind === 'char' && tokenizer.unknownTokenId === undefined) {
    const characters = Array.from(text);
    const unknown = characters.filter((c) => tokenizer.tokenToId(c) === undefined);
    if (unknown.length === 0) return { ids: tokenizer.encode(text), unknown, unknownAsUnk: false };
    return { ids: tokenizer.encode(characters.filter((c) => tokenizer.tokenToId(c) !== undefined).join('')), unknown, unknownAsUnk: false };
  }
  const ids = tokenizer.encode(text);
  const unk = tokenizer.unknownTokenId;
  const unknown = unk === undefined ? [] : ids.filter((id) => id === unk).map(() => tokenizer.idToToken(unk) ?? '<unk>');
  return { ids, unknown, unknownAsUnk: true };
}

/** An n-gram model and the unit it was trained with as a TextModel. */
export function ngramTextModel(model: NgramModel, source: string, unit: NgramUnit = unitForModel(model.info.unit)): TextModel {
  const vocab = model.vocab;
  return {
    family: 'ngram',
    source,
    lm: model as LanguageModel<unknown>,
    // <s> and </s> mark sentences; they are not text.
    decoding: { decode: (ids) => detokenize(Array.from(ids).filter((id) => id !== BOS_ID && id !== EOS_ID).map((id) => vocab.word(id)), unit) },
    bannedTokens: [UNK_ID],
    start: model.info.padding ? 'the sentence start <s>' : 'the unigram distribution',
    warnings: model.warnings,
    encode(text) {
      const tokens = promptTokens(text, unit);
      return { ids: tokens.map((t) => vocab.id(t)), unknown: tokens.filter((t) => !vocab.has(t)), unknownAsUnk: true };
    },
    evaluate: (text) => evaluateNgram(model, unit, text),
  };
}

/** As `lmkit ngram eval`: each line a sentence (padded models) or one stream; OOVs scored as <unk>. */
function evaluateNgram(model: NgramModel, unit: NgramUnit, text: string): TextEvaluation {
  const corpus = textToCorpus(text, unit, model.vocab, { grow: false, padding: model.info.padding });
  const sentences: Int32Array[] = [];
  for (let s = 1; s < corpus.starts.length; s++) sentences.push(corpus.ids.subarray(corpus.starts[s - 1], corpus.starts[s]));
  const report = evaluatePerplexity(model, sentences, { unknownToken: UNK_ID });
  const reading = model.info.padding ? `${report.sequences} sentences, </s> scored` : 'one stream';
  return {
    tokens: corpus.ids.length, predicted: report.tokens, loss: report.crossEntropyNats, bitsPerToken: report.crossEntropyBits,
    perplexity: report.perplexity, oovs: report.oovs,
    method: `${model.info.smoothing} ${model.order}-gram, ${reading}${model.info.normalized ? '' : ' (scores not normalized: only indicative)'}`,
  };
}
