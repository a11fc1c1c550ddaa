/**
 * What the tokenizers built on a plain vocabulary list share — character
 * (./char.ts), word (./word.ts) and WordPiece (./wordpiece.ts): the id of a
 * token is its index in `vocab`; lookups go both ways; special tokens are cut
 * out of the input before the ordinary text is split (./special.ts). Each
 * subclass says only how ordinary text becomes ids (`encodeOrdinary`), how ids
 * join back into text (`decode`, by default plain concatenation) and how it is
 * saved.
 */
import type { EncodeOptions, Tokenizer } from './tokenizer.js';
import type { SpecialTokenSplitter } from './special.js';

export abstract class VocabularyTokenizer implements Tokenizer {
  abstract readonly kind: string;
  /** id → token text. */
  readonly vocab: readonly string[];
  readonly vocabSize: number;
  abstract readonly specialTokens: ReadonlyMap<string, number>;
  abstract readonly unknownTokenId?: number;
  /** token text → id; a text listed twice keeps its last id (as BERT's load_vocab does). */
  protected readonly idOfToken = new Map<string, number>();
  /** Cuts allowed special tokens out of the input (set up by the subclass once its specials are known). */
  protected abstract readonly splitter: SpecialTokenSplitter;

  protected constructor(vocab: readonly string[]) {
    this.vocab = [...vocab];
    this.vocabSize = vocab.length;
    vocab.forEach((token, id) => this.idOfToken.set(token, id));
  }

  /** Append the ids of a stretch of ordinary text (no special tokens in it) to `out`. */
  protected abstract encodeOrdinary(text: string, out: number[]): void;

  encode(text: string, options?: EncodeOptions): number[] {
    const ids: number[] = [];
    this.splitter.split(
      text,
      options,
      (segment) => this.encodeOrdinary(segment, ids),
      (id) => ids.push(id),
    );
    return ids;
  }

  encodeBatch(texts: readonly string[], options?: EncodeOptions): number[][] {
    return texts.map((text) => this.encode(text, options));
  }

  /** The tokens one after another. */
  decode(ids: ArrayLike<number>): string {
    let text = '';
    for (let i = 0; i < ids.length; i++) text += this.decodeToken(ids[i]);
    return text;
  }

  idToToken(id: number): string | undefined {
    return this.vocab[id];
  }

  tokenToId(token: string): number | undefined {
    return this.idOfToken.get(token);
  }

  abstract save(): string;

  /** The token of an id being decoded; an id outside the vocabulary is an error. */
  protected decodeToken(id: number): string {
    const token = this.vocab[id];
    if (token === undefined) throw new Error(`decode: id ${id} is not in the vocabulary (ids 0..${this.vocabSize - 1})`);
    return token;
  }
}
