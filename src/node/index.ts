/** `lmkit/node`: the Node-only helpers (files, progress bars, model and tokenizer I/O). */
export { FileExistsError, assertWritable, writeFileAtomic, writeChunksAtomic, readTextFile } from './files.js';
export { createProgress, type Progress } from './progress.js';
export { formatTable } from './table.js';
export { loadNgramModel, saveNgramModel, formatFromPath, resolveUnit, unitForModel, type NgramFileFormat } from './ngram-io.js';
export { trainTokenizerFromFiles, loadTokenizerFile, statsFromFiles, TOKENIZER_TYPES, type TokenizerType, type TrainFromFilesSpec, type TrainFromFilesResult } from './text/tokenizer-files.js';
export { streamTextFiles, type StreamOptions } from './text/stream.js';
