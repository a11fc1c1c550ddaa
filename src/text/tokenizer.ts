/**
 * The one interface every tokenizer implements (character, word, BPE in all its
 * variants, WordPiece, tiktoken-rank and Hugging Face tokenizer.json models).
 * Language models use only this interface.
 */
export interface EncodeOptions {
  /**
   * Special tokens that may appear in the input and are encoded as their single id
   * (tiktoken's `allowed_special`). `'all'` allows every special token.
   * Default: none — special-token text is encoded as ordinary text unless it is
   * also listed in `disallowedSpecial`.
   */
  allowedSpecial?: 'all' | readonly string[];
  /**
   * Special tokens whose appearance in the input raises an error (tiktoken's
   * `disallowed_special`). Default `'all'`: every special token not in
   * `allowedSpecial` is disallowed, as in tiktoken.
   */
  disallowedSpecial?: 'all' | readonly string[];
}

/**
 * Token-by-token decoding for generation: `write(id)` returns the text that is
 * complete so far; bytes of a UTF-8 sequence split across tokens are held back
 * until the sequence is complete (or until `end()`, which flushes them as U+FFFD).
 */
export interface StreamDecoder {
  write(id: number): string;
  end(): string;
}

export interface Tokenizer {
  /** A short name of the model family, e.g. 'char', 'word', 'bpe', 'wordpiece', 'tiktoken'. */
  readonly kind: string;
  /** Number of ids (ids are 0..vocabSize-1, possibly with holes for some imported models). */
  readonly vocabSize: number;
  /** Special tokens and their ids. */
  readonly specialTokens: ReadonlyMap<string, number>;
  encode(text: string, options?: EncodeOptions): number[];
  encodeBatch(texts: readonly string[], options?: EncodeOptions): number[][];
  decode(ids: ArrayLike<number>): string;
  /** The token's text (for byte-level models, the bytes decoded with U+FFFD where they are not valid UTF-8 alone). */
  idToToken(id: number): string | undefined;
  tokenToId(token: string): number | undefined;
  /** Id of the token that stands for unknown input (`<unk>`, `[UNK]`), if the model has one. */
  readonly unknownTokenId?: number;
  /** A stateful decoder for token-by-token generation (see StreamDecoder). */
  createStreamDecoder?(): StreamDecoder;
  /** Serialize to lmkit's versioned JSON format (`load` in src/text/load.ts reads any kind back). */
  save(): string;
}
