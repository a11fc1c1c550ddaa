/**
 * The word table of an n-gram model: strings ↔ dense integer ids.
 *
 * Ids 0, 1, 2 are always `<unk>`, `<s>`, `</s>` (the order KenLM uses), so every
 * model — trained here or read from ARPA — agrees on where the special symbols
 * live and the counting/query code can test them with integer compares.
 */
export const UNK_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const UNK = '<unk>';
export const BOS = '<s>';
export const EOS = '</s>';

/** True for the three reserved symbol strings (`<unk>`, `<s>`, `</s>`). */
export function isSpecialWord(word: string): boolean {
  return word === UNK || word === BOS || word === EOS;
}

export class NgramVocabulary {
  private readonly table: string[] = [UNK, BOS, EOS];
  private readonly ids = new Map<string, number>([
    [UNK, UNK_ID],
    [BOS, BOS_ID],
    [EOS, EOS_ID],
  ]);

  /** Build a vocabulary; `words` are appended after the three specials (duplicates and specials are skipped). */
  constructor(words: Iterable<string> = []) {
    for (const w of words) this.add(w);
  }

  get size(): number {
    return this.table.length;
  }

  /** Id of `word`, or `UNK_ID` when it is not in the vocabulary. */
  id(word: string): number {
    return this.ids.get(word) ?? UNK_ID;
  }

  /** Id of `word`, or -1 when it is not in the vocabulary. */
  lookup(word: string): number {
    return this.ids.get(word) ?? -1;
  }

  has(word: string): boolean {
    return this.ids.has(word);
  }

  /** Id of `word`, adding it first if needed. */
  add(word: string): number {
    let id = this.ids.get(word);
    if (id === undefined) {
      id = this.table.length;
      this.table.push(word);
      this.ids.set(word, id);
    }
    return id;
  }

  word(id: number): string {
    const w = this.table[id];
    if (w === undefined) throw new RangeError(`NgramVocabulary: id ${id} is outside 0..${this.table.length - 1}`);
    return w;
  }

  /** All words, indexed by id. */
  words(): readonly string[] {
    return this.table;
  }
}
