/**
 * ARPA backoff-model text format: the common language of KenLM, SRILM, IRSTLM …
 *
 *     \data\
 *     ngram 1=<count>
 *     …
 *     \1-grams:
 *     <log10 prob> <w1> [<log10 backoff>]
 *     …
 *     \N-grams:
 *     <log10 prob> <w1> … <wN>
 *     \end\
 *
 * Reading follows KenLM's query semantics: a word that appears in a higher-order
 * entry but not among the unigrams is read as `<unk>`; a missing `<unk>` gets
 * log10 p = −100; n-grams whose prefix is missing ("blanks") are filled in as
 * contexts with backoff 0 and the probability backing off would give. Values
 * ≤ −99 are read as log 0 (SRILM writes −99 for zero probabilities).
 *
 * Writing: lmkit puts its metadata (unit, padding, smoothing …) on `#` lines
 * before `\data\` — ARPA readers ignore text there (KenLM accepts `#` lines). For
 * character and BPE models, token strings are escaped so that no token contains
 * whitespace: `\s` space, `\t`, `\n`, `\r`, `\\` backslash, `\u{…}` other
 * whitespace/control characters.
 */
import type { NgramModelInfo } from './model.js';

/** log10 probability KenLM assigns to a missing `<unk>`. */
export const MISSING_UNK_LOG10 = -100;
/** ARPA's stand-in for log10(0). */
export const ARPA_LOG_ZERO = -99;

export class ArpaFormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
    readonly source = 'ARPA',
  ) {
    super(`${source}:${line}: ${message}`);
    this.name = 'ArpaFormatError';
  }
}


/** Escape a token so it contains no whitespace (for char/BPE models). */
export function escapeToken(token: string): string {
  let out = '';
  for (const ch of token) {
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case ' ':
        out += '\\s';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      default:
        out += /[\s\p{Cc}]/u.test(ch) ? `\\u{${ch.codePointAt(0)!.toString(16)}}` : ch;
    }
  }
  return out;
}

export function unescapeToken(text: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = text[++i];
    switch (next) {
      case '\\':
        out += '\\';
        break;
      case 's':
        out += ' ';
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'u': {
        const close = text.indexOf('}', i);
        if (text[i + 1] !== '{' || close < 0) throw new Error(`bad escape in token '${text}'`);
        out += String.fromCodePoint(parseInt(text.slice(i + 2, close), 16));
        i = close;
        break;
      }
      default:
        throw new Error(`bad escape '\\${next ?? ''}' in token '${text}'`);
    }
  }
  return out;
}

/** Word and whitespace models are written as is (their tokens hold no ASCII space); char and BPE tokens may hold whitespace. */
export function needsEscaping(info: NgramModelInfo): boolean {
  return info.unit !== undefined && info.unit.kind !== 'word' && info.unit.kind !== 'whitespace';
}
