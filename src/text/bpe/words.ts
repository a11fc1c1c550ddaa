/**
 * Text → the words BPE merges within (seed 004: "pre-tokenize D", then the
 * whitespace variant). Shared by the trainer and the encoder, so a model always
 * sees text the way it was trained.
 */
import { preTokenize } from './pretokenize.js';
import { isWhiteSpaceCode, METASPACE, type BpeVariant } from './variant.js';

const LF = 0x0a;

/**
 * Pre-tokenize ordinary text (no special tokens in it). With 'none' the text is
 * cut after each line feed: a piece then never spans lines, which keeps training
 * words bounded. Encoding gives the same ids as with the whole text as one piece,
 * because training never sees a symbol ending in "\n" on the left of a pair, so
 * no merge can join across a line end.
 */
export function splitPieces(text: string, variant: Pick<BpeVariant, 'preTokenizer'>): string[] {
  if (variant.preTokenizer !== 'none') return preTokenize(text, variant.preTokenizer);
  const pieces: string[] = [];
  let start = 0;
  for (;;) {
    const newline = text.indexOf('\n', start);
    if (newline < 0) break;
    pieces.push(text.slice(start, newline + 1));
    start = newline + 1;
  }
  if (start < text.length) pieces.push(start === 0 ? text : text.slice(start));
  return pieces;
}

/** Apply the whitespace mode to one piece, calling `onWord` for each resulting word (possibly none). */
export function pieceToWords(piece: string, variant: Pick<BpeVariant, 'whitespace'>, onWord: (word: string) => void): void {
  switch (variant.whitespace) {
    case 'attach':
      onWord(piece);
      return;
    case 'metaspace':
      onWord(piece.includes(' ') ? piece.replaceAll(' ', METASPACE) : piece);
      return;
    default: {
      // 'continuation' / 'endOfWord': words are the runs of non-white-space; white space is dropped.
      let start = -1;
      for (let i = 0; i < piece.length; i++) {
        const code = piece.charCodeAt(i);
        const space = code === LF || isWhiteSpaceCode(code);
        if (space) {
          if (start >= 0) {
            onWord(piece.slice(start, i));
            start = -1;
          }
        } else if (start < 0) start = i;
      }
      if (start === 0) onWord(piece);
      else if (start > 0) onWord(piece.slice(start));
    }
  }
}

/** Ordinary text → words. */
export function forEachWord(text: string, variant: Pick<BpeVariant, 'preTokenizer' | 'whitespace'>, onWord: (word: string) => void): void {
  for (const piece of splitPieces(text, variant)) pieceToWords(piece, variant, onWord);
}

/** Undo 'metaspace' on decoded text. */
export function restoreMetaspace(text: string): string {
  return text.includes(METASPACE) ? text.replaceAll(METASPACE, ' ') : text;
}
