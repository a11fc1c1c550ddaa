/**
 * The text side of generation: decoding tokens one at a time, stop strings, and
 * how much text is safe to show.
 *
 * - Decoding uses the tokenizer's StreamDecoder when it has one (byte-level BPE
 *   holds back the bytes of a UTF-8 sequence split across tokens until it is
 *   complete, so an emoji is never shown as "\uFFFD\uFFFD"); otherwise it decodes
 *   the growing id list and emits the new suffix, holding back a trailing U+FFFD
 *   (possibly an incomplete sequence). The prompt is fed to the decoder first, so
 *   the generated text is the continuation decode(prompt + generated) adds (spacing
 *   rules of word-marker BPE variants see the prompt).
 * - Stop strings (as in the OpenAI API and Hugging Face `stop_strings`): generation
 *   stops as soon as the generated text contains one; the text is cut just before
 *   it. While a suffix of the text could still grow into a stop string, that
 *   suffix is held back from the stream, so streamed text never shows any part of
 *   a stop string.
 */
import type { StreamDecoder } from '../text/tokenizer.js';

/** What generation needs from a tokenizer to produce text (any `Tokenizer` qualifies). */
export interface TextDecoding {
  decode(ids: ArrayLike<number>): string;
  createStreamDecoder?(): StreamDecoder;
}

const REPLACEMENT_CHARACTER = '\uFFFD';

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/**
 * A StreamDecoder for tokenizers without one: decodes prompt + generated ids
 * each step (O(n) per token) and emits what is new. Correct for decoders whose
 * output for a longer id list extends the output for a shorter one; otherwise
 * text already emitted cannot be taken back and the stream may differ from
 * decode(all) where the decoder rewrote earlier text.
 */
class RedecodingStreamDecoder implements StreamDecoder {
  private readonly ids: number[];
  private readonly promptText: string;
  private emitted = '';

  constructor(private readonly decoding: TextDecoding, prompt: ArrayLike<number>) {
    this.ids = Array.from(prompt);
    this.promptText = decoding.decode(this.ids);
  }

  private generatedText(): string {
    const full = this.decoding.decode(this.ids);
    return full.slice(commonPrefixLength(full, this.promptText));
  }

  private emit(text: string): string {
    const piece = text.slice(commonPrefixLength(text, this.emitted));
    this.emitted += piece;
    return piece;
  }

  write(id: number): string {
    this.ids.push(id);
    let text = this.generatedText();
    let end = text.length;
    while (end > 0 && text[end - 1] === REPLACEMENT_CHARACTER) end--;
    text = text.slice(0, end);
    return this.emit(text);
  }

  end(): string {
    return this.emit(this.generatedText());
  }
}

/** Result of adding one token. */
export interface TextStep {
  /** Text that became safe to show with this token ('' when held back). */
  readonly released: string;
  /** The stop string that was completed, if any; the text is final then. */
  readonly stopString?: string;
}

/** Tracks the generated text of one sequence: decoding, stop strings, release. */
export class GeneratedText {
  private readonly decoder: StreamDecoder;
  private readonly stops: readonly string[];
  private readonly longestStop: number;
  /** All text decoded so far (cut at the stop string once one is found). */
  private text = '';
  /** `text.length` after each token. */
  private readonly tokenEnds: number[] = [];
  private released = 0;
  private stopIndex = -1;
  private matched: string | undefined;

  constructor(decoding: TextDecoding, stop: readonly string[], prompt: ArrayLike<number>) {
    for (const s of stop) if (typeof s !== 'string' || s.length === 0) throw new RangeError(`generate: stop strings must be non-empty strings, got ${JSON.stringify(s)}`);
    this.stops = stop;
    this.longestStop = stop.reduce((m, s) => Math.max(m, s.length), 0);
    if (decoding.createStreamDecoder) {
      this.decoder = decoding.createStreamDecoder();
      // Feed the prompt so the decoder's state (spacing, partial UTF-8) continues from it.
      for (let i = 0; i < prompt.length; i++) this.decoder.write(prompt[i]);
    } else {
      this.decoder = new RedecodingStreamDecoder(decoding, prompt);
    }
  }

  /** The generated text so far, or the final text (cut before the stop string) once stopped. */
  get value(): string {
    return this.text;
  }

  /** The stop string that ended generation, if one did. */
  get stopString(): string | undefined {
    return this.matched;
  }

  /**
   * How many of the tokens pushed so far lie wholly before the stop string (all
   * of them when none was found). Token granularity: a token whose text straddles
   * the start of the stop string is not counted, though its leading part is in `value`.
   */
  get keptTokens(): number {
    if (this.stopIndex < 0) return this.tokenEnds.length;
    return this.tokensEndingBy(this.stopIndex);
  }

  /** Number of tokens whose text ends at or before character `position`. */
  tokensEndingBy(position: number): number {
    let n = this.tokenEnds.length;
    while (n > 0 && this.tokenEnds[n - 1] > position) n--;
    return n;
  }

  /**
   * The smallest number of tokens a later stop string could cut the sequence back
   * to: a stop string found later starts after `text.length − longestStop`.
   */
  earliestPossibleCut(): number {
    if (this.stops.length === 0) return this.tokenEnds.length;
    return this.tokensEndingBy(Math.max(this.released, this.text.length - this.longestStop + 1));
  }

  /** Add the next generated token. */
  push(token: number): TextStep {
    if (this.matched !== undefined) throw new Error('GeneratedText.push: generation already stopped at a stop string');
    return this.append(this.decoder.write(token), true);
  }

  /** End of generation: flush held-back text (an incomplete UTF-8 tail becomes U+FFFD). */
  finish(): TextStep {
    if (this.matched !== undefined) return { released: '' };
    const step = this.append(this.decoder.end(), false);
    if (step.stopString !== undefined) return step;
    const rest = this.text.slice(this.released);
    this.released = this.text.length;
    return { released: step.released + rest };
  }

  private append(piece: string, isToken: boolean): TextStep {
    const before = this.text.length;
    this.text += piece;
    if (isToken) this.tokenEnds.push(this.text.length);
    if (this.stops.length === 0) return { released: this.release(this.text.length) };
    // A new match must end inside the new piece, so it starts after before − longestStop.
    const from = Math.max(this.released, before - this.longestStop + 1);
    let at = -1;
    let which: string | undefined;
    for (const s of this.stops) {
      const i = this.text.indexOf(s, from);
      if (i >= 0 && (at < 0 || i < at)) {
        at = i;
        which = s;
      }
    }
    if (which !== undefined) {
      this.stopIndex = at;
      this.matched = which;
      const released = this.release(at);
      this.text = this.text.slice(0, at);
      return { released, stopString: which };
    }
    return { released: this.release(this.text.length - this.heldBack()) };
  }

  /** Length of the longest suffix of the text that is a proper prefix of a stop string. */
  private heldBack(): number {
    let hold = 0;
    for (const s of this.stops) {
      for (let n = Math.min(s.length - 1, this.text.length); n > hold; n--) {
        if (this.text.endsWith(s.slice(0, n))) {
          hold = n;
          break;
        }
      }
    }
    return hold;
  }

  private release(upTo: number): string {
    if (upTo <= this.released) return '';
    const piece = this.text.slice(this.released, upTo);
    this.released = upTo;
    return piece;
  }
}
