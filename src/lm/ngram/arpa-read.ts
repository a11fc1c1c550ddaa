/**
 * Reading ARPA text (format and KenLM's reading rules: arpa-format.ts): a header
 * reader (preamble with lmkit's metadata, then `\data\`), a reader per n-gram
 * section, and `\end\`. Every malformed line fails with its line number.
 */
import { ARPA_LOG_ZERO, ArpaFormatError } from './arpa-format.js';
import { parseKenlmFloat, splitArpaFields, trimAsciiSpace } from './kenlm-text.js';
import { ArpaModelBuilder } from './arpa-model-builder.js';
import type { NgramModel } from './model.js';

export interface ArpaReadOptions {
  /** File name for error messages. */
  readonly source?: string;
}

/** Parse ARPA text (or UTF-8 bytes) into a model. Malformed input → ArpaFormatError with the line number. */
export function parseArpa(input: string | Uint8Array, options: ArpaReadOptions = {}): NgramModel {
  const source = options.source ?? 'ARPA';
  const reader = new ArpaLineReader(decodeArpaInput(input, source), source);
  const header = readHeader(reader);
  const builder = new ArpaModelBuilder(header, (message) => reader.fail(message));
  for (let order = 1; order <= header.order; order++) {
    readSectionHeader(reader, order);
    readSection(reader, order, header, builder);
  }
  readEnd(reader);
  return builder.finish(source);
}

function decodeArpaInput(input: string | Uint8Array, source: string): string {
  if (typeof input === 'string') return input;
  try {
    // An ARPA file's leading BOM is its encoding signature, not a word: stripped (WHATWG default).
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    throw new ArpaFormatError(0, 'not valid UTF-8', source);
  }
}

/** Hands out the lines of the text one at a time (without `\r\n` / `\n`), numbering them for error messages. */
class ArpaLineReader {
  private position = 0;
  /** Where the line just read starts, for `unread` (its length may have lost a `\r`). */
  private lineStart = 0;
  lineNumber = 0;

  constructor(
    readonly text: string,
    private readonly source: string,
  ) {}

  /** The next line, or undefined at the end of the text (a final `\n` does not start another line). */
  next(): string | undefined {
    const text = this.text;
    const atEnd = this.position === text.length && text.length > 0 && text.charCodeAt(text.length - 1) === NEWLINE;
    if (this.position > text.length || atEnd) return undefined;
    let end = text.indexOf('\n', this.position);
    if (end < 0) end = text.length;
    this.lineStart = this.position;
    this.position = end + 1;
    this.lineNumber++;
    if (end > this.lineStart && text.charCodeAt(end - 1) === CARRIAGE_RETURN) end--;
    return text.slice(this.lineStart, end);
  }

  /** The next line without surrounding ASCII white space; fails with `endOfFile` when there is none. */
  nextTrimmed(endOfFile: string): string {
    const line = this.next();
    if (line === undefined) return this.fail(endOfFile);
    return trimAsciiSpace(line);
  }

  /** Characters after the line just read: what the rest of the file can still hold. */
  remaining(): number {
    return Math.max(0, this.text.length - this.position);
  }

  /** Step back over the line just read, so that `next` returns it again. */
  unread(): void {
    this.position = this.lineStart;
    this.lineNumber--;
  }

  /** Throw an ArpaFormatError for the current line. */
  fail(message: string): never {
    throw new ArpaFormatError(this.lineNumber, message, this.source);
  }
}

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
const BACKSLASH = 92;
const SECTION_HEADER = /^\\(\d+)-grams:$/;
const META_PREFIX = '# lmkit-meta:';

/** What comes before the first n-gram section: lmkit's metadata and the declared counts. */
export interface ArpaHeader {
  readonly meta: Record<string, unknown> | undefined;
  /** Declared number of n-grams of order k at index k − 1. */
  readonly declaredCounts: readonly number[];
  readonly order: number;
  /** Token strings are backslash-escaped (char and BPE models written by lmkit). */
  readonly escaped: boolean;
}

function readHeader(reader: ArpaLineReader): ArpaHeader {
  const meta = readPreamble(reader);
  const declaredCounts = readDataSection(reader);
  const order = declaredCounts.length;
  if (order === 0) reader.fail('the \\data\\ section declares no n-gram counts');
  if (meta && typeof meta.order === 'number' && meta.order !== order) reader.fail(`lmkit-meta says order ${meta.order} but \\data\\ declares ${order} orders`);
  return { meta, declaredCounts, order, escaped: meta?.escape === 'backslash' };
}

/** Anything before `\data\`: ignored except lmkit's metadata on a `# lmkit-meta:` line. */
function readPreamble(reader: ArpaLineReader): Record<string, unknown> | undefined {
  let meta: Record<string, unknown> | undefined;
  for (;;) {
    const line = reader.nextTrimmed('reached the end of the file without finding \\data\\');
    if (line === '\\data\\') return meta;
    if (line.startsWith(META_PREFIX)) {
      try {
        meta = JSON.parse(line.slice(META_PREFIX.length)) as Record<string, unknown>;
      } catch {
        reader.fail('cannot parse the lmkit-meta JSON');
      }
    }
  }
}

/**
 * The `ngram k=<count>` lines, up to a blank line or the first section header. A count
 * the rest of the file cannot hold (an entry of order k takes at least 2k + 2
 * characters) fails here, before anything is allocated from it.
 */
function readDataSection(reader: ArpaLineReader): number[] {
  const declaredCounts: number[] = [];
  for (;;) {
    const line = reader.nextTrimmed('unexpected end of file in the \\data\\ section');
    if (line === '') {
      if (declaredCounts.length > 0) return declaredCounts;
      continue;
    }
    if (SECTION_HEADER.test(line)) {
      reader.unread();
      return declaredCounts;
    }
    const match = /^ngram[ \t]+(\d+)[ \t]*=[ \t]*(\d+)$/.exec(line);
    if (!match) return reader.fail(`expected 'ngram <order>=<count>' in the \\data\\ section, got '${line}'`);
    const order = Number(match[1]);
    if (order !== declaredCounts.length + 1) reader.fail(`n-gram orders in \\data\\ must be consecutive from 1; got order ${order} after ${declaredCounts.length}`);
    const count = Number(match[2]);
    const smallestEntry = 2 * order + 2;
    if (count > reader.remaining() / smallestEntry) {
      reader.fail(`declares ${match[2]} ${order}-grams, more than the ${reader.remaining()} characters left in the file can hold`);
    }
    declaredCounts.push(count);
  }
}

/** `\k-grams:`, after any blank lines. */
function readSectionHeader(reader: ArpaLineReader, order: number): void {
  for (;;) {
    const line = reader.nextTrimmed(`unexpected end of file: expected the \\${order}-grams: section`);
    if (line === '') continue;
    const match = SECTION_HEADER.exec(line);
    if (!match || Number(match[1]) !== order) reader.fail(`expected '\\${order}-grams:', got '${line}'`);
    return;
  }
}

/** The entries of one section, up to a blank line, the next `\\` line or the end of the file. */
function readSection(reader: ArpaLineReader, order: number, header: ArpaHeader, builder: ArpaModelBuilder): void {
  const declared = header.declaredCounts[order - 1];
  const fields: string[] = [];
  let entries = 0;
  for (;;) {
    const line = reader.next();
    if (line === undefined) break;
    if (trimAsciiSpace(line) === '') break;
    splitArpaFields(line, fields);
    if (fields[0].charCodeAt(0) === BACKSLASH) {
      reader.unread();
      break;
    }
    if (fields.length !== order + 1 && fields.length !== order + 2) {
      reader.fail(`a ${order}-gram entry needs a log10 probability, ${order} word${order > 1 ? 's' : ''} and an optional backoff; got ${fields.length} fields`);
    }
    const hasBackoff = fields.length === order + 2;
    if (hasBackoff && order === header.order) reader.fail(`backoff given for a ${order}-gram, the highest order has none`);
    entries++;
    if (entries > declared) reader.fail(`more ${order}-grams than the ${declared} declared in \\data\\`);
    const logProb = parseLogProbability(reader, fields[0]);
    const logBackoff = hasBackoff ? parseLogBackoff(reader, fields[order + 1]) : 0;
    if (order === 1) builder.addUnigram(fields[1], logProb, logBackoff);
    else builder.addNgram(fields, order, logProb, logBackoff);
  }
  if (entries !== declared) reader.fail(`\\data\\ declares ${declared} ${order}-grams but the section has ${entries}`);
}

/** `\end\`, after any blank lines. */
function readEnd(reader: ArpaLineReader): void {
  for (;;) {
    const line = reader.nextTrimmed('missing \\end\\ at the end of the file');
    if (line === '') continue;
    if (line !== '\\end\\') reader.fail(`expected \\end\\, got '${line}'`);
    return;
  }
}

/**
 * A log10 probability as KenLM reads it (kenlm-text.ts): decimal or `-inf`; SRILM's −99
 * (and anything below) stands for log 0. KenLM rejects a positive log probability
 * (lm/read_arpa.hh: "probably because of a bug in IRSTLM") and so do we. KenLM lets
 * `NaN` through; a NaN probability is never meaningful, so it is an error here.
 */
function parseLogProbability(reader: ArpaLineReader, field: string): number {
  const value = parseKenlmFloat(field);
  if (value === undefined) return reader.fail(`cannot parse log10 probability '${field}' as a number`);
  if (value > 0) reader.fail(`positive log10 probability ${field} (a probability above 1); KenLM rejects these too`);
  return value <= ARPA_LOG_ZERO ? Number.NEGATIVE_INFINITY : value;
}

/** A log10 backoff: finite, as KenLM requires ("Bad backoff" for NaN and ±inf); ≤ −99 is log 0. */
function parseLogBackoff(reader: ArpaLineReader, field: string): number {
  const value = parseKenlmFloat(field);
  if (value === undefined) return reader.fail(`cannot parse log10 backoff '${field}' as a number`);
  if (!Number.isFinite(value)) reader.fail(`log10 backoff ${field} is not finite; KenLM rejects it too`);
  return value <= ARPA_LOG_ZERO ? Number.NEGATIVE_INFINITY : value;
}
