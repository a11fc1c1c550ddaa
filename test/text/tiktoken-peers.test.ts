/**
 * Where the pure-JavaScript ports disagree with tiktoken (the Rust core), and
 * that lmkit does not: every string of length ≤ 3 over an alphabet with the
 * characters where JavaScript regexes and Rust's differ — U+0085 (NEL: Rust
 * \s, not JS \s), U+FEFF (BOM: JS \s, not Rust \s), U+323B0 (a CJK letter of
 * Unicode 17, which Node's ICU knows and tiktoken's Unicode 16 tables do not) —
 * plus ordinary letters, spaces and newlines. The peers' disagreements are
 * reported as diagnostics (they are facts about the peers, not lmkit's
 * contract); lmkit must agree with tiktoken on all of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEncoding } from 'js-tiktoken';
import * as gptTokenizerR50k from 'gpt-tokenizer/encoding/r50k_base';
import * as gptTokenizerCl100k from 'gpt-tokenizer/encoding/cl100k_base';
import { ourEncoding, tiktokenEncoding, type ReferenceEncoding } from './reference-encodings.js';

const ALPHABET = ['a', ' ', '\n', '\u0085', '\ufeff', '\u{323b0}', '1', "'", '\u00a0', '.'];

/** JSON-like quoting with every non-ASCII or control character as an escape, so invisible characters show. */
function show(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += cp >= 0x20 && cp < 0x7f ? ch : cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  }
  return `"${out}"`;
}

/** Which of the characters JS and Rust regexes classify differently a string contains. */
function culprits(strings: string[]): string {
  const counts = new Map<string, number>();
  for (const text of strings) {
    for (const ch of ['\u0085', '\ufeff', '\u{323b0}']) if (text.includes(ch)) counts.set(show(ch), (counts.get(show(ch)) ?? 0) + 1);
  }
  return [...counts].map(([ch, n]) => `${ch} in ${n}`).join(', ');
}

function sameIds(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

for (const name of ['gpt2', 'cl100k_base'] as ReferenceEncoding[]) {
  test(`${name}: lmkit equals tiktoken where js-tiktoken and gpt-tokenizer differ`, (t) => {
    const reference = tiktokenEncoding(name);
    const ours = ourEncoding(name);
    const jsTiktoken = getEncoding(name);
    const gptTokenizer = name === 'gpt2' ? gptTokenizerR50k : gptTokenizerCl100k;
    const noSpecials = new Set<string>();
    const peerMisses: Record<string, string[]> = { 'js-tiktoken': [], 'gpt-tokenizer': [] };
    let total = 0;
    const visit = (prefix: string, depth: number): void => {
      for (const c of ALPHABET) {
        const text = prefix + c;
        total++;
        const expected = reference.encode_ordinary(text);
        assert.ok(sameIds(ours.encodeOrdinary(text), expected), `lmkit differs from tiktoken on ${JSON.stringify(text)}`);
        if (!sameIds(jsTiktoken.encode(text, [], []), expected)) peerMisses['js-tiktoken']!.push(text);
        if (!sameIds(gptTokenizer.encode(text, { disallowedSpecial: noSpecials }), expected)) peerMisses['gpt-tokenizer']!.push(text);
        if (depth > 1) visit(text, depth - 1);
      }
    };
    visit('', 3);
    for (const [peer, misses] of Object.entries(peerMisses)) {
      const examples = misses.slice(0, 6).map(show).join(', ');
      t.diagnostic(
        `${peer} (${name}) differs from tiktoken on ${misses.length} of ${total} strings` +
          (misses.length > 0 ? ` (containing ${culprits(misses)}), e.g. ${examples}` : ''),
      );
    }
  });
}
