/**
 * Node-side file handling for n-gram models: load ARPA or binary (recognized by
 * content; gzip-compressed files are read directly, as KenLM does), save with the
 * format chosen by option or extension, atomically and
 * never over an existing file without `force`, and load the tokenizer a BPE
 * model was trained with (src/text/load.ts).
 */
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
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

/** Magic numbers of the compressions KenLM reads (util/read_compressed.cc) that Node has no decoder for. */
const UNSUPPORTED_COMPRESSION: readonly { name: string; magic: readonly number[] }[] = [
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68] },
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd] },
];

const startsWith = (bytes: Uint8Array, magic: readonly number[]): boolean => bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);

/** The file's bytes, gunzipped when they start with gzip's magic number (whatever the extension). */
function readModelBytes(path: string): Buffer {
  const bytes = readBytes(path);
  if (startsWith(bytes, [0x1f, 0x8b])) {
    try {
      return gunzipSync(bytes);
    } catch (err) {
      throw new Error(`${path}: gzip-compressed but cannot be decompressed (${(err as Error).message})`);
    }
  }
  for (const { name, magic } of UNSUPPORTED_COMPRESSION) {
    if (startsWith(bytes, magic)) throw new Error(`${path}: ${name}-compressed; decompress it first (lmkit reads plain and gzip-compressed model files)`);
  }
  return bytes;
}

/** Load an n-gram model from an ARPA file or an lmkit binary file, either possibly gzip-compressed. */
export function loadNgramModel(path: string): NgramModel {
  const bytes = readModelBytes(path);
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

/** Parse the CLI's --unit value: word | whitespace | char | bpe:<tokenizer.json>. */
export function resolveUnit(spec: string, options: { lowercase?: boolean } = {}): NgramUnit {
  if (spec === 'word' || spec === 'whitespace') return options.lowercase ? { kind: spec, lowercase: true } : { kind: spec };
  if (spec === 'char') return { kind: 'char' };
  if (spec.startsWith('bpe:') && spec.length > 4) {
    const path = resolve(spec.slice(4));
    return { kind: 'bpe', tokenizer: loadTokenizerJson(path), tokenizerPath: path };
  }
  throw new Error(`unknown --unit '${spec}'; use word, whitespace, char or bpe:<tokenizer.json>`);
}

/**
 * The unit a model was trained with (for eval/sample/query), loading its tokenizer if needed.
 * A file that records no unit (KenLM, SRILM …) was built from whitespace-separated text.
 */
export function unitForModel(info: NgramUnitInfo | undefined, override?: string): NgramUnit {
  const lowercase = info !== undefined && (info.kind === 'word' || info.kind === 'whitespace') && info.lowercase === true;
  if (override) {
    const unit = resolveUnit(override, { lowercase });
    // An older BPE model spells its tokens as ids; the override's tokenizer reads them that way too.
    return unit.kind === 'bpe' && info?.kind === 'bpe' ? { ...unit, spelling: info.spelling ?? 'id' } : unit;
  }
  if (!info) return { kind: 'whitespace' };
  if (info.kind === 'char') return { kind: 'char' };
  if (info.kind !== 'bpe') return lowercase ? { kind: info.kind, lowercase: true } : { kind: info.kind };
  if (!info.tokenizer) throw new Error('this model was trained on BPE tokens but does not record its tokenizer; pass --unit bpe:<tokenizer.json>');
  return { kind: 'bpe', tokenizer: loadTokenizerJson(info.tokenizer), tokenizerPath: info.tokenizer, spelling: info.spelling ?? 'id' };
}
