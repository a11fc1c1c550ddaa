/**
 * Pre-tokenizers. The 'gpt2' and 'cl100k' scanners must split exactly as
 * tiktoken's Rust regex (fancy-regex: leftmost-first alternation, backtracking
 * into `\s+` for the `(?!\S)` lookahead). Oracle: a JavaScript RegExp with the
 * same alternation, in which `\s` is spelled `\p{White_Space}` (what Rust's `\s`
 * means) and `(?i:…)` is expanded by hand (Rust folds 's' to 'ſ' too) — JS's
 * backtracking engine then computes the same leftmost-first matches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preTokenize, PRE_TOKENIZER_NAMES } from '../../src/text/bpe/pretokenize.js';

const S = '\\p{White_Space}';
const NOT_S = '\\P{White_Space}';
const ORACLES = {
  gpt2: new RegExp(`'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${S}\\p{L}\\p{N}]+|[${S}]+(?!${NOT_S})|[${S}]+`, 'gu'),
  cl100k: new RegExp(
    `'[sSſ]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^${S}\\p{L}\\p{N}]+[\\r\\n]*|[${S}]*[\\r\\n]+|[${S}]+(?!${NOT_S})|[${S}]+`,
    'gu',
  ),
};

test('hand-worked examples (GPT-2 pattern)', () => {
  // ' ?\p{L}+' keeps one leading space; '\s+(?!\S)' leaves the last space of a run for the next word.
  assert.deepEqual(preTokenize("Hello world's  end", 'gpt2'), ['Hello', ' world', "'s", ' ', ' end']);
  assert.deepEqual(preTokenize('a\n\n  b', 'gpt2'), ['a', '\n\n ', ' b']);
  assert.deepEqual(preTokenize('x 123456 ?!\n', 'gpt2'), ['x', ' 123456', ' ?!', '\n']);
  // Contractions are case-sensitive in GPT-2: "'S" is punctuation then a letter.
  assert.deepEqual(preTokenize("IT'S", 'gpt2'), ['IT', "'", 'S']);
  assert.deepEqual(preTokenize('   ', 'gpt2'), ['   ']);
  assert.deepEqual(preTokenize('', 'gpt2'), []);
});

test('hand-worked examples (cl100k pattern)', () => {
  // Digits in groups of three; '\s*[\r\n]+' takes whitespace up to the last newline.
  assert.deepEqual(preTokenize("IT'S 1234567", 'cl100k'), ['IT', "'S", ' ', '123', '456', '7']);
  assert.deepEqual(preTokenize('a\n\n  b', 'cl100k'), ['a', '\n\n', ' ', ' b']);
  assert.deepEqual(preTokenize(' ?!\n\nx', 'cl100k'), [' ?!\n\n', 'x']);
  // One non-letter, non-digit, non-newline character may lead a word: "\tword", "'x", "(foo".
  assert.deepEqual(preTokenize('\tword (foo', 'cl100k'), ['\tword', ' (', 'foo']);
  assert.deepEqual(preTokenize("'ſ", 'cl100k'), ["'ſ"]);
});

test('U+0085 is whitespace and U+FEFF is not (Rust \\s, not JavaScript \\s)', () => {
  assert.deepEqual(preTokenize('a\u0085\u0085b', 'gpt2'), ['a', '\u0085', '\u0085', 'b']);
  assert.deepEqual(preTokenize('a \ufeffb', 'gpt2'), ['a', ' \ufeff', 'b']);
});

test("'whitespace' and 'none' are lossless splits", () => {
  assert.deepEqual(preTokenize('  hello big\n\nworld  ', 'whitespace'), ['  hello', ' big', '\n\nworld', '  ']);
  assert.deepEqual(preTokenize('one piece\n', 'none'), ['one piece\n']);
  assert.deepEqual(preTokenize('', 'none'), []);
  assert.throws(() => preTokenize('x', 'gpt5' as never), /unknown pre-tokenizer 'gpt5'/);
});

test('exhaustive strings of length ≤ 5 over 11 characters split as the regex oracle', () => {
  // 11 + 11² + … + 11⁵ = 177155 strings, both patterns.
  const alphabet = ['a', 'S', 's', ' ', '\n', '\r', '\u00a0', '\u0085', '1', "'", '🙂'];
  let checked = 0;
  const visit = (prefix: string, depth: number): void => {
    for (const c of alphabet) {
      const text = prefix + c;
      for (const name of ['gpt2', 'cl100k'] as const) {
        const expected = text.match(ORACLES[name]) ?? [];
        const actual = preTokenize(text, name);
        if (actual.length !== expected.length || actual.some((piece, i) => piece !== expected[i])) {
          assert.deepEqual(actual, expected, `${name}: ${JSON.stringify(text)}`);
        }
      }
      checked++;
      if (depth > 1) visit(text, depth - 1);
    }
  };
  visit('', 5);
  assert.equal(checked, 177155);
});

test('every pre-tokenizer concatenates back to its input (random text)', () => {
  let state = 7;
  const next = (n: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  const alphabet = [...'ab Z9\n\t\r\'.-\u3000\u2028é中🙂'];
  for (let trial = 0; trial < 2000; trial++) {
    let text = '';
    for (let i = next(30); i > 0; i--) text += alphabet[next(alphabet.length)]!;
    for (const name of PRE_TOKENIZER_NAMES) {
      const pieces = preTokenize(text, name);
      assert.equal(pieces.join(''), text, `${name}: ${JSON.stringify(text)}`);
      assert.ok(pieces.every((piece) => piece.length > 0));
    }
  }
});
