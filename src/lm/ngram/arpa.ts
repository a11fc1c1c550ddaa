/** ARPA backoff-model text: the format (arpa-format.ts), writing (arpa-write.ts) and reading (arpa-read.ts). */
export { ARPA_LOG_ZERO, ArpaFormatError, escapeToken, MISSING_UNK_LOG10, unescapeToken } from './arpa-format.js';
export { arpaChunks, formatLog10, toArpa } from './arpa-write.js';
export { type ArpaReadOptions, parseArpa } from './arpa-read.js';
