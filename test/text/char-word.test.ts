/** Character and word tokenizers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CharTokenizer, withBoundaries } from '../../src/text/char.js';
import { splitWords, WordTokenizer } from '../../src/text/word.js';
import { loadTokenizer } from '../../src/text/load.js';

const shakespeare = readFileSync(new URL('../../../data/tinyshakespeare.txt', import.meta.url), 'utf8');

test('char vocabulary of tiny-shakespeare: 65 characters (as in char-rnn / nanoGPT), sorted by code point', () => {
  const tok = CharTokenizer.train(shakespeare, { unkToken: null });
  assert.equal(tok.vocabSize, 65);
  // nanoGPT's shakespeare_char: ''.join(chars) starts "\n !$&',-.3:;?ABC…" and ends "…xyz".
  assert.equal(tok.vocab.join('').slice(0, 16), "\n !$&',-.3:;?ABC");
  assert.equal(tok.vocab.join('').slice(-3), 'xyz');
  assert.deepEqual(tok.encode('hii there'), [46, 47, 47, 1, 58, 46, 43, 56, 43]); // nanoGPT's README example ids
  assert.equal(tok.decode(tok.encode(shakespeare)), shakespeare);
});

test('char: specials first, <unk> for unseen characters, START/STOP training pairs (seed 004)', () => {
  const tok = CharTokenizer.train('abca', { specialTokens: ['<START>', '<STOP>'] });
  assert.deepEqual(tok.vocab, ['<unk>', '<START>', '<STOP>', 'a', 'b', 'c']);
  assert.deepEqual(tok.encode('cab😀'), [5, 3, 4, 0]);
  assert.deepEqual(withBoundaries(tok, tok.encode('ab')), [1, 3, 4, 2]);
  assert.equal(tok.decode([1, 3, 4, 2]), '<START>ab<STOP>');
  assert.deepEqual(tok.encode('<START>a', { allowedSpecial: 'all' }), [1, 3]);
  assert.throws(() => tok.encode('<STOP>'), /disallowed/);
  const strict = CharTokenizer.train('ab', { unkToken: null });
  assert.throws(() => strict.encode('abz'), /character U\+007A \("z"\) is not in the vocabulary/);
  assert.throws(() => CharTokenizer.train(''), /empty corpus/);
});

test('char: astral characters are one token each; save/load round trip', () => {
  const tok = CharTokenizer.train('a😀b👍');
  assert.deepEqual(tok.encode('😀👍'), [tok.tokenToId('😀'), tok.tokenToId('👍')]);
  const back = loadTokenizer(tok.save());
  assert.deepEqual(back.encode('ba😀'), tok.encode('ba😀'));
  assert.equal(back.vocabSize, tok.vocabSize);
});

test('word split rule: words with inner apostrophes, numbers, each punctuation mark alone', () => {
  assert.deepEqual(splitWords("Don't stop, O'er 42 times!! (maybe)"), ["Don't", 'stop', ',', "O'er", '42', 'times', '!', '!', '(', 'maybe', ')']);
  assert.deepEqual(splitWords("'tis  ta’en\nnaïve café"), ["'", 'tis', 'ta’en', 'naïve', 'café']);
  assert.deepEqual(splitWords('e\u0301t\u00e9'), ['e\u0301t\u00e9']);
});

test('word vocabulary: specials, then by frequency (ties by string), with min frequency and max size', () => {
  const tok = WordTokenizer.train('b a b c a b d', { minFrequency: 2 });
  assert.deepEqual(tok.vocab, ['<unk>', 'b', 'a']);
  assert.deepEqual(tok.encode('a b c'), [2, 1, 0]);
  const capped = WordTokenizer.train('b a b c a b d', { maxVocabSize: 3, specialTokens: ['<s>'] });
  assert.deepEqual(capped.vocab, ['<unk>', '<s>', 'b']);
  const lower = WordTokenizer.train('The the THE cat', { lowercase: true });
  assert.deepEqual(lower.vocab, ['<unk>', 'the', 'cat']);
  assert.deepEqual(lower.encode('THE Cat'), [1, 2]);
});

test('word decode joins with spaces, none before closing punctuation or after an opening bracket', () => {
  const tok = WordTokenizer.train('Hello , world ! ( yes ) ok .');
  assert.equal(tok.decode(tok.encode('Hello, world! (yes) ok.')), 'Hello, world! (yes) ok.');
  assert.throws(() => tok.decode([99]), /id 99 is not in the vocabulary/);
});

test('word: Shakespeare round trip through save/load; unknown rate with a cutoff', () => {
  const tok = WordTokenizer.train(shakespeare, { minFrequency: 3 });
  const back = loadTokenizer(tok.save());
  const text = shakespeare.slice(0, 5000);
  assert.deepEqual(back.encode(text), tok.encode(text));
  const ids = tok.encode(shakespeare);
  const unknown = ids.filter((id) => id === tok.unknownTokenId).length;
  // Words seen once or twice (hapaxes) are exactly the unknown occurrences.
  const counts = new Map<string, number>();
  for (const w of splitWords(shakespeare)) counts.set(w, (counts.get(w) ?? 0) + 1);
  let rare = 0;
  for (const c of counts.values()) if (c < 3) rare += c;
  assert.equal(unknown, rare);
});

test('char/word files failing validation name the field', () => {
  assert.throws(() => loadTokenizer(JSON.stringify({ format: 'lmkit-tokenizer', version: 1, kind: 'char', unkToken: null, specialTokens: [], vocab: ['a', 'bc'] }), 'c.json'), /c\.json: field "vocab\[1\]": expected a single character/);
  assert.throws(() => loadTokenizer(JSON.stringify({ format: 'lmkit-tokenizer', version: 1, kind: 'word', lowercase: 'no', unkToken: null, specialTokens: [], vocab: ['a'] }), 'w.json'), /w\.json: field "lowercase": expected true or false/);
});
