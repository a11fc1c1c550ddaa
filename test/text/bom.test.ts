/**
 * A leading U+FEFF is text, not an encoding signature: every tokenizer kind
 * keeps it through encode → decode and through the stream decoder (a WHATWG
 * TextDecoder without ignoreBOM would strip it, and only at the start).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ourEncoding } from './reference-encodings.js';
import { CharTokenizer } from '../../src/text/char.js';
import { WordTokenizer } from '../../src/text/word.js';
import { trainBpe } from '../../src/text/bpe/train.js';
import { trainWordPiece } from '../../src/text/wordpiece.js';
import { loadTokenizer } from '../../src/text/load.js';
import type { Tokenizer } from '../../src/text/tokenizer.js';

const BOM = '\ufeff';
const TEXT = `${BOM}ab ${BOM}ab`;

function streamDecode(tokenizer: Tokenizer, ids: readonly number[]): string {
  const stream = tokenizer.createStreamDecoder?.();
  if (stream === undefined) return tokenizer.decode(ids);
  return ids.map((id) => stream.write(id)).join('') + stream.end();
}

/** decode, the stream decoder, and a JSON round trip all give `expected`. */
function assertRoundTrip(name: string, tokenizer: Tokenizer, text: string, expected = text): void {
  const ids = tokenizer.encode(text);
  assert.equal(tokenizer.decode(ids), expected, `${name}: decode`);
  assert.equal(streamDecode(tokenizer, ids), expected, `${name}: stream`);
  const reloaded = loadTokenizer(tokenizer.save());
  assert.equal(reloaded.decode(reloaded.encode(text)), expected, `${name}: reloaded`);
}

test('tiktoken encodings keep a leading U+FEFF (decode, single token, stream)', () => {
  for (const name of ['gpt2', 'cl100k_base'] as const) {
    const tok = ourEncoding(name);
    const ids = tok.encode(TEXT);
    assert.equal(tok.decode(ids), TEXT, name);
    assert.equal(streamDecode(tok, ids), TEXT, `${name}: stream`);
    const bomIds = tok.encode(BOM);
    assert.equal(tok.decode(bomIds), BOM, `${name}: the BOM alone`);
    assert.equal(tok.decode([...tok.encode('a'), ...bomIds]), `a${BOM}`, name);
  }
  assert.equal(ourEncoding('cl100k_base').decode([3305]), BOM, 'cl100k id 3305 is U+FEFF');
});

test('BPE models of every base keep a leading U+FEFF', () => {
  const corpus = `${TEXT} ${BOM}abc abd ab ${BOM}`.repeat(5);
  for (const base of ['byte', 'char'] as const) {
    for (const preTokenizer of ['gpt2', 'whitespace'] as const) {
      const model = trainBpe(corpus, { vocabSize: 300, base, preTokenizer });
      assertRoundTrip(`${base}/${preTokenizer}`, model, TEXT);
    }
  }
});

test('char tokenizer keeps a leading U+FEFF', () => {
  assertRoundTrip('char', CharTokenizer.train(TEXT, { unkToken: null }), TEXT);
});

test('word and WordPiece tokenizers: U+FEFF is a symbol word for word, dropped as a format character by WordPiece (as BERT)', () => {
  const words = WordTokenizer.train(TEXT);
  assert.equal(words.decode(words.encode(TEXT)).replaceAll(' ', ''), TEXT.replaceAll(' ', ''));
  // BERT's BasicTokenizer._clean_text removes category C* characters, U+FEFF (Cf) among them.
  const wordPiece = trainWordPiece(`${TEXT} abc`, { vocabSize: 40 });
  assertRoundTrip('wordpiece', wordPiece, TEXT, 'ab ab');
});
