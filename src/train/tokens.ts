/**
 * Token streams for language-model training: a text becomes one long array of
 * ids (seed 002: "we will treat all of Shakespeare as a long string"), split
 * into a training part and a held-out part the way nanoGPT's data preparation
 * does — the first 90% for training, the last 10% for validation (a contiguous
 * tail, not a random sample, so no validation window overlaps a training one).
 */
import type { Tokenizer } from '../text/tokenizer.js';

export interface TokenSplits {
  train: Int32Array;
  val: Int32Array;
}

/** Encode a whole text into an Int32Array of ids. */
export function encodeStream(text: string, tokenizer: Tokenizer): Int32Array {
  return Int32Array.from(tokenizer.encode(text));
}

/** First `trainFraction` of the stream for training, the rest for validation (nanoGPT's n = int(0.9·len)). */
export function splitTrainVal(ids: Int32Array, trainFraction = 0.9): TokenSplits {
  if (!(trainFraction > 0 && trainFraction < 1)) throw new RangeError(`splitTrainVal: trainFraction must be in (0, 1), got ${trainFraction}`);
  const n = Math.floor(trainFraction * ids.length);
  return { train: ids.subarray(0, n), val: ids.subarray(n) };
}
