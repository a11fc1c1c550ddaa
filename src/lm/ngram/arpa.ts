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
import { freezeOrders, type OrderInput } from './freeze.js';
import { growFloat32, growUint8, NgramIndex } from './hash-index.js';
import { NgramModel, type NgramModelInfo } from './model.js';
import { BOS, BOS_ID, EOS, EOS_ID, NgramVocabulary, UNK, UNK_ID } from './vocabulary.js';

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

// ---------------------------------------------------------------- escaping

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

function needsEscaping(info: NgramModelInfo): boolean {
  return info.unit !== undefined && info.unit.kind !== 'word';
}

// ---------------------------------------------------------------- writing

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
  const info = model.info;
  const N = model.order;
  const escape = needsEscaping(info);
  const vocabWords = model.vocab.words();
  const names = escape ? vocabWords.map((w, i) => (i <= EOS_ID ? w : escapeToken(w))) : vocabWords;
  const meta: Record<string, unknown> = {
    format: 1,
    order: N,
    smoothing: info.smoothing,
    padding: info.padding,
    normalized: info.normalized,
  };
  if (info.unit) meta.unit = info.unit;
  if (escape) meta.escape = 'backslash';
  if (info.discounts) meta.discounts = info.discounts;
  if (info.tokenCount !== undefined) meta.tokenCount = info.tokenCount;
  if (info.parameters) meta.parameters = info.parameters;
  const counts = model.ngramCounts();
  let head = `# lmkit n-gram language model (ARPA backoff format, log10 values)\n# lmkit-meta: ${JSON.stringify(meta)}\n\n\\data\\\n`;
  for (let k = 1; k <= N; k++) head += `ngram ${k}=${counts[k - 1]}\n`;
  const out = new ByteWriter();
  out.ascii(head);
  const encoder = new TextEncoder();
  const nameBytes = names.map((n) => encoder.encode(n));
  const TAB = 9;
  const SPACE = 32;
  const NEWLINE = 10;

  const tables = model.tables;
  const V = model.vocabSize;
  for (let k = 1; k <= N; k++) {
    out.ascii(`\n\\${k}-grams:\n`);
    const o = tables[k];
    const bo = k < N ? o.logBackoff : undefined;
    const blank = o.blank;
    const path = new Int32Array(k);
    // Iterative depth-first walk of the trie down to depth k (n-grams in trie order).
    const next = new Int32Array(k + 1);
    const end = new Int32Array(k + 1);
    for (let w = 0; w < V; w++) {
      path[0] = w;
      let id = w;
      let d = 1;
      if (k > 1) {
        const cs = tables[1].childStart as Int32Array;
        next[2] = cs[w];
        end[2] = cs[w + 1];
        d = 2;
      }
      while (d >= 1) {
        if (d === 1) {
          if (k !== 1) break;
        } else {
          if (next[d] >= end[d]) {
            d--;
            if (d === 1) break;
            continue;
          }
          id = next[d]++;
          path[d - 1] = (tables[d].words as Int32Array)[id];
          if (d < k) {
            const cs = tables[d].childStart as Int32Array;
            next[d + 1] = cs[id];
            end[d + 1] = cs[id + 1];
            d++;
            continue;
          }
        }
        if (!blank || !blank[id]) {
          out.ascii(formatLog10(o.logProb[id]));
          out.byte(TAB);
          out.bytes(nameBytes[path[0]]);
          for (let j = 1; j < k; j++) {
            out.byte(SPACE);
            out.bytes(nameBytes[path[j]]);
          }
          if (bo && bo[id] !== 0) {
            out.byte(TAB);
            out.ascii(formatLog10(bo[id]));
          }
          out.byte(NEWLINE);
          if (out.length >= 1 << 20) yield out.take();
        }
        if (d === 1) break;
      }
    }
  }
  out.ascii('\n\\end\\\n');
  yield out.take();
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
  const decoder = new TextDecoder();
  let text = '';
  for (const chunk of arpaChunks(model)) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

// ---------------------------------------------------------------- reading

export interface ArpaReadOptions {
  /** File name for error messages. */
  readonly source?: string;
}

interface OrderBuild {
  index: NgramIndex;
  logProb: Float32Array;
  logBackoff: Float32Array;
  blank: Uint8Array;
  anyBlank: boolean;
}

const HEADER = /^\\(\d+)-grams:$/;

/** Parse ARPA text (or UTF-8 bytes) into a model. Malformed input → ArpaFormatError with the line number. */
export function parseArpa(input: string | Uint8Array, options: ArpaReadOptions = {}): NgramModel {
  const source = options.source ?? 'ARPA';
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      throw new ArpaFormatError(0, 'not valid UTF-8', source);
    }
  }
  let pos = 0;
  let lineNo = 0;
  const nextLine = (): string | undefined => {
    if (pos > text.length || (pos === text.length && text.length > 0 && text[text.length - 1] === '\n')) return undefined;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    return line;
  };
  const fail = (message: string, line = lineNo): never => {
    throw new ArpaFormatError(line, message, source);
  };

  // Preamble: anything before \data\ (lmkit metadata on '# lmkit-meta:' lines).
  let meta: Record<string, unknown> | undefined;
  let line: string | undefined;
  for (;;) {
    line = nextLine();
    if (line === undefined) fail('reached the end of the file without finding \\data\\');
    const t = (line as string).trim();
    if (t === '\\data\\') break;
    if (t.startsWith('# lmkit-meta:')) {
      try {
        meta = JSON.parse(t.slice('# lmkit-meta:'.length)) as Record<string, unknown>;
      } catch {
        fail('cannot parse the lmkit-meta JSON');
      }
    }
  }

  // \data\ counts
  const declared: number[] = [];
  for (;;) {
    line = nextLine();
    if (line === undefined) fail('unexpected end of file in the \\data\\ section');
    const t = (line as string).trim();
    if (t === '') {
      if (declared.length > 0) break;
      continue;
    }
    if (HEADER.test(t)) {
      pos -= (line as string).length + 1;
      lineNo--;
      break;
    }
    const m = /^ngram\s+(\d+)\s*=\s*(\d+)$/.exec(t);
    if (!m) fail(`expected 'ngram <order>=<count>' in the \\data\\ section, got '${t}'`);
    const k = Number((m as RegExpExecArray)[1]);
    if (k !== declared.length + 1) fail(`n-gram orders in \\data\\ must be consecutive from 1; got order ${k} after ${declared.length}`);
    declared.push(Number((m as RegExpExecArray)[2]));
  }
  const N = declared.length;
  if (N === 0) fail('the \\data\\ section declares no n-gram counts');
  if (meta && typeof meta.order === 'number' && meta.order !== N) fail(`lmkit-meta says order ${meta.order} but \\data\\ declares ${N} orders`);
  const escaped = meta?.escape === 'backslash';

  const vocab = new NgramVocabulary();
  const warnings: string[] = [];
  let uniLogProb: Float32Array = new Float32Array(declared[0] + 3).fill(Number.NaN);
  let uniBackoff: Float32Array = new Float32Array(declared[0] + 3);
  const seenSpecial = [false, false, false];
  const builds: (OrderBuild | undefined)[] = [undefined, undefined];
  for (let k = 2; k <= N; k++) {
    builds.push({
      index: new NgramIndex(Math.max(16, declared[k - 1])),
      logProb: new Float32Array(Math.max(16, declared[k - 1])),
      logBackoff: new Float32Array(k < N ? Math.max(16, declared[k - 1]) : 0),
      blank: new Uint8Array(Math.max(16, declared[k - 1])),
      anyBlank: false,
    });
  }
  let unknownWords = 0;
  const parseValue = (field: string, what: string): number => {
    const v = Number(field);
    if (!Number.isFinite(v) || field.trim() === '') fail(`cannot parse ${what} '${field}' as a number`);
    return v <= ARPA_LOG_ZERO ? Number.NEGATIVE_INFINITY : v;
  };
  const wordId = (field: string): number => {
    const w = escaped ? unescapeWord(field) : field;
    const id = vocab.lookup(w);
    if (id >= 0) return id;
    unknownWords++;
    return UNK_ID;
  };
  const unescapeWord = (field: string): string => {
    if (field === BOS || field === EOS || field === UNK) return field;
    try {
      return unescapeToken(field);
    } catch (err) {
      return fail((err as Error).message);
    }
  };

  for (let k = 1; k <= N; k++) {
    // header
    for (;;) {
      line = nextLine();
      if (line === undefined) fail(`unexpected end of file: expected the \\${k}-grams: section`);
      const t = (line as string).trim();
      if (t === '') continue;
      const m = HEADER.exec(t);
      if (!m || Number(m[1]) !== k) fail(`expected '\\${k}-grams:', got '${t}'`);
      break;
    }
    let entries = 0;
    const b = builds[k];
    for (;;) {
      line = nextLine();
      if (line === undefined) break;
      const t = (line as string).trim();
      if (t === '') break;
      if (t.startsWith('\\')) {
        pos -= (line as string).length + 1;
        lineNo--;
        break;
      }
      const fields = t.split(/\s+/);
      if (fields.length !== k + 1 && fields.length !== k + 2) {
        fail(`a ${k}-gram entry needs a log10 probability, ${k} word${k > 1 ? 's' : ''} and an optional backoff; got ${fields.length} fields`);
      }
      if (fields.length === k + 2 && k === N) fail(`backoff given for a ${k}-gram, the highest order has none`);
      entries++;
      if (entries > declared[k - 1]) fail(`more ${k}-grams than the ${declared[k - 1]} declared in \\data\\`);
      const prob = parseValue(fields[0], 'log10 probability');
      const backoff = fields.length === k + 2 ? parseValue(fields[k + 1], 'log10 backoff') : 0;
      if (k === 1) {
        const w = escaped ? unescapeWord(fields[1]) : fields[1];
        let id = vocab.lookup(w);
        if (id <= EOS_ID && id >= 0) {
          if (seenSpecial[id]) fail(`duplicate unigram '${w}'`);
          seenSpecial[id] = true;
        } else if (id >= 0) {
          fail(`duplicate unigram '${w}'`);
        } else {
          id = vocab.add(w);
        }
        if (id >= uniLogProb.length) {
          uniLogProb = growFloat32(uniLogProb, id + 1);
          uniBackoff = growFloat32(uniBackoff, id + 1);
        }
        uniLogProb[id] = prob;
        uniBackoff[id] = backoff;
        continue;
      }
      // Resolve the prefix chain; missing prefixes become blanks.
      let parent = wordId(fields[1]);
      for (let j = 2; j < k; j++) {
        const w = wordId(fields[j]);
        const lb = builds[j] as OrderBuild;
        let id = lb.index.find(parent, w);
        if (id < 0) {
          id = lb.index.findOrInsert(parent, w);
          ensure(lb, id, j < N);
          lb.logProb[id] = Number.NaN;
          lb.blank[id] = 1;
          lb.anyBlank = true;
        }
        parent = id;
      }
      const bk = b as OrderBuild;
      const id = bk.index.findOrInsert(parent, wordId(fields[k]));
      if (!bk.index.inserted) fail(`duplicate ${k}-gram '${fields.slice(1, k + 1).join(' ')}'${unknownWords > 0 ? ' (words not among the unigrams are read as <unk>)' : ''}`);
      ensure(bk, id, k < N);
      bk.logProb[id] = prob;
      if (k < N) bk.logBackoff[id] = backoff;
    }
    if (entries !== declared[k - 1]) fail(`\\data\\ declares ${declared[k - 1]} ${k}-grams but the section has ${entries}`);
  }
  for (;;) {
    line = nextLine();
    if (line === undefined) fail('missing \\end\\ at the end of the file');
    const t = (line as string).trim();
    if (t === '') continue;
    if (t !== '\\end\\') fail(`expected \\end\\, got '${t}'`);
    break;
  }

  const V = vocab.size;
  uniLogProb = uniLogProb.slice(0, V);
  uniBackoff = uniBackoff.slice(0, V);
  if (!seenSpecial[UNK_ID]) {
    uniLogProb[UNK_ID] = MISSING_UNK_LOG10;
    warnings.push(`${source}: no <unk> unigram; using log10 p(<unk>) = ${MISSING_UNK_LOG10} as KenLM does`);
  }
  if (!seenSpecial[BOS_ID]) uniLogProb[BOS_ID] = Number.NEGATIVE_INFINITY;
  if (!seenSpecial[EOS_ID]) {
    uniLogProb[EOS_ID] = MISSING_UNK_LOG10;
    warnings.push(`${source}: no </s> unigram; using log10 p(</s>) = ${MISSING_UNK_LOG10}`);
  }
  if (unknownWords > 0) warnings.push(`${source}: ${unknownWords} word occurrence(s) in higher-order n-grams are not unigrams and were read as <unk>`);

  const inputs: (OrderInput | undefined)[] = [undefined, undefined];
  let blanks = 0;
  for (let k = 2; k <= N; k++) {
    const bk = builds[k] as OrderBuild;
    const size = bk.index.size;
    for (let i = 0; i < size; i++) blanks += bk.blank[i];
    inputs.push({
      size,
      parents: bk.index.parents,
      words: bk.index.words,
      logProb: bk.logProb,
      logBackoff: k < N ? bk.logBackoff : undefined,
      blank: bk.anyBlank ? bk.blank : undefined,
    });
  }
  const orders = freezeOrders(V, { logProb: uniLogProb, logBackoff: uniBackoff }, inputs);
  if (blanks > 0) warnings.push(`${source}: added ${blanks} missing context n-gram(s) ("blanks") with backoff 0`);
  const info = metaToInfo(meta, N);
  const model = new NgramModel(vocab, info, orders, warnings);
  if (blanks > 0) fillBlanks(model);
  return model;
}

function ensure(b: OrderBuild, id: number, hasBackoff: boolean): void {
  if (id >= b.logProb.length) {
    b.logProb = growFloat32(b.logProb, id + 1);
    b.blank = growUint8(b.blank, id + 1);
    if (hasBackoff) b.logBackoff = growFloat32(b.logBackoff, id + 1);
  }
}

/** A blank's probability is what backing off from its context gives: backoff(c) + log p(w | c′). */
function fillBlanks(model: NgramModel): void {
  const tables = model.tables;
  const N = model.order;
  for (let k = 2; k <= N; k++) {
    const o = tables[k];
    if (!o.blank) continue;
    const below = tables[k - 1];
    const cs = below.childStart as Int32Array;
    const words = o.words as Int32Array;
    for (let parent = 0; parent < below.size; parent++) {
      for (let id = cs[parent]; id < cs[parent + 1]; id++) {
        if (!o.blank[id]) continue;
        const bo = (below.logBackoff as Float32Array)[parent];
        let suffixState = 0;
        if (k - 1 >= 2) {
          const sid = (below.suffixId as Int32Array)[parent];
          const sorder = (below.suffixOrder as Uint8Array)[parent];
          suffixState = sid * 32 + sorder;
        }
        o.logProb[id] = bo + model.log10Prob(suffixState, words[id]);
      }
    }
  }
}

function metaToInfo(meta: Record<string, unknown> | undefined, order: number): NgramModelInfo {
  if (!meta) return { order, smoothing: 'arpa', padding: true, normalized: true };
  const info: {
    order: number;
    smoothing: string;
    padding: boolean;
    normalized: boolean;
    unit?: NgramModelInfo['unit'];
    discounts?: number[][];
    tokenCount?: number;
    parameters?: Record<string, number | number[] | boolean>;
  } = {
    order,
    smoothing: typeof meta.smoothing === 'string' ? meta.smoothing : 'arpa',
    padding: meta.padding !== false,
    normalized: meta.normalized !== false,
  };
  if (meta.unit && typeof meta.unit === 'object') info.unit = meta.unit as NgramModelInfo['unit'];
  if (Array.isArray(meta.discounts)) info.discounts = meta.discounts as number[][];
  if (typeof meta.tokenCount === 'number') info.tokenCount = meta.tokenCount;
  if (meta.parameters && typeof meta.parameters === 'object') info.parameters = meta.parameters as Record<string, number | number[] | boolean>;
  return info;
}
