/**
 * Bytes for byte-level BPE (seed 004: "byte-level BPE uses the 256 byte values as
 * the base vocabulary, so any text can be encoded without <unk>").
 *
 * - UTF-8 encode into a reusable buffer (no allocation per piece in the encoder).
 * - GPT-2's bytes↔unicode table: Hugging Face tokenizer.json and GPT-2's
 *   encoder.json spell each byte as a printable character (GPT-2 `encoder.py`,
 *   `bytes_to_unicode`).
 * - StreamingDecoder: token-by-token text output that holds back an incomplete
 *   UTF-8 sequence until the token completing it arrives.
 */

import type { StreamDecoder } from '../tokenizer.js';

// ignoreBOM: a leading U+FEFF in token bytes is text, not an encoding signature (WHATWG Encoding: without it decode() strips one).
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * UTF-8 encode `text[start, end)` into `out` from index 0 and return the byte
 * count. `out` must hold at least 3 × (end − start) bytes. Lone surrogates become
 * U+FFFD (EF BF BD), exactly as `TextEncoder` — and hence tiktoken's WASM
 * binding, which receives strings through it — does.
 */
export function encodeUtf8Into(text: string, start: number, end: number, out: Uint8Array): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c < 0xe000) {
      const low = i + 1 < end ? text.charCodeAt(i + 1) : 0;
      if (c < 0xdc00 && low >= 0xdc00 && low < 0xe000) {
        c = ((c - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
        i++;
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 0x3f);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
      } else {
        out[n++] = 0xef;
        out[n++] = 0xbf;
        out[n++] = 0xbd;
      }
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return n;
}

/** UTF-8 bytes of a string (lone surrogates → U+FFFD). */
export function utf8Encode(text: string): Uint8Array {
  const buffer = new Uint8Array(text.length * 3);
  const n = encodeUtf8Into(text, 0, text.length, buffer);
  return buffer.slice(0, n);
}

/** Decode UTF-8, replacing invalid sequences with U+FFFD (WHATWG decoder, as Python's errors='replace'); a leading U+FEFF is kept. */
export function utf8Decode(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

/**
 * GPT-2's reversible byte → printable character map: bytes that are printable
 * Latin-1 ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves, the other 68 bytes to
 * U+0100, U+0101, … in byte order.
 */
export const BYTE_TO_UNICODE: readonly string[] = (() => {
  const table: string[] = new Array<string>(256);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCharCode(printable ? b : 256 + next++);
  }
  return table;
})();

const unicodeToByte = new Map<number, number>(BYTE_TO_UNICODE.map((ch, b) => [ch.charCodeAt(0), b]));

/** Bytes → GPT-2 byte-level string (as in encoder.json / tokenizer.json vocabularies). */
export function bytesToByteLevel(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += BYTE_TO_UNICODE[bytes[i]!];
  return out;
}

/** GPT-2 byte-level string → bytes; undefined if a character is not in the table. */
export function byteLevelToBytes(text: string): Uint8Array | undefined {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const b = unicodeToByte.get(text.charCodeAt(i));
    if (b === undefined) return undefined;
    out[i] = b;
  }
  return out;
}

/** Something that can give the bytes of a token id (byte-level tokenizers do). */
export interface TokenBytesSource {
  tokenBytes(id: number): Uint8Array;
}

/**
 * Turns a stream of token ids (or byte chunks) into text as soon as it is
 * complete. A multi-byte character split across tokens (common for emoji and
 * CJK in GPT-2's vocabulary) is held back until its last byte arrives, so
 * concatenating every `write` result and the final `end()` equals decoding all
 * ids at once — and no write ever emits a spurious U+FFFD for valid text.
 *
 *   const stream = tokenizer.createStreamDecoder();
 *   for (const id of generated) process.stdout.write(stream.write(id));
 *   process.stdout.write(stream.end());
 *
 * This is the WHATWG TextDecoder's streaming mode, which holds back exactly the
 * bytes of an incomplete but so-far-valid sequence and replaces invalid ones
 * as soon as they are known to be invalid.
 */
export class StreamingDecoder implements StreamDecoder {
  private decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(private readonly source?: TokenBytesSource) {}

  /** Add one token id; returns the text that became complete. */
  write(id: number): string {
    if (this.source === undefined) throw new Error('StreamingDecoder.write: constructed without a tokenizer; use writeBytes');
    return this.decoder.decode(this.source.tokenBytes(id), { stream: true });
  }

  /** Add raw bytes; returns the text that became complete. */
  writeBytes(bytes: Uint8Array): string {
    return this.decoder.decode(bytes, { stream: true });
  }

  /** End of stream: a held-back incomplete sequence becomes U+FFFD. The decoder can be reused after. */
  end(): string {
    return this.decoder.decode();
  }
}
