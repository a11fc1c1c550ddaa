/** `lmkit/node`: the Node-only helpers (files, progress bars, model and tokenizer I/O). */
export { FileExistsError, assertWritable, writeFileAtomic, writeChunksAtomic, readTextFile } from './files.js';
export { createProgress, type Progress } from './progress.js';
export { formatTable } from './table.js';
export { loadNgramModel, saveNgramModel, formatFromPath, resolveUnit, unitForModel, type NgramFileFormat } from './ngram-io.js';
export { trainTokenizerFromFiles, loadTokenizerFile, statsFromFiles, TOKENIZER_TYPES, type TokenizerType, type TrainFromFilesSpec, type TrainFromFilesResult } from './text/tokenizer-files.js';
export { streamTextFiles, type StreamOptions } from './text/stream.js';
export { readSafetensorsFile, writeSafetensorsFile, type WriteSafetensorsOptions } from './io/safetensors-file.js';
// Backends: importing lmkit/node selects native → wasm → js.
import './backend/auto.js';
export { selectNodeBackend, registerNodeBackends, backendReport, describeBackend, setNumThreads, getNumThreads, loadNativeBackend, NATIVE_ADDON_PATH, type BackendReport, type BackendName, type NativeBackend, type NativeInfo, type LoadNativeOptions } from './backend/index.js';
// The Node host of the training road: checkpoint directories (a CheckpointStore), the run directory with progress bar,
// Ctrl-C, metrics.jsonl and loss.svg, and runTraining for language models.
export { runOnNodeHost, type NodeHostOptions } from './train/host.js';
export { saveCheckpoint, loadCheckpoint, loadTrainingSnapshot, resolveCheckpointDir, readCheckpointDir, writeCheckpointDir, DirectoryCheckpointStore, type CheckpointConfigFile, type CheckpointContents, type SaveCheckpointParts } from './train/checkpoint-dir.js';
export { runTraining, type RunTrainingOptions, type RunSummary } from './train/run.js';
