/**
 * The token generation starts from when the prompt is empty: the newline, else a
 * sequence-start special token, else the first ordinary token; a start token
 * given as text must be exactly one token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultStartToken, startTokenOf } from '../../src/lm/factory.js';
import { CharTokenizer } from '../../src/text/char.js';
import { WordTokenizer } from '../../src/text/word.js';
import { WordPieceTokenizer } from '../../src/text/wordpiece.js';

test('defaultStartToken: newline, else a sequence-start special, else the first ordinary token (a word vocabulary: the most frequent word)', () => {
  const chars = CharTokenizer.train('ab\nba', { unkToken: null });
  assert.deepEqual(defaultStartToken(chars), { id: chars.tokenToId('\n'), reason: 'newline' });
  const noNewline = CharTokenizer.train('abba'); // has <unk>: encode('\n') would be [<unk>], not a newline
  assert.deepEqual(defaultStartToken(noNewline), { id: noNewline.tokenToId('a'), reason: 'first ordinary token' });
  const words = WordTokenizer.train('the cat the dog the end cat');
  assert.deepEqual(defaultStartToken(words), { id: words.tokenToId('the'), reason: 'first ordinary token' });
  const withBos = WordTokenizer.train('the cat', { specialTokens: ['<pad>', '<s>'] });
  assert.deepEqual(defaultStartToken(withBos), { id: withBos.tokenToId('<s>'), reason: 'sequence start' });
  const bert = new WordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'a', 'b', '##b']);
  assert.deepEqual(defaultStartToken(bert), { id: 2, reason: 'sequence start' });
});

test('startTokenOf: one token of the vocabulary (special tokens by name); anything else is refused, saying what it reads as', () => {
  const words = WordTokenizer.train('the cat the dog');
  assert.equal(startTokenOf(words, 'dog'), words.tokenToId('dog'));
  assert.equal(startTokenOf(words, '<unk>'), words.unknownTokenId);
  assert.throws(() => startTokenOf(words, 'the cat'), /start token "the cat": the model's word vocabulary reads it as 2 tokens; give a single token it knows .*"the"/);
  assert.throws(() => startTokenOf(words, 'zebra'), /reads it as the unknown token/);
  assert.throws(() => startTokenOf(words, ' '), /reads it as no token/);
  const chars = CharTokenizer.train('ab\n', { unkToken: null });
  assert.equal(startTokenOf(chars, '\n'), chars.tokenToId('\n'));
  assert.throws(() => startTokenOf(chars, 'z'), /start token "z": the model's char vocabulary reads it as no token/);
});
