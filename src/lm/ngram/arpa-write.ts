/**
 * Writing ARPA text (format: arpa-format.ts). lmkit's metadata goes on `#` lines
 * before `\data\`; entries come in trie order, in chunks of about 1 MB so that
 * large models stream to a file without one huge string.
 */
import { ARPA_LOG_ZERO, escapeToken, needsEscaping } from './arpa-format.js';
import type { NgramModel } from './model.js';
import { EOS_ID } from './vocabulary.js';

/**
 * A decimal that reads back as exactly the same float32 (8 significant digits
 * when they round-trip, else 9 — 9 always do), so ARPA → load gives identical scores.
 */
export function formatLog10(x: number): string {
  if (x === Number.NEGATIVE_INFINITY || x <= ARPA_LOG_ZERO) return String(ARPA_LOG_ZERO);
  if (x === 0) return '0';
  let s = x.toPrecision(8);
  if (Math.fround(Number(s)) !== x) s = x.toPrecision(9);
  return s.charCodeAt(s.length - 1) === 48 /* '0' */ || s.includes('e') ? trimZeros(s) : s;
}

function trimZeros(s: string): string {
  const e = s.indexOf('e');
  let mant = e < 0 ? s : s.slice(0, e);
  const exp = e < 0 ? '' : s.slice(e);
  if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
  return mant + exp;
}

/** The model as ARPA text (UTF-8 bytes), in chunks of about 1 MB, for streaming large models to a file. */
export function* arpaChunks(model: NgramModel): Generator<Uint8Array> {
  const out = new ByteWriter();
  out.ascii(arpaHeaderText(model));
  const encoder = new TextEncoder();
  const tokenBytes = tokenNames(model).map((name) => encoder.encode(name));
  for (let order = 1; order <= model.order; order++) {
    out.ascii(`\n\\${order}-grams:\n`);
    yield* writeSection(model, order, tokenBytes, out);
  }
  out.ascii('\n\\end\\\n');
  yield out.take();
}

const CHUNK_BYTES = 1 << 20;
const TAB = 9;
const SPACE = 32;
const NEWLINE = 10;

/** lmkit's `#` metadata lines and the `\data\` section. */
function arpaHeaderText(model: NgramModel): string {
  const info = model.info;
  const meta: Record<string, unknown> = {
    format: 1,
    order: model.order,
    smoothing: info.smoothing,
    padding: info.padding,
    normalized: info.normalized,
  };
  if (info.unit) meta.unit = info.unit;
  if (needsEscaping(info)) meta.escape = 'backslash';
  if (info.discounts) meta.discounts = info.discounts;
  if (info.tokenCount !== undefined) meta.tokenCount = info.tokenCount;
  if (info.parameters) meta.parameters = info.parameters;
  const counts = model.ngramCounts();
  let head = `# lmkit n-gram language model (ARPA backoff format, log10 values)\n# lmkit-meta: ${JSON.stringify(meta)}\n\n\\data\\\n`;
  for (let order = 1; order <= model.order; order++) head += `ngram ${order}=${counts[order - 1]}\n`;
  return head;
}

/** Token strings as written: escaped for char/BPE models, except the specials `<unk>`, `<s>`, `</s>`. */
function tokenNames(model: NgramModel): readonly string[] {
  const words = model.vocab.words();
  if (!needsEscaping(model.info)) return words;
  return words.map((word, id) => (id <= EOS_ID ? word : escapeToken(word)));
}

/** The entries of one order in trie order (by first word, then by each following word's id). */
function* writeSection(model: NgramModel, order: number, tokenBytes: readonly Uint8Array[], out: ByteWriter): Generator<Uint8Array> {
  const tables = model.tables;
  const table = tables[order];
  const logBackoff = order < model.order ? table.logBackoff : undefined;
  const blank = table.blank;
  const path = new Int32Array(order);
  if (order === 1) {
    for (let word = 0; word < model.vocabSize; word++) {
      if (blank && blank[word]) continue;
      path[0] = word;
      writeEntry(out, table.logProb[word], logBackoff ? logBackoff[word] : 0, path, tokenBytes);
      if (out.length >= CHUNK_BYTES) yield out.take();
    }
    return;
  }
  // Iterative depth-first walk down to depth `order`: next[d] … end[d] − 1 are
  // the ids of order d still to visit under the n-gram at depth d − 1.
  const next = new Int32Array(order + 1);
  const end = new Int32Array(order + 1);
  const unigramChildren = tables[1].childStart as Int32Array;
  for (let word = 0; word < model.vocabSize; word++) {
    path[0] = word;
    next[2] = unigramChildren[word];
    end[2] = unigramChildren[word + 1];
    let depth = 2;
    while (depth >= 2) {
      if (next[depth] >= end[depth]) {
        depth--;
        continue;
      }
      const id = next[depth]++;
      path[depth - 1] = (tables[depth].words as Int32Array)[id];
      if (depth < order) {
        const children = tables[depth].childStart as Int32Array;
        next[depth + 1] = children[id];
        end[depth + 1] = children[id + 1];
        depth++;
        continue;
      }
      if (blank && blank[id]) continue;
      writeEntry(out, table.logProb[id], logBackoff ? logBackoff[id] : 0, path, tokenBytes);
      if (out.length >= CHUNK_BYTES) yield out.take();
    }
  }
}

/** `<log10 prob> TAB <w1> … <wk> [TAB <log10 backoff>]`; a backoff of 0 is left out. */
function writeEntry(out: ByteWriter, logProb: number, logBackoff: number, path: Int32Array, tokenBytes: readonly Uint8Array[]): void {
  out.ascii(formatLog10(logProb));
  out.byte(TAB);
  out.bytes(tokenBytes[path[0]]);
  for (let j = 1; j < path.length; j++) {
    out.byte(SPACE);
    out.bytes(tokenBytes[path[j]]);
  }
  if (logBackoff !== 0) {
    out.byte(TAB);
    out.ascii(formatLog10(logBackoff));
  }
  out.byte(NEWLINE);
}

/** Appends bytes to a growable buffer; `take` hands out what was written. */
class ByteWriter {
  private buf = new Uint8Array(1 << 21);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    if (b.length > 16) this.buf.set(b, this.length);
    else for (let i = 0; i < b.length; i++) this.buf[this.length + i] = b[i];
    this.length += b.length;
  }

  /** Write a string of UTF-16 code units < 0x80 (numbers, headers) or any text via UTF-8. */
  ascii(s: string): void {
    this.reserve(s.length * 3);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.bytes(new TextEncoder().encode(s.slice(i)));
        return;
      }
      this.buf[this.length++] = c;
    }
  }

  take(): Uint8Array {
    const out = this.buf.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

/** The model as one ARPA string. */
export function toArpa(model: NgramModel): string {
  // The chunks are the model's own bytes: a U+FEFF in them is data.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let text = '';
  for (const chunk of arpaChunks(model)) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}
