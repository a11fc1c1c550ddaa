/**
 * Collecting ARPA entries into a model, with KenLM's reading rules (arpa-format.ts).
 */
import { MISSING_UNK_LOG10, unescapeToken } from './arpa-format.js';
import type { ArpaHeader } from './arpa-read.js';
import { freezeOrders, type OrderInput } from './freeze.js';
import { growFloat32, growUint8, NgramIndex } from './hash-index.js';
import { NgramModel, type NgramModelInfo } from './model.js';
import { BOS, BOS_ID, EOS, EOS_ID, NgramVocabulary, UNK, UNK_ID } from './vocabulary.js';

/** The n-grams of one order k ≥ 2 as they are read, before freezing. */
class ArpaOrder {
  readonly index: NgramIndex;
  logProb: Float32Array;
  logBackoff: Float32Array;
  /** blank[id] = 1 for contexts added only because a higher-order n-gram needed them. */
  blank: Uint8Array;
  anyBlank = false;

  constructor(
    declared: number,
    private readonly hasBackoff: boolean,
  ) {
    const capacity = Math.max(16, declared);
    this.index = new NgramIndex(capacity);
    this.logProb = new Float32Array(capacity);
    this.logBackoff = new Float32Array(hasBackoff ? capacity : 0);
    this.blank = new Uint8Array(capacity);
  }

  /** Id of (parent, word), adding it as a blank if it was not read. */
  findOrAddBlank(parent: number, word: number): number {
    let id = this.index.find(parent, word);
    if (id < 0) {
      id = this.index.findOrInsert(parent, word);
      this.ensureCapacity(id);
      this.logProb[id] = Number.NaN;
      this.blank[id] = 1;
      this.anyBlank = true;
    }
    return id;
  }

  ensureCapacity(id: number): void {
    if (id < this.logProb.length) return;
    this.logProb = growFloat32(this.logProb, id + 1);
    this.blank = growUint8(this.blank, id + 1);
    if (this.hasBackoff) this.logBackoff = growFloat32(this.logBackoff, id + 1);
  }

  blankCount(): number {
    let blanks = 0;
    for (let id = 0; id < this.index.size; id++) blanks += this.blank[id];
    return blanks;
  }
}

/**
 * Collects the entries as they are read, with KenLM's reading rules (see the file
 * comment): words missing from the unigrams read as `<unk>`, missing prefixes
 * become blanks, missing specials get defaults.
 */
export class ArpaModelBuilder {
  private readonly vocab = new NgramVocabulary();
  private readonly warnings: string[] = [];
  private unigramLogProb: Float32Array;
  private unigramLogBackoff: Float32Array;
  /** Whether `<unk>`, `<s>`, `</s>` (by id) have been read: the vocabulary holds them from the start. */
  private readonly seenSpecial = [false, false, false];
  private readonly orders: (ArpaOrder | undefined)[] = [undefined, undefined];
  private unknownWords = 0;

  constructor(
    private readonly header: ArpaHeader,
    /** Throws an ArpaFormatError for the line being read. */
    private readonly fail: (message: string) => never,
  ) {
    // Room for every declared unigram and the three specials; NaN marks ids never given a value.
    this.unigramLogProb = new Float32Array(header.declaredCounts[0] + 3).fill(Number.NaN);
    this.unigramLogBackoff = new Float32Array(header.declaredCounts[0] + 3);
    for (let order = 2; order <= header.order; order++) this.orders.push(new ArpaOrder(header.declaredCounts[order - 1], order < header.order));
  }

  addUnigram(field: string, logProb: number, logBackoff: number): void {
    const word = this.word(field);
    let id = this.vocab.lookup(word);
    if (id <= EOS_ID && id >= 0) {
      if (this.seenSpecial[id]) this.fail(`duplicate unigram '${word}'`);
      this.seenSpecial[id] = true;
    } else if (id >= 0) {
      this.fail(`duplicate unigram '${word}'`);
    } else {
      id = this.vocab.add(word);
    }
    if (id >= this.unigramLogProb.length) {
      this.unigramLogProb = growFloat32(this.unigramLogProb, id + 1);
      this.unigramLogBackoff = growFloat32(this.unigramLogBackoff, id + 1);
    }
    this.unigramLogProb[id] = logProb;
    this.unigramLogBackoff[id] = logBackoff;
  }

  /** An entry of order k ≥ 2; `fields` = [log10 prob, w1 … wk, (backoff)]. */
  addNgram(fields: readonly string[], order: number, logProb: number, logBackoff: number): void {
    const table = this.orders[order] as ArpaOrder;
    const id = table.index.findOrInsert(this.contextId(fields, order), this.wordId(fields[order]));
    if (!table.index.inserted) {
      const note = this.unknownWords > 0 ? ' (words not among the unigrams are read as <unk>)' : '';
      this.fail(`duplicate ${order}-gram '${fields.slice(1, order + 1).join(' ')}'${note}`);
    }
    table.ensureCapacity(id);
    table.logProb[id] = logProb;
    if (order < this.header.order) table.logBackoff[id] = logBackoff;
  }

  /** Id (of order k − 1) of the words w1 … w(k−1); missing prefixes become blanks. */
  private contextId(fields: readonly string[], order: number): number {
    let parent = this.wordId(fields[1]);
    for (let prefixOrder = 2; prefixOrder < order; prefixOrder++) {
      const word = this.wordId(fields[prefixOrder]);
      parent = (this.orders[prefixOrder] as ArpaOrder).findOrAddBlank(parent, word);
    }
    return parent;
  }

  private wordId(field: string): number {
    const id = this.vocab.lookup(this.word(field));
    if (id >= 0) return id;
    this.unknownWords++;
    return UNK_ID;
  }

  /** The token a field stands for (unescaped when the file is escaped; the specials never are). */
  private word(field: string): string {
    if (!this.header.escaped || field === BOS || field === EOS || field === UNK) return field;
    try {
      return unescapeToken(field);
    } catch (err) {
      return this.fail((err as Error).message);
    }
  }

  /** Everything is read: defaults for missing specials, freeze, fill in the blanks. */
  finish(source: string): NgramModel {
    const vocabSize = this.vocab.size;
    const unigrams = { logProb: this.unigramLogProb.slice(0, vocabSize), logBackoff: this.unigramLogBackoff.slice(0, vocabSize) };
    this.defaultMissingSpecials(unigrams.logProb, source);
    if (this.unknownWords > 0) this.warnings.push(`${source}: ${this.unknownWords} word occurrence(s) in higher-order n-grams are not unigrams and were read as <unk>`);
    const inputs: (OrderInput | undefined)[] = [undefined, undefined];
    let blanks = 0;
    for (let order = 2; order <= this.header.order; order++) {
      const table = this.orders[order] as ArpaOrder;
      blanks += table.blankCount();
      inputs.push({
        size: table.index.size,
        parents: table.index.parents,
        words: table.index.words,
        logProb: table.logProb,
        logBackoff: order < this.header.order ? table.logBackoff : undefined,
        blank: table.anyBlank ? table.blank : undefined,
      });
    }
    const frozen = freezeOrders(vocabSize, unigrams, inputs);
    if (blanks > 0) this.warnings.push(`${source}: added ${blanks} missing context n-gram(s) ("blanks") with backoff 0`);
    const model = new NgramModel(this.vocab, metaToInfo(this.header.meta, this.header.order), frozen, this.warnings);
    if (blanks > 0) fillBlanks(model);
    return model;
  }

  /** KenLM's defaults: a missing `<unk>` (and here `</s>`) gets log10 p = −100; `<s>` is never predicted. */
  private defaultMissingSpecials(unigramLogProb: Float32Array, source: string): void {
    if (!this.seenSpecial[UNK_ID]) {
      unigramLogProb[UNK_ID] = MISSING_UNK_LOG10;
      this.warnings.push(`${source}: no <unk> unigram; using log10 p(<unk>) = ${MISSING_UNK_LOG10} as KenLM does`);
    }
    if (!this.seenSpecial[BOS_ID]) unigramLogProb[BOS_ID] = Number.NEGATIVE_INFINITY;
    if (!this.seenSpecial[EOS_ID]) {
      unigramLogProb[EOS_ID] = MISSING_UNK_LOG10;
      this.warnings.push(`${source}: no </s> unigram; using log10 p(</s>) = ${MISSING_UNK_LOG10}`);
    }
  }
}

/**
 * A blank's probability is what backing off from its context gives: backoff(c) + log p(w | c′).
 * Orders go upwards, so a blank whose backed-off estimate passes through lower blanks sees them filled.
 */
function fillBlanks(model: NgramModel): void {
  const tables = model.tables;
  for (let order = 2; order <= model.order; order++) {
    const table = tables[order];
    if (!table.blank) continue;
    const contexts = tables[order - 1];
    const childStart = contexts.childStart as Int32Array;
    const words = table.words as Int32Array;
    for (let context = 0; context < contexts.size; context++) {
      for (let id = childStart[context]; id < childStart[context + 1]; id++) {
        if (!table.blank[id]) continue;
        const logBackoff = (contexts.logBackoff as Float32Array)[context];
        table.logProb[id] = logBackoff + model.log10Prob(model.backoffState(order - 1, context), words[id]);
      }
    }
  }
}

/** The model description from lmkit's metadata; a foreign file (no metadata) is a padded, normalized 'arpa' model. */
function metaToInfo(meta: Record<string, unknown> | undefined, order: number): NgramModelInfo {
  if (!meta) return { order, smoothing: 'arpa', padding: true, normalized: true };
  const info: { -readonly [Field in keyof NgramModelInfo]: NgramModelInfo[Field] } = {
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
