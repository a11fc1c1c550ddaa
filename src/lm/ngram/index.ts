/** n-gram language models: counting, smoothing, queries, sampling, ARPA and binary I/O. */
export * from './vocabulary.js';
export * from './corpus.js';
export { countNgrams, type NgramCounts, CountTable, MAX_ORDER } from './counts.js';
export * from './discounts.js';
export { parseSmoothing, type Smoothing, SMOOTHINGS, type SmoothingOptions } from './smoothing.js';
export { estimationCounts, predictableMask } from './estimation-counts.js';
export * from './estimate.js';
export { NgramModel, type NgramModelInfo, type TokenScoreDetail } from './model.js';
export * from './train.js';
export * from './arpa.js';
export * from './binary.js';
