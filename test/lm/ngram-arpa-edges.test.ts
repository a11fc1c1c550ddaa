/**
 * ARPA reading edge cases, each checked against what KenLM's reader does (read
 * from lm/read_arpa.cc, util/spaces.cc, util/file_piece.cc): field separators,
 * number syntax, CRLF files, and headers that declare more than the file holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArpaFormatError, parseArpa } from '../../src/lm/ngram/index.js';
import { splitAsciiSpace } from '../../src/lm/ngram/kenlm-text.js';

/** A valid bigram ARPA file with `word` as its only ordinary unigram. */
function arpaWith(word: string, probability = '-0.5', backoff = '-0.2'): string {
  return `\\data\\\nngram 1=4\nngram 2=2\n\n\\1-grams:\n-1.0\t<unk>\n-99\t<s>\t-0.5\n${probability}\t${word}\t${backoff}\n-0.6\t</s>\n\n\\2-grams:\n-0.2\t<s> ${word}\n-0.1\t${word} </s>\n\n\\end\\\n`;
}

function assertArpaError(text: string, line: number, message: RegExp): void {
  assert.throws(
    () => parseArpa(text, { source: 'edge.arpa' }),
    (err: unknown) => {
      assert.ok(err instanceof ArpaFormatError, String(err));
      assert.match(err.message, message);
      assert.equal(err.line, line, err.message);
      return true;
    },
  );
}

test('ARPA words keep non-ASCII spaces and \\v, \\f as KenLM does (kARPASpaces: space, \\t, \\r)', () => {
  for (const word of ['x\u00a0y', 'x\u3000y', 'x\u2028y', 'x\u000by', 'x\u000cy', '\u00a0lead']) {
    const model = parseArpa(arpaWith(word));
    assert.ok(model.vocab.has(word), JSON.stringify(word));
    assert.equal(model.vocabSize, 4, JSON.stringify(word));
    const state = model.advance(model.initialState(), model.vocab.id(word));
    assert.ok(Math.abs(model.log10Prob(state, model.vocab.id('</s>')) - -0.1) < 1e-7);
  }
});

test('corpus text splits on the six ASCII spaces only (util/spaces.cc kSpaces)', () => {
  assert.deepEqual(splitAsciiSpace(' a\tb\nc\u000bd\u000ce\rf  '), ['a', 'b', 'c', 'd', 'e', 'f']);
  assert.deepEqual(splitAsciiSpace('x\u00a0y z\u3000w\u2028v'), ['x\u00a0y', 'z\u3000w\u2028v']);
  assert.deepEqual(splitAsciiSpace(' \t '), []);
});

test('numbers: decimal and ±inf as KenLM reads them; hex, binary, Infinity, NaN are errors', () => {
  for (const [probability, expected] of [['-.5', -0.5], ['-5e-1', -0.5], ['-0.5E0', -0.5], ['-inf', -Infinity], ['-99', -Infinity], ['-1e2', -Infinity]] as const) {
    const model = parseArpa(arpaWith('w', probability));
    assert.equal(model.log10Prob(model.nullState(), model.vocab.id('w')), expected === -0.5 ? Math.fround(-0.5) : expected, probability);
  }
  for (const probability of ['0x10', '-0x1', '0b11', '-Infinity', 'NaN', 'nan', '-1e', '--1', '-1.0.0', '−1']) {
    assertArpaError(arpaWith('w', probability), 8, /cannot parse log10 probability/);
  }
  for (const probability of ['0.5', '+inf', '1e-3']) assertArpaError(arpaWith('w', probability), 8, /positive log10 probability/);
  assertArpaError(arpaWith('w', '-0.5', '0x1'), 8, /cannot parse log10 backoff/);
  assertArpaError(arpaWith('w', '-0.5', '-inf'), 8, /log10 backoff -inf is not finite/);
  // A positive backoff is legal (KenLM keeps it).
  assert.ok(parseArpa(arpaWith('w', '-0.5', '0.25')).vocab.has('w'));
});

test('CRLF files, with or without blank lines between the sections', () => {
  const crlf = arpaWith('w').replace(/\n/g, '\r\n');
  const tight = crlf.replace(/\r\n\r\n/g, '\r\n');
  for (const text of [crlf, tight, arpaWith('w').replace(/\n\n/g, '\n')]) {
    const model = parseArpa(text);
    assert.deepEqual(model.ngramCounts(), [4, 2]);
    assert.ok(Math.abs(model.log10Prob(model.initialState(), model.vocab.id('w')) - -0.2) < 1e-7);
  }
});

test('a header that declares more n-grams than the file can hold fails at its line, before allocating', () => {
  const started = performance.now();
  assertArpaError(arpaWith('w').replace('ngram 1=4', 'ngram 1=3000000000'), 2, /declares 3000000000 1-grams, more than the \d+ characters left/);
  assertArpaError(arpaWith('w').replace('ngram 2=2', 'ngram 2=5000000000'), 3, /declares 5000000000 2-grams/);
  assertArpaError(arpaWith('w').replace('ngram 2=2', 'ngram 2=99999999999999999999999'), 3, /2-grams, more than/);
  assert.ok(performance.now() - started < 1000, 'rejected without allocating gigabytes');
  // A count that the file could hold but does not is still reported where the section ends.
  assertArpaError(arpaWith('w').replace('ngram 2=2', 'ngram 2=5'), 14, /declares 5 2-grams but the section has 2/);
});
