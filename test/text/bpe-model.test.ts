/**
 * The trained BPE model: encoding paths, lossless decoding, streaming decode,
 * special tokens, the whitespace variants' decoding, save/load and validation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { trainBpe } from '../../src/text/bpe/train.js';
import { BpeModel } from '../../src/text/bpe/model.js';
import { BPE_PRESETS } from '../../src/text/bpe/variant.js';
import { loadTokenizer } from '../../src/text/load.js';
import { referenceEncodeWord, referenceTrainBpe } from '../../src/text/bpe/reference.js';
import { randomCorpus } from './helpers/random-corpus.js';
import { Generator } from '../../src/tensor/random.js';

const shakespeare = readFileSync(new URL('../../../data/tinyshakespeare.txt', import.meta.url), 'utf8');
const sample = shakespeare.slice(0, 200_000);

/** Hand-picked hard strings: whitespace runs, contractions after newlines, digits, emoji with ZWJ, CJK, combining marks, code. */
const HARD_STRINGS = [
  '',
  'a',
  ' ',
  '\n\n\n',
  'hello   world  \t\n  x',
  "I'm\n'tis\nwe'll\nYOU'RE",
  '12345678901234567890 3.14159 1,000,000',
  '👩‍👩‍👧‍👦 family 👍🏽 flags 🇯🇵',
  'こんにちは世界。漢字かな交じり文',
  'e\u0301 a\u0308 n\u0303 Z\u0351\u0361',
  'function f(x) {\n    return x ** 2; // square\n}\n',
  '\u00a0\u2003\u3000\u0085\ufeff',
  'ẞ Straße İstanbul ǅ',
];

test('byte-level models decode losslessly: Shakespeare and hard strings, every pre-tokenizer', () => {
  for (const preTokenizer of ['gpt2', 'cl100k', 'whitespace', 'none'] as const) {
    const model = trainBpe(sample, { vocabSize: 600, preTokenizer });
    for (const text of [...HARD_STRINGS, shakespeare]) assert.equal(model.decode(model.encode(text)), text, `${preTokenizer}: ${JSON.stringify(text.slice(0, 30))}`);
  }
});

test('char-level models with <unk>: known text round-trips, unknown characters become <unk>', () => {
  const model = trainBpe(sample, { vocabSize: 400, base: 'char', preTokenizer: 'gpt2' });
  assert.equal(model.decode(model.encode(sample.slice(100_000, 120_000))), sample.slice(100_000, 120_000));
  const ids = model.encode('hi 😀!');
  assert.ok(ids.includes(model.unknownTokenId as number));
  assert.equal(model.decode(ids), 'hi <unk>!');
});

test('encoding long pre-tokens (heap path) equals the literal merge-order rule', () => {
  // 'none' makes each line one word; lines here are hundreds of characters, far above the scan threshold.
  const corpus = randomCorpus(21, 3000).replace(/\n/g, ' ');
  for (const base of ['byte', 'char'] as const) {
    const options = { vocabSize: base === 'byte' ? 256 + 120 : 200, base, preTokenizer: 'none', whitespace: 'attach', objective: 'frequency', minFrequency: 1 } as const;
    const model = trainBpe(corpus, options);
    const oracle = referenceTrainBpe(corpus, { ...options, vocabSize: model.vocabSize, specialTokens: [...model.specialTokens.keys()] });
    assert.deepEqual(model.merges(), oracle.merges);
    const gen = new Generator(3);
    for (let trial = 0; trial < 20; trial++) {
      const start = gen.randint(0, corpus.length - 500);
      const text = corpus.slice(start, start + gen.randint(50, 500));
      assert.deepEqual(model.encode(text), referenceEncodeWord(text, oracle, model.unknownTokenId ?? -1), `trial ${trial}`);
    }
  }
});

test('the scan and heap merge paths agree on random symbol strings', () => {
  const model = trainBpe(sample, { vocabSize: 1000, preTokenizer: 'none' });
  const gen = new Generator(9);
  for (let trial = 0; trial < 200; trial++) {
    const start = gen.randint(0, sample.length - 60);
    const word = sample.slice(start, start + gen.randint(2, 48));
    const symbols = new Int32Array(word.length * 3);
    const n = model.alphabet.wordToSymbols(word, symbols, -1);
    const a = symbols.slice(0, n);
    const b = symbols.slice(0, n);
    const na = model.mergeTable.apply(a, n, false);
    const nb = model.mergeTable.apply(b, n, true);
    assert.deepEqual(a.subarray(0, na), b.subarray(0, nb), JSON.stringify(word));
  }
});

test("'none' pre-tokenization: cutting at line ends gives the same ids as encoding the whole text as one piece", () => {
  const corpus = randomCorpus(8, 1500);
  const options = { vocabSize: 256 + 150, base: 'byte', preTokenizer: 'none', whitespace: 'attach', objective: 'frequency', minFrequency: 1 } as const;
  const model = trainBpe(corpus, options);
  const oracle = referenceTrainBpe(corpus, { ...options, specialTokens: [] });
  const text = corpus.slice(0, 3000);
  assert.deepEqual(model.encode(text), referenceEncodeWord(text, oracle));
});

test('streaming decode releases text only when its UTF-8 is complete, and concatenates to decode()', () => {
  const model = trainBpe(sample, { vocabSize: 300 });
  for (const text of HARD_STRINGS) {
    const ids = model.encode(text);
    const decoder = model.createStreamDecoder();
    let streamed = '';
    for (const id of ids) {
      const piece = decoder.write(id);
      assert.ok(!piece.includes('\ufffd') || text.includes('\ufffd'), `no replacement character mid-stream for ${JSON.stringify(text)}`);
      streamed += piece;
    }
    streamed += decoder.end();
    assert.equal(streamed, text);
  }
  // An emoji is 4 bytes = 4 byte tokens here (no merges learned on it): nothing comes out until the last.
  const ids = model.encode('😀');
  assert.equal(ids.length, 4);
  const decoder = model.createStreamDecoder();
  assert.deepEqual(ids.map((id) => decoder.write(id)), ['', '', '', '😀']);
  // A truncated sequence is flushed as U+FFFD at the end.
  const truncated = model.createStreamDecoder();
  truncated.write(ids[0]);
  assert.equal(truncated.end(), '\ufffd');
});

test('special tokens follow tiktoken rules: disallowed by default, allowed ones become single ids', () => {
  const model = trainBpe(sample, { vocabSize: 400, specialTokens: ['<|endoftext|>', '<|pad|>'] });
  const eot = model.specialTokens.get('<|endoftext|>') as number;
  assert.throws(() => model.encode('a<|endoftext|>b'), /special token "<\|endoftext\|>", which is disallowed/);
  const allowed = model.encode('a<|endoftext|>b', { allowedSpecial: ['<|endoftext|>'] });
  assert.deepEqual(allowed, [...model.encode('a'), eot, ...model.encode('b')]);
  assert.deepEqual(model.encode('a<|endoftext|>b', { allowedSpecial: 'all' }), allowed);
  // Disallow nothing: the special's text is ordinary text.
  const plain = model.encode('a<|endoftext|>b', { disallowedSpecial: [] });
  assert.ok(!plain.includes(eot));
  assert.equal(model.decode(plain), 'a<|endoftext|>b');
  // Allowed one, still disallowed the other.
  assert.throws(() => model.encode('<|pad|><|endoftext|>', { allowedSpecial: ['<|endoftext|>'] }), /<\|pad\|>/);
  assert.throws(() => model.encode('x', { allowedSpecial: ['<|nope|>'] }), /not a special token of this tokenizer/);
  assert.equal(model.decode([eot]), '<|endoftext|>');
});

test('continuation (##) and end-of-word (</w>) decoding: the seed\'s examples', () => {
  const corpus = 'I like to hug pugs. I eat cake. Tokenization tokenizes tokens. '.repeat(3);
  for (const whitespace of ['continuation', 'endOfWord'] as const) {
    const model = trainBpe(corpus, { vocabSize: 1 + 2 * 30 + 25, base: 'char', preTokenizer: 'gpt2', whitespace });
    // Spaces are restored at word boundaries …
    assert.equal(model.decode(model.encode('I like to hug pugs')), 'I like to hug pugs');
    // … but the whitespace information is lost (seed: Tokenize("I eat cake.") == Tokenize(" I eat cake .")).
    assert.deepEqual(model.encode('I eat cake.'), model.encode(' I   eat cake .'));
    assert.equal(model.decode(model.encode('I eat cake.')), 'I eat cake .');
  }
  const model = trainBpe(corpus, { vocabSize: 1 + 2 * 30 + 25, base: 'char', preTokenizer: 'gpt2', whitespace: 'continuation' });
  const tokens = model.encode('pugs').map((id) => model.idToToken(id) as string);
  assert.equal(tokens[0].startsWith('##'), false);
  for (const t of tokens.slice(1)) assert.ok(t.startsWith('##'), t);
});

test('metaspace (SentencePiece style): spaces are ▁ inside tokens and come back on decode', () => {
  const model = trainBpe(sample, { vocabSize: 500, ...BPE_PRESETS.sentencepiece });
  const ids = model.encode('First Citizen: we are accounted poor citizens');
  assert.ok(ids.map((id) => model.idToToken(id) as string).some((t) => t.includes('\u2581') && t.length > 1));
  assert.equal(model.decode(ids), 'First Citizen: we are accounted poor citizens');
});

test('idToToken / tokenToId are inverse on every token with a text form', () => {
  for (const preset of ['gpt2', 'sentencepiece', 'wordpiece', 'sennrich'] as const) {
    const model = trainBpe(sample, { vocabSize: 600, ...BPE_PRESETS[preset] });
    let withText = 0;
    for (let id = 0; id < model.vocabSize; id++) {
      const token = model.idToToken(id);
      assert.ok(token !== undefined);
      const back = model.tokenToId(token);
      if (back !== undefined) {
        withText++;
        assert.equal(back, id, `${preset}: ${JSON.stringify(token)}`);
      }
    }
    // Only byte tokens that are not UTF-8 on their own (0x80..0xff) lack a text form.
    assert.equal(withText, preset === 'gpt2' ? model.vocabSize - 128 : model.vocabSize, preset);
  }
});

test('save/load round trip for every preset gives identical encodings', () => {
  for (const [name, preset] of Object.entries(BPE_PRESETS)) {
    const model = trainBpe(sample, { vocabSize: 700, ...preset, specialTokens: ['<s>'] });
    const reloaded = loadTokenizer(model.save(), `${name}.json`);
    assert.ok(reloaded instanceof BpeModel);
    const text = shakespeare.slice(500_000, 520_000);
    assert.deepEqual(reloaded.encode(text), model.encode(text), name);
    assert.equal(reloaded.save(), model.save(), name);
  }
});

test('a model file that fails validation names the file and the field', () => {
  const good = JSON.parse(trainBpe('hello world hello', { vocabSize: 260 }).save()) as Record<string, unknown>;
  const broken = (patch: Record<string, unknown>): string => JSON.stringify({ ...good, ...patch });
  assert.throws(() => loadTokenizer(broken({ merges: [[104, 101, 256], [9999, 1, 257]] }), 'tok.json'), /^TokenizerFormatError: tok\.json: field "merges\[1\]\[0\]": id 9999 is not a base symbol/);
  assert.throws(() => loadTokenizer(broken({ merges: [[104, 101, 256], [104, 101, 257]] }), 'tok.json'), /tok\.json: field "merges": merge 1 repeats merge 0/);
  assert.throws(() => loadTokenizer(broken({ base: 'bits' }), 'tok.json'), /tok\.json: field "base": expected one of "byte", "char", got "bits"/);
  assert.throws(() => loadTokenizer(broken({ version: 7 }), 'tok.json'), /tok\.json: field "version": version 7 is newer/);
  assert.throws(() => loadTokenizer(broken({ format: 'other' }), 'tok.json'), /tok\.json: field "format"/);
  assert.throws(() => loadTokenizer(broken({ kind: 'unigram' }), 'tok.json'), /tok\.json: field "kind": unknown tokenizer kind "unigram"/);
  const { alphabet: _omit, ...withoutAlphabet } = good;
  assert.throws(() => loadTokenizer(JSON.stringify(withoutAlphabet), 'tok.json'), /tok\.json: field "alphabet": missing/);
  assert.throws(() => loadTokenizer('{"format": ', 'tok.json'), /tok\.json: field "\(file\)": not valid JSON/);
  assert.throws(() => loadTokenizer(broken({ unkToken: '<unk>' }), 'tok.json'), /field "unkToken": "<unk>" must be one of the special tokens/);
});

test('decode rejects ids outside the vocabulary', () => {
  const model = trainBpe('hello', { vocabSize: 257 });
  assert.throws(() => model.decode([257]), /decode: id 257 is not in the vocabulary/);
  assert.throws(() => model.decode([-1]), /decode: id -1/);
});

test('encodeBatch equals encode per text; the word cache stays bounded', () => {
  const model = trainBpe(sample, { vocabSize: 400 });
  const texts = ['one', 'two three', '', 'four five six'];
  assert.deepEqual(model.encodeBatch(texts), texts.map((t) => model.encode(t)));
  let many = '';
  for (let i = 0; i < 70_000; i++) many += ` w${i}`;
  model.encode(many);
  const cache = Reflect.get(model, 'cache') as Map<string, Int32Array>;
  assert.ok(cache.size <= 1 << 16, `cache size ${cache.size}`);
});
