/**
 * KenLM's text rules, so that lmkit reads the same tokens and numbers as lmplz and
 * query (read from KenLM's util/spaces.cc, lm/read_arpa.cc, util/file_piece.cc):
 *
 * - Corpus text (lmplz, query): tokens are separated by the six ASCII spaces of
 *   C's isspace — space, \t, \n, \v, \f, \r (util/spaces.cc kSpaces). No-break
 *   space, U+3000, U+2028 … are ordinary characters inside a word.
 * - ARPA entries: fields are separated by space, \t and \r only (kARPASpaces —
 *   "Apparently ARPA allows vertical tab inside a word"); a line that holds only
 *   isspace characters is blank.
 * - Numbers (FilePiece::ReadFloat → double-conversion without ALLOW_HEX): decimal
 *   only — optional sign, digits with an optional point, optional exponent — or
 *   `inf` with an optional sign. `0x10`, `0b11`, `Infinity`, `1e` are not numbers.
 */

const SPACE = 32;
const TAB = 9;
const CARRIAGE_RETURN = 13;

/** C isspace in the "C" locale: \t \n \v \f \r and space. */
export function isAsciiSpace(code: number): boolean {
  return code === SPACE || (code >= 9 && code <= 13);
}

/** The line without leading and trailing isspace characters (Unicode spaces stay). */
export function trimAsciiSpace(line: string): string {
  let start = 0;
  let end = line.length;
  while (start < end && isAsciiSpace(line.charCodeAt(start))) start++;
  while (end > start && isAsciiSpace(line.charCodeAt(end - 1))) end--;
  return start === 0 && end === line.length ? line : line.slice(start, end);
}

/** Split on runs of characters for which `isSeparator` holds; no empty tokens. */
function splitOn(text: string, isSeparator: (code: number) => boolean, out: string[]): string[] {
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    if (isSeparator(text.charCodeAt(i))) {
      if (start >= 0) out.push(text.slice(start, i));
      start = -1;
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(text.slice(start));
  return out;
}

/** Corpus tokens as lmplz and query see them: split on the six ASCII spaces. */
export function splitAsciiSpace(text: string): string[] {
  return splitOn(text, isAsciiSpace, []);
}

const isArpaSeparator = (code: number): boolean => code === SPACE || code === TAB || code === CARRIAGE_RETURN;

/** The fields of an ARPA entry line: split on space, \t and \r (\v and \f belong to words). */
export function splitArpaFields(line: string, out: string[] = []): string[] {
  out.length = 0;
  return splitOn(line, isArpaSeparator, out);
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)inf$/;

/** A number as KenLM reads it, or undefined when KenLM would not parse the field. */
export function parseKenlmFloat(field: string): number | undefined {
  if (DECIMAL.test(field)) return Number(field);
  const infinity = INFINITY.exec(field);
  if (infinity) return infinity[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return undefined;
}
