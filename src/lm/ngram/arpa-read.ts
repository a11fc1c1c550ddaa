/**
 * Reading ARPA text (format and KenLM's reading rules: arpa-format.ts): a header
 * reader (preamble with lmkit's metadata, then `\data\`), a reader per n-gram
 * section, and `\end\`. Every malformed line fails with its line number.
 */
import { ARPA_LOG_ZERO, ArpaFormatError } from './arpa-format.js';
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
  private lastLength = 0;
  lineNumber = 0;

  constructor(
    private readonly text: string,
    private readonly source: string,
  ) {}

  /** The next line, or undefined at the end of the text (a final `\n` does not start another line). */
  next(): string | undefined {
    const text = this.text;
    const atEnd = this.position === text.length && text.length > 0 && text[text.length - 1] === '\n';
    if (this.position > text.length || atEnd) return undefined;
    let end = text.indexOf('\n', this.position);
    if (end < 0) end = text.length;
    let line = text.slice(this.position, end);
    this.position = end + 1;
    this.lineNumber++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    this.lastLength = line.length;
    return line;
  }

  /** The next line, trimmed; fails with `endOfFile` when there is none. */
  nextTrimmed(endOfFile: string): string {
    const line = this.next();
    if (line === undefined) return this.fail(endOfFile);
    return line.trim();
  }

  /** Step back over the line just read, so that `next` returns it again. */
  unread(): void {
    this.position -= this.lastLength + 1;
    this.lineNumber--;
  }

  /** Throw an ArpaFormatError for the current line. */
  fail(message: string): never {
    throw new ArpaFormatError(this.lineNumber, message, this.source);
  }
}

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

/** The `ngram k=<count>` lines, up to a blank line or the first section header. */
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
    const match = /^ngram\s+(\d+)\s*=\s*(\d+)$/.exec(line);
    if (!match) return reader.fail(`expected 'ngram <order>=<count>' in the \\data\\ section, got '${line}'`);
    const order = Number(match[1]);
    if (order !== declaredCounts.length + 1) reader.fail(`n-gram orders in \\data\\ must be consecutive from 1; got order ${order} after ${declaredCounts.length}`);
    declaredCounts.push(Number(match[2]));
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

/** The entries of one section, up to a blank line, the next `\` line or the end of the file. */
function readSection(reader: ArpaLineReader, order: number, header: ArpaHeader, builder: ArpaModelBuilder): void {
  const declared = header.declaredCounts[order - 1];
  let entries = 0;
  for (;;) {
    const rawLine = reader.next();
    if (rawLine === undefined) break;
    const line = rawLine.trim();
    if (line === '') break;
    if (line.startsWith('\\')) {
      reader.unread();
      break;
    }
    const fields = line.split(/\s+/);
    if (fields.length !== order + 1 && fields.length !== order + 2) {
      reader.fail(`a ${order}-gram entry needs a log10 probability, ${order} word${order > 1 ? 's' : ''} and an optional backoff; got ${fields.length} fields`);
    }
    const hasBackoff = fields.length === order + 2;
    if (hasBackoff && order === header.order) reader.fail(`backoff given for a ${order}-gram, the highest order has none`);
    entries++;
    if (entries > declared) reader.fail(`more ${order}-grams than the ${declared} declared in \\data\\`);
    const logProb = parseLog10(reader, fields[0], 'log10 probability');
    const logBackoff = hasBackoff ? parseLog10(reader, fields[order + 1], 'log10 backoff') : 0;
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

/** A log10 value; SRILM's −99 (and anything below) stands for log 0. */
function parseLog10(reader: ArpaLineReader, field: string, what: string): number {
  const value = Number(field);
  if (!Number.isFinite(value) || field.trim() === '') reader.fail(`cannot parse ${what} '${field}' as a number`);
  return value <= ARPA_LOG_ZERO ? Number.NEGATIVE_INFINITY : value;
}
