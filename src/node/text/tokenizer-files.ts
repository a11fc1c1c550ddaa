/**
 * Tokenizers and files: train from text files of any size (streamed, with
 * progress bars), load a model file of any supported kind, corpus statistics.
 * The CLI (`lmkit tokenizer …`) is a thin shell over these.
 */
import { readFileSync } from 'node:fs';
import { BpeTrainer, type BpeTrainOptions } from '../../text/bpe/train.js';
import { CharCounter } from '../../text/char.js';
import { loadTokenizerText } from '../../text/formats/detect.js';
import { TokenStatsCollector, type TokenizerStats } from '../../text/stats.js';
import type { Tokenizer } from '../../text/tokenizer.js';
import { WordCounter } from '../../text/word.js';
import { WordPieceTokenizer, WordPieceTrainer } from '../../text/wordpiece.js';
import { createProgress } from '../progress.js';
import { streamTextFiles, totalBytes } from './stream.js';

export type TokenizerType = 'bpe' | 'char' | 'word' | 'wordpiece';
export const TOKENIZER_TYPES: readonly TokenizerType[] = ['bpe', 'char', 'word', 'wordpiece'];

export interface TrainFromFilesSpec {
  type: TokenizerType;
  /** BPE: the target size; word: the maximum size; wordpiece: the target size; char: unused. */
  vocabSize?: number;
  /** BPE variant and objective (type 'bpe'). */
  bpe?: Omit<BpeTrainOptions, 'vocabSize' | 'specialTokens' | 'minFrequency'>;
  specialTokens?: readonly string[];
  /** undefined: the type's default; null: none. */
  unkToken?: string | null;
  minFrequency?: number;
  /** word / wordpiece. */
  lowercase?: boolean;
}

export interface FileOptions {
  replaceInvalid?: boolean;
  quiet?: boolean;
}

export interface TrainFromFilesResult {
  tokenizer: Tokenizer;
  bytes: number;
  readSeconds: number;
  mergeSeconds: number;
}

function requireVocabSize(spec: TrainFromFilesSpec): number {
  if (spec.vocabSize === undefined) throw new Error(`a ${spec.type} tokenizer needs --vocab-size`);
  return spec.vocabSize;
}

export async function trainTokenizerFromFiles(paths: readonly string[], spec: TrainFromFilesSpec, options: FileOptions = {}): Promise<TrainFromFilesResult> {
  if (paths.length === 0) throw new Error('no training files given');
  const bytes = totalBytes(paths);
  let feed: (text: string) => void;
  let endDocument: () => void = () => {};
  let build: (onProgress: (done: number, total: number) => void) => Tokenizer;

  switch (spec.type) {
    case 'bpe': {
      const trainer = new BpeTrainer({ ...spec.bpe, vocabSize: requireVocabSize(spec), specialTokens: spec.specialTokens, minFrequency: spec.minFrequency, ...(spec.unkToken !== undefined ? { unkToken: spec.unkToken } : {}) });
      feed = (text) => trainer.feed(text);
      endDocument = () => trainer.endDocument();
      build = (onProgress) => trainer.train({ onProgress });
      break;
    }
    case 'char': {
      const counter = new CharCounter();
      feed = (text) => counter.feed(text);
      build = () => counter.build({ unkToken: spec.unkToken, specialTokens: spec.specialTokens });
      break;
    }
    case 'word': {
      const counter = new WordCounter(spec.lowercase ?? false);
      feed = (text) => counter.feed(text);
      build = () => counter.build({ unkToken: spec.unkToken, specialTokens: spec.specialTokens, minFrequency: spec.minFrequency, maxVocabSize: spec.vocabSize });
      break;
    }
    case 'wordpiece': {
      const vocabSize = requireVocabSize(spec);
      let onProgressHook: ((done: number, total: number) => void) | undefined;
      const trainer = new WordPieceTrainer({
        vocabSize,
        lowercase: spec.lowercase,
        minFrequency: spec.minFrequency,
        specialTokens: spec.specialTokens,
        ...(typeof spec.unkToken === 'string' ? { unkToken: spec.unkToken } : {}),
        objective: spec.bpe?.objective === 'frequency' ? 'frequency' : 'wordpiece',
        onProgress: (done, total) => onProgressHook?.(done, total),
      });
      feed = (text) => trainer.feed(text);
      build = (onProgress) => {
        onProgressHook = onProgress;
        return trainer.train();
      };
      break;
    }
    default:
      throw new Error(`unknown tokenizer type ${JSON.stringify(spec.type)} (expected one of ${TOKENIZER_TYPES.join(', ')})`);
  }

  const started = performance.now();
  const reading = createProgress('reading', bytes, { quiet: options.quiet, unit: 'B' });
  try {
    await streamTextFiles(paths, (text) => feed(text), () => endDocument(), { replaceInvalid: options.replaceInvalid, onBytes: (done) => reading.update(done) });
  } finally {
    reading.stop();
  }
  const readSeconds = (performance.now() - started) / 1000;
  let merging: ReturnType<typeof createProgress> | undefined;
  const mergeStart = performance.now();
  let tokenizer: Tokenizer;
  try {
    tokenizer = build((done, total) => {
      merging ??= createProgress('merging', total, { quiet: options.quiet, unit: 'merges' });
      merging.update(done);
    });
  } catch (err) {
    const message = (err as Error).message;
    if (/empty corpus/.test(message)) throw new Error(`empty corpus: ${paths.join(', ')} contain${paths.length === 1 ? 's' : ''} no text to learn from`);
    throw err;
  } finally {
    merging?.stop();
  }
  return { tokenizer, bytes, readSeconds, mergeSeconds: (performance.now() - mergeStart) / 1000 };
}

/**
 * Load a tokenizer file: a BERT `vocab.txt` (WordPiece; by the `.txt` name,
 * uncased unless `cased`), or anything ../../text/formats/detect.ts recognises —
 * lmkit JSON (any kind), Hugging Face tokenizer.json, `.tiktoken` rank files.
 * Errors name the file and the field.
 */
export function loadTokenizerFile(path: string, options: { cased?: boolean } = {}): Tokenizer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${path}: no such tokenizer file`);
    throw new Error(`${path}: cannot read (${(err as Error).message})`);
  }
  if (path.endsWith('.txt')) return WordPieceTokenizer.fromVocabText(text, { lowercase: !options.cased });
  return loadTokenizerText(text, path);
}

export async function statsFromFiles(tokenizer: Tokenizer, paths: readonly string[], options: FileOptions & { top?: number } = {}): Promise<TokenizerStats> {
  const collector = new TokenStatsCollector(tokenizer);
  const bytes = totalBytes(paths);
  const progress = createProgress('encoding', bytes, { quiet: options.quiet, unit: 'B' });
  try {
    await streamTextFiles(paths, (text) => collector.add(text), () => {}, { replaceInvalid: options.replaceInvalid, onBytes: (done) => progress.update(done) });
  } finally {
    progress.stop();
  }
  return collector.result(options.top ?? 10);
}
