/**
 * Node-side file handling for n-gram models: load ARPA or binary (recognized by
 * content), save with the format chosen by option or extension, atomically and
 * never over an existing file without `force`, and load the tokenizer a BPE
 * model was trained with (src/text/load.ts).
 */
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { loadTokenizer } from '../text/load.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { arpaChunks } from '../lm/ngram/arpa.js';
import { deserializeNgramModel, isNgramBinary, serializeNgramModel } from '../lm/ngram/binary.js';
import { parseArpa } from '../lm/ngram/arpa.js';
import type { NgramModel } from '../lm/ngram/model.js';
import type { NgramUnit, NgramUnitInfo } from '../lm/ngram/corpus.js';
import { writeChunksAtomic } from './files.js';

export type NgramFileFormat = 'arpa' | 'binary';

/** Extensions that mean the binary format; anything else is ARPA. */
const BINARY_EXTENSIONS = new Set(['.bin', '.lmkit', '.ngram', '.klm']);

export function formatFromPath(path: string): NgramFileFormat {
  return BINARY_EXTENSIONS.has(extname(path).toLowerCase()) ? 'binary' : 'arpa';
}

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${path}: no such file`);
    if (code === 'EISDIR') throw new Error(`${path}: is a directory, expected a model file`);
    throw new Error(`${path}: cannot read (${(err as Error).message})`);
  }
}

/** Load an n-gram model from an ARPA file or an lmkit binary file. */
export function loadNgramModel(path: string): NgramModel {
  const bytes = readBytes(path);
  if (isNgramBinary(bytes)) return deserializeNgramModel(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
  return parseArpa(bytes, { source: path });
}

/** Save a model; returns the number of bytes written. */
export function saveNgramModel(path: string, model: NgramModel, options: { format?: NgramFileFormat; force?: boolean } = {}): number {
  const format = options.format ?? formatFromPath(path);
  const force = options.force ?? false;
  if (format === 'binary') return writeChunksAtomic(path, [serializeNgramModel(model)], { force });
  return writeChunksAtomic(path, arpaChunks(model), { force });
}

/** Load a tokenizer saved by `lmkit tokenizer train` (any kind src/text/load.ts reads). */
export function loadTokenizerJson(path: string): Tokenizer {
  return loadTokenizer(readBytes(path).toString('utf8'), path);
}

/** Parse the CLI's --unit value: word | char | bpe:<tokenizer.json>. */
export function resolveUnit(spec: string, options: { lowercase?: boolean } = {}): NgramUnit {
  if (spec === 'word') return options.lowercase ? { kind: 'word', lowercase: true } : { kind: 'word' };
  if (spec === 'char') return { kind: 'char' };
  if (spec.startsWith('bpe:') && spec.length > 4) {
    const path = resolve(spec.slice(4));
    return { kind: 'bpe', tokenizer: loadTokenizerJson(path), tokenizerPath: path };
  }
  throw new Error(`unknown --unit '${spec}'; use word, char or bpe:<tokenizer.json>`);
}

/** The unit a model was trained with (for eval/sample), loading its tokenizer if needed. */
export function unitForModel(info: NgramUnitInfo | undefined, override?: string): NgramUnit {
  if (override) return resolveUnit(override, { lowercase: info?.kind === 'word' && info.lowercase === true });
  if (!info || info.kind === 'word') return info?.kind === 'word' && info.lowercase ? { kind: 'word', lowercase: true } : { kind: 'word' };
  if (info.kind === 'char') return { kind: 'char' };
  if (!info.tokenizer) throw new Error('this model was trained on BPE tokens but does not record its tokenizer; pass --unit bpe:<tokenizer.json>');
  return { kind: 'bpe', tokenizer: loadTokenizerJson(info.tokenizer), tokenizerPath: info.tokenizer };
}
