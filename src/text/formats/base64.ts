/**
 * Standard base64 (RFC 4648 §4, with padding) on Uint8Array, without Node's
 * Buffer or the browser's atob, so the same code runs everywhere.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  if (i < bytes.length) {
    const two = i + 1 < bytes.length;
    const n = (bytes[i]! << 16) | (two ? bytes[i + 1]! << 8 : 0);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + (two ? ALPHABET[(n >> 6) & 63]! : '=') + '=';
  }
  return out;
}

export function base64ToBytes(text: string): Uint8Array {
  const length = text.length;
  if (length % 4 !== 0) throw new Error(`invalid base64 ${JSON.stringify(text.slice(0, 40))}: length ${length} is not a multiple of 4`);
  let padding = 0;
  if (length > 0 && text.charCodeAt(length - 1) === 61) padding++;
  if (length > 1 && text.charCodeAt(length - 2) === 61) padding++;
  const out = new Uint8Array((length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < length; i += 4) {
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const c = text.charCodeAt(i + k);
      let v: number;
      if (c === 61 && i + k >= length - padding) v = 0;
      else {
        v = c < 128 ? VALUES[c]! : -1;
        if (v < 0) throw new Error(`invalid base64 ${JSON.stringify(text.slice(0, 40))}: character ${JSON.stringify(text[i + k])} at ${i + k}`);
      }
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
