/** Tokenizer corpus statistics, hand-computed on tiny inputs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CharTokenizer } from '../../src/text/char.js';
import { tokenizerStats } from '../../src/text/stats.js';
import { trainBpe } from '../../src/text/bpe/train.js';

test('char stats: "aabé" + "z" → 5 tokens, 6 bytes, 1 unknown', () => {
  const tok = CharTokenizer.train('aabé'); // ids: <unk> 0, a 1, b 2, é 3
  const stats = tokenizerStats(tok, ['aabé', 'z']);
  assert.equal(stats.tokens, 5);
  assert.equal(stats.characters, 5);
  assert.equal(stats.bytes, 6); // é is 2 bytes in UTF-8
  assert.equal(stats.bytesPerToken, 6 / 5);
  assert.equal(stats.unknownTokens, 1);
  assert.equal(stats.unknownRate, 0.2);
  assert.equal(stats.tokensUsed, 4);
  assert.deepEqual(stats.top.map((t) => [t.token, t.count]), [['a', 2], ['<unk>', 1], ['b', 1], ['é', 1]]);
  assert.deepEqual(stats.topMerged, []);
});

test('BPE stats: merged tokens are counted as such; special-token text is ordinary text', () => {
  const model = trainBpe('ab ab ab', { vocabSize: 256 + 1 + 2, specialTokens: ['<s>'], preTokenizer: 'whitespace' });
  // merges: (a, b) → "ab" (count 3), then (' ', ab) → " ab" (count 2)
  const stats = tokenizerStats(model, 'ab ab ab<s>');
  assert.deepEqual(stats.topMerged.map((t) => [t.token, t.count]), [[' ab', 2], ['ab', 1]]);
  assert.equal(stats.tokens, 3 + 3); // "ab", " ab", " ab", then "<", "s", ">"
  assert.equal(stats.unknownRate, 0);
});
