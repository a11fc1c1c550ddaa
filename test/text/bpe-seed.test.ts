/**
 * Seed 004's worked example ("Byte-pair encoding: tokenization/encoding"):
 *
 *   V = {1:' ', 2:'a', 3:'e', 4:'f', 5:'g', 6:'h', 7:'i', 8:'k', 9:'m', 10:'n', 11:'p', 12:'s', 13:'u',
 *        14:'ug', 15:' p', 16:'hug', 17:' pug', 18:' pugs', 19:'un', 20:' hug'}
 *   Encode(" hugs") = [20, 12]
 *   Encode("misshapeness") = [9, 7, 12, 12, 6, 2, 11, 3, 10, 10, 3, 12, 12]
 *   Decode inverts both.
 *
 * The second id list has two 10s ('n', 'n'): it spells "misshapenness" (the
 * English word), so the slide's string lost an 'n'. We test the ids with the
 * word they spell, and the slide's spelling with its own (one-'n') ids.
 *
 * The merges are the vocabulary entries 14..20 in order, each the join of two
 * earlier tokens: 'ug' = u+g, ' p' = ' '+p, 'hug' = h+ug, ' pug' = ' p'+ug,
 * ' pugs' = ' pug'+s, 'un' = u+n, ' hug' = ' '+hug. Id 0 is unused in the seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BpeModel } from '../../src/text/bpe/model.js';
import { loadTokenizer } from '../../src/text/load.js';

const seedChars = [' ', 'a', 'e', 'f', 'g', 'h', 'i', 'k', 'm', 'n', 'p', 's', 'u'];

function seedModel(): BpeModel {
  return new BpeModel({
    base: 'char',
    preTokenizer: 'whitespace', // "split before whitespace": " hugs" stays one pre-token
    whitespace: 'attach',
    continuationPrefix: '##',
    endOfWordSuffix: '</w>',
    unkToken: null,
    specialTokens: [],
    alphabet: seedChars.map((ch, i) => ({ id: i + 1, unit: ch.codePointAt(0) as number, marked: false })),
    merges: [
      [13, 5, 14], // u g → ug
      [1, 11, 15], // ' ' p → ' p'
      [6, 14, 16], // h ug → hug
      [15, 14, 17], // ' p' ug → ' pug'
      [17, 12, 18], // ' pug' s → ' pugs'
      [13, 10, 19], // u n → un
      [1, 16, 20], // ' ' hug → ' hug'
    ],
  });
}

test('seed 004 vocabulary: token strings by id', () => {
  const model = seedModel();
  const expected = ['', ' ', 'a', 'e', 'f', 'g', 'h', 'i', 'k', 'm', 'n', 'p', 's', 'u', 'ug', ' p', 'hug', ' pug', ' pugs', 'un', ' hug'];
  assert.equal(model.vocabSize, 21);
  assert.equal(model.idToToken(0), undefined);
  for (let id = 1; id <= 20; id++) assert.equal(model.idToToken(id), expected[id]);
});

test('seed 004: Encode(" hugs") = [20, 12] and Encode("misshapenness") = [9, 7, 12, 12, 6, 2, 11, 3, 10, 10, 3, 12, 12]', () => {
  const model = seedModel();
  assert.deepEqual(model.encode(' hugs'), [20, 12]);
  assert.deepEqual(model.encode('misshapenness'), [9, 7, 12, 12, 6, 2, 11, 3, 10, 10, 3, 12, 12]);
  // The slide's spelling: no merge applies either (no 'u', no ' '), one 'n'.
  assert.deepEqual(model.encode('misshapeness'), [9, 7, 12, 12, 6, 2, 11, 3, 10, 3, 12, 12]);
});

test('seed 004: decoding inverts both examples', () => {
  const model = seedModel();
  assert.equal(model.decode([20, 12]), ' hugs');
  assert.equal(model.decode([9, 7, 12, 12, 6, 2, 11, 3, 10, 10, 3, 12, 12]), 'misshapenness');
  assert.equal(model.decode([9, 7, 12, 12, 6, 2, 11, 3, 10, 3, 12, 12]), 'misshapeness');
});

test('seed 004: more encodings follow merge order by hand (" pugs" → 18, " pug hug" → [17, 20], "hugs" → [16, 12])', () => {
  const model = seedModel();
  assert.deepEqual(model.encode(' pugs'), [18]);
  // " pug" then " hug": ' p'(15) forms before 'hug'(16)… both words end as single tokens.
  assert.deepEqual(model.encode(' pug hug'), [17, 20]);
  // no leading space: h+ug → hug, and ' hug' needs the space.
  assert.deepEqual(model.encode('hugs'), [16, 12]);
  // "un" (19) is merged after "ug" (14): in "ung" the pair u-g is not adjacent… u n g → un g.
  assert.deepEqual(model.encode('ung'), [19, 5]);
  // "gun": g u n → g un
  assert.deepEqual(model.encode('gun'), [5, 19]);
});

test('seed 004 vocabulary survives save/load', () => {
  const reloaded = loadTokenizer(seedModel().save());
  assert.deepEqual(reloaded.encode(' hugs'), [20, 12]);
  assert.deepEqual(reloaded.encode('misshapenness'), [9, 7, 12, 12, 6, 2, 11, 3, 10, 10, 3, 12, 12]);
});

test('seed 004: a character outside the alphabet is a clear error without unkToken', () => {
  assert.throws(() => seedModel().encode(' hugz'), /character U\+007A \("z"\) is not in the model's alphabet/);
});
