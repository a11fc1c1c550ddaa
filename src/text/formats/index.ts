/** Tokenizer file formats (browser-safe: text in, tokenizers out; reading files is the caller's job). */
export { loadTiktokenFile, KNOWN_TIKTOKEN_ENCODINGS, type KnownEncoding, type TiktokenFileOptions } from './tiktoken-file.js';
export { parseTiktokenRanks, formatTiktokenRanks } from './tiktoken-ranks.js';
export { mergesFromRanks } from './tiktoken-merges.js';
export { loadGpt2Encoder, type Gpt2EncoderOptions } from './gpt2-encoder.js';
export { loadHuggingFaceTokenizer, toHuggingFaceJson, type HuggingFaceLoadOptions } from './hf-json/index.js';
export { base64ToBytes, bytesToBase64 } from './base64.js';
export { loadTokenizerText, type TokenizerTextOptions } from './detect.js';
