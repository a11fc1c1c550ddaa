/**
 * Hugging Face `tokenizer.json` (the `tokenizers` library's serialization) —
 * the subset lmkit runs exactly, one reader and one writer per model family:
 *
 * - BPE over bytes (./read-byte-bpe.ts, ./write-byte-bpe.ts): `model.type`
 *   "BPE" with a ByteLevel pre-tokenizer (GPT-2, RoBERTa, …) or Split(regex) +
 *   ByteLevel(use_regex: false) (GPT-4-style, Llama 3), vocabulary in GPT-2's
 *   byte ↔ printable-character spelling, merges applied by priority,
 *   `ignore_merges`, added tokens (always matched before pre-tokenization, as
 *   Hugging Face does). Runs on TiktokenTokenizer.
 * - WordPiece (./read-wordpiece.ts, ./write-wordpiece.ts), BERT's
 *   BertNormalizer + BertPreTokenizer + WordPiece model. Runs on
 *   WordPieceTokenizer.
 * - BPE over characters (./read-char-bpe.ts, ./write-char-bpe.ts), in the
 *   shapes lmkit's char-level BpeModel variants export to. Runs on BpeModel.
 *
 * Anything else (other normalizers, SentencePiece-style Metaspace with a
 * prepended ▁, byte fallback, unrecognized split regexes) is rejected with an
 * error naming the field, rather than run approximately. Post-processors
 * (templates that add BOS/EOS) are not applied: lmkit's encode returns the
 * text's tokens only.
 *
 * Export writes lmkit's byte-level models (TiktokenTokenizer, BpeModel trained
 * with base 'byte' and whitespace 'attach'), char-level BpeModels (every
 * whitespace mode and pre-tokenizer, given an unkToken and a vocabulary that
 * Hugging Face's spelling keeps apart) and WordPieceTokenizer.
 */
export { loadHuggingFaceTokenizer, type HuggingFaceLoadOptions } from './read.js';
export { toHuggingFaceJson } from './write.js';
