/**
 * TiktokenTokenizer against OpenAI's tiktoken (the `tiktoken` npm package: the
 * WASM build of the Rust core) — the contract: identical ids for the
 * GPT-2 (r50k) and cl100k_base ranks on the whole bundled corpus, on hand-picked
 * hard strings, and on every short string over an alphabet of awkward
 * characters; identical special-token behaviour (allowed → id, disallowed →
 * error, otherwise ordinary text).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get_encoding } from 'tiktoken';
import { HARD_STRINGS, ourEncoding, referenceRankFile, tiktokenEncoding, shakespeare, type ReferenceEncoding } from './reference-encodings.js';
import { loadTiktokenFile } from '../../src/text/formats/tiktoken-file.js';

const ENCODINGS: ReferenceEncoding[] = ['gpt2', 'cl100k_base'];
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function reference(name: ReferenceEncoding, text: string, allowed?: 'all' | string[], disallowed?: 'all' | string[]): number[] | Error {
  try {
    return Array.from(tiktokenEncoding(name).encode(text, allowed, disallowed));
  } catch (error) {
    return error as Error;
  }
}

function ours(name: ReferenceEncoding, text: string, allowed?: 'all' | string[], disallowed?: 'all' | string[]): number[] | Error {
  try {
    return ourEncoding(name).encode(text, { allowedSpecial: allowed, disallowedSpecial: disallowed });
  } catch (error) {
    return error as Error;
  }
}

/** First index where two id arrays differ, for a readable failure. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}


test('whole tiny-shakespeare: ids equal tiktoken (gpt2 and cl100k_base) and decode inverts', () => {
  const text = shakespeare();
  for (const name of ENCODINGS) {
    const expected = tiktokenEncoding(name).encode(text);
    const actual = ourEncoding(name).encode(text);
    const at = firstDifference(actual, expected);
    assert.equal(at, -1, `${name}: first difference at token ${at}`);
    assert.equal(ourEncoding(name).decode(actual), text);
  }
});

test('hard strings: ids equal tiktoken, decode inverts for valid UTF-16', () => {
  for (const name of ENCODINGS) {
    for (const text of HARD_STRINGS) {
      const expected = reference(name, text, [], []);
      const actual = ours(name, text, [], []);
      assert.deepEqual(actual, expected, `${name}: ${JSON.stringify(text)}`);
      if (!(actual instanceof Error) && !LONE_SURROGATE.test(text)) assert.equal(ourEncoding(name).decode(actual), text);
    }
  }
});

test('exhaustive strings of length ≤ 4 over 12 awkward characters equal tiktoken', () => {
  // 12 + 12² + 12³ + 12⁴ = 22620 strings per encoding.
  const alphabet = ['a', 'S', ' ', '\n', '\u00a0', '\u2009', '\u3000', '\u0085', '1', "'", 'é', '🙂'];
  for (const name of ENCODINGS) {
    const encoder = tiktokenEncoding(name);
    const tokenizer = ourEncoding(name);
    let failures = 0;
    const visit = (prefix: string, depth: number): void => {
      for (const c of alphabet) {
        const text = prefix + c;
        const expected = encoder.encode_ordinary(text);
        const actual = tokenizer.encodeOrdinary(text);
        if (firstDifference(actual, expected) !== -1 && failures++ < 5) {
          assert.fail(`${name}: ${JSON.stringify(text)} → ${JSON.stringify(actual)}, tiktoken ${JSON.stringify(Array.from(expected))}`);
        }
        if (depth > 1) visit(text, depth - 1);
      }
    };
    visit('', 4);
    assert.equal(failures, 0);
  }
});

test('random strings over a wide alphabet equal tiktoken', () => {
  // A seeded LCG keeps the test deterministic without the tensor RNG.
  let state = 12345;
  const next = (n: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  const alphabet = [..."aZ 09\n\r\t'sSltvmdre.,!?-_()[]{}\u00a0\u2009\u3000\u0085\u2028\ufeffé中🙂👨‍👩\u0301٣Ⅻ"];
  for (const name of ENCODINGS) {
    for (let trial = 0; trial < 3000; trial++) {
      let text = '';
      const length = 1 + next(24);
      for (let i = 0; i < length; i++) text += alphabet[next(alphabet.length)]!;
      assert.deepEqual(ourEncoding(name).encodeOrdinary(text), Array.from(tiktokenEncoding(name).encode_ordinary(text)), `${name}: ${JSON.stringify(text)}`);
    }
  }
});

test('special tokens: allowedSpecial / disallowedSpecial behave exactly like tiktoken', () => {
  const texts = [
    'hello <|endoftext|> world',
    '<|endoftext|><|endoftext|>',
    'no specials at all',
    'a<|fim_prefix|>b<|fim_middle|>c<|fim_suffix|>d<|endofprompt|>',
    '<|endoftext|',
    'x <|endoftext|>\n\n  y',
    'hello world',
  ];
  const optionSets: Array<[('all' | string[])?, ('all' | string[])?]> = [
    [undefined, undefined],
    ['all', undefined],
    [['<|endoftext|>'], undefined],
    [[], []],
    [[], 'all'],
    [['<|endoftext|>'], []],
    [[], ['<|fim_prefix|>']],
    [['<|fim_prefix|>'], 'all'],
    [['not a special token'], undefined],
    [[], ['hello']],
    ['all', ['world']],
  ];
  for (const name of ENCODINGS) {
    for (const text of texts) {
      for (const [allowed, disallowed] of optionSets) {
        const expected = reference(name, text, allowed, disallowed);
        const actual = ours(name, text, allowed, disallowed);
        const label = `${name}: ${JSON.stringify(text)} allowed=${JSON.stringify(allowed)} disallowed=${JSON.stringify(disallowed)}`;
        if (expected instanceof Error) {
          assert.ok(actual instanceof Error, `${label}: tiktoken throws (${expected.message}), we returned ${JSON.stringify(actual)}`);
          assert.match(actual.message, /not allowed|disallowedSpecial lists/);
        } else {
          assert.deepEqual(actual, expected, label);
        }
      }
    }
  }
});

test('a disallowed string that is not a special token: the error says so and does not suggest allowedSpecial', () => {
  assert.throws(
    () => ourEncoding('gpt2').encode('abc', { disallowedSpecial: ['b'] }),
    (err: Error) =>
      /"b" at index 1, which disallowedSpecial lists; it is not a special token/.test(err.message) && !err.message.includes('allowedSpecial: ['),
  );
});

test('disallowed special error names the token and how to allow it', () => {
  assert.throws(
    () => ourEncoding('gpt2').encode('hi <|endoftext|>'),
    /special token "<\|endoftext\|>" at index 3, which is not allowed; pass allowedSpecial/,
  );
});

test('decode of special ids and unknown ids', () => {
  const gpt2 = ourEncoding('gpt2');
  assert.equal(gpt2.decode([50256]), '<|endoftext|>');
  assert.equal(gpt2.vocabSize, 50257);
  assert.equal(ourEncoding('cl100k_base').vocabSize, 100277);
  assert.throws(() => gpt2.decode([31373, 99999]), /token id 99999 at position 1 is not in the vocabulary/);
  // Bytes that are not valid UTF-8 on their own decode with U+FFFD, like tiktoken's errors="replace".
  const emoji = gpt2.encode('🙂');
  assert.ok(emoji.length > 1);
  assert.equal(gpt2.decode(emoji.slice(0, 1)), '\ufffd');
  assert.deepEqual(gpt2.decodeBytes(emoji), new TextEncoder().encode('🙂'));
});

test('idToToken / tokenToId / bytesToId agree with tiktoken single-token functions', () => {
  const gpt2 = ourEncoding('gpt2');
  const reference = tiktokenEncoding('gpt2');
  for (const id of [0, 1, 220, 262, 31373, 50255]) {
    const bytes = reference.decode_single_token_bytes(id);
    assert.deepEqual(gpt2.tokenBytes(id), bytes);
    assert.equal(gpt2.bytesToId(bytes), id);
    assert.equal(reference.encode_single_token(bytes), id);
  }
  assert.equal(gpt2.tokenToId(' the'), 262);
  assert.equal(gpt2.idToToken(262), ' the');
  assert.equal(gpt2.tokenToId('<|endoftext|>'), 50256);
  assert.equal(gpt2.tokenToId('definitely not one token'), undefined);
  assert.equal(gpt2.idToToken(1e9), undefined);
});

test('encodeBatch equals encode per text', () => {
  const gpt2 = ourEncoding('gpt2');
  const texts = ['one', 'two <|endoftext|>', ''];
  assert.deepEqual(gpt2.encodeBatch(texts, { allowedSpecial: 'all' }), texts.map((t) => gpt2.encode(t, { allowedSpecial: 'all' })));
});

test('overlapping special tokens: the same choices as tiktoken for every allowed subset', () => {
  // '<|a|>' contains '|a|'; '<|a|><|b|>' contains both '<|a|>' and '<|b|>'. (Two specials that
  // start at the same place are not tested: tiktoken's choice there follows hash-map order.)
  const specials = { '<|endoftext|>': 50256, '<|a|>': 50257, '|a|': 50258, '<|b|>': 50259 };
  const reference = get_encoding('gpt2', { '<|a|>': 50257, '|a|': 50258, '<|b|>': 50259 });
  const ours = loadTiktokenFile(referenceRankFile('gpt2'), { pattern: 'gpt2', specialTokens: specials });
  const names = Object.keys(specials);
  const texts = ['<|a|>', 'x<|a|>y|a|z', '<|a|><|b|>', '||a|>', '<|a|a|>', '<|endoftext|><|a|>'];
  try {
    for (let mask = 0; mask < 1 << names.length; mask++) {
      const allowed = names.filter((_, i) => (mask >> i) & 1);
      for (const text of texts) {
        const expected = Array.from(reference.encode(text, allowed, []));
        assert.deepEqual(ours.encode(text, { allowedSpecial: allowed, disallowedSpecial: [] }), expected, `${JSON.stringify(text)} allowed=${JSON.stringify(allowed)}`);
      }
    }
  } finally {
    reference.free();
  }
});
