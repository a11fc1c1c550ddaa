/**
 * The pre-tokenizers' character classes (letter \p{L}, number \p{N},
 * whitespace \s) for all 1,114,112 code points, read out of tiktoken's own Rust
 * regex engine and compared with lmkit's pinned table.
 *
 * Probe: a rank file with the 256 bytes plus the tokens "Q"+b, "R"+b, "S"+b for
 * every byte b, and the pattern Q\p{L}|R\p{N}|S\s|[\s\S]. In "Qc|Rc|Sc|" the
 * probe letter merges with c's first byte exactly when c is in that class.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tiktoken } from 'tiktoken';
import { classOfCodePoint } from '../../src/text/bpe/unicode-classes.js';
import { bytesToBase64, } from '../../src/text/formats/base64.js';
import { utf8Encode } from '../../src/text/bpe/bytes.js';

const CLASS_NAMES = ['other', 'letter', 'number', 'whitespace'];

test('character classes of every code point equal tiktoken (Rust regex, Unicode 16)', () => {
  const lines: string[] = [];
  for (let b = 0; b < 256; b++) lines.push(`${bytesToBase64(Uint8Array.of(b))} ${b}`);
  const probes = ['Q', 'R', 'S'];
  const probeIds = probes.map((_, p) => 256 + p * 256);
  probes.forEach((probe, p) => {
    for (let b = 0; b < 256; b++) lines.push(`${bytesToBase64(Uint8Array.of(probe.charCodeAt(0), b))} ${probeIds[p]! + b}`);
  });
  const encoder = new Tiktoken(lines.join('\n'), {}, 'Q\\p{L}|R\\p{N}|S\\s|[\\s\\S]');
  const mismatches: string[] = [];
  try {
    for (let start = 0; start < 0x110000; start += 0x10000) {
      const parts: string[] = [];
      const codePoints: number[] = [];
      for (let cp = start; cp < start + 0x10000; cp++) {
        if (cp >= 0xd800 && cp < 0xe000) continue;
        const c = String.fromCodePoint(cp);
        parts.push(`Q${c}|R${c}|S${c}|`);
        codePoints.push(cp);
      }
      const ids = encoder.encode(parts.join(''));
      let k = 0;
      for (const cp of codePoints) {
        const bytes = utf8Encode(String.fromCodePoint(cp));
        let theirs = 0;
        for (let p = 0; p < 3; p++) {
          if (ids[k] === probeIds[p]! + bytes[0]!) {
            theirs = p + 1;
            k += bytes.length + 1;
          } else {
            k += bytes.length + 2;
          }
        }
        const ours = classOfCodePoint(cp);
        if (ours !== theirs && mismatches.length < 10) mismatches.push(`U+${cp.toString(16)}: ours ${CLASS_NAMES[ours]}, tiktoken ${CLASS_NAMES[theirs]}`);
      }
      assert.equal(k, ids.length, 'probe walk out of step');
    }
  } finally {
    encoder.free();
  }
  assert.deepEqual(mismatches, []);
});

test('the table is not the JS engine\'s: U+0085 is whitespace, U+FEFF is not, Unicode 17 letters are other', () => {
  assert.equal(CLASS_NAMES[classOfCodePoint(0x85)], 'whitespace');
  assert.equal(CLASS_NAMES[classOfCodePoint(0xfeff)], 'other');
  // U+323B0 (CJK Extension J) was assigned in Unicode 17; tiktoken 1.0's tables are Unicode 16.
  assert.equal(CLASS_NAMES[classOfCodePoint(0x323b0)], 'other');
  assert.equal(CLASS_NAMES[classOfCodePoint(0x4e2d)], 'letter');
  assert.equal(CLASS_NAMES[classOfCodePoint(0x0663)], 'number');
});
