/**
 * The encoder's parts: heap merging for long pieces equals the quadratic scan
 * (tiktoken's algorithm) and tiktoken itself; the bounded piece cache never
 * changes ids; streaming decode equals whole decode and never emits a partial
 * character.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ourEncoding, referenceRankFile, shakespeare, tiktokenEncoding } from './reference-encodings.js';
import { loadTiktokenFile } from '../../src/text/formats/tiktoken-file.js';
import { mergeHeap, mergeScan, PairTable } from '../../src/text/bpe/pair-merge.js';
import { ByteTokenTable } from '../../src/text/bpe/byte-token-table.js';
import { StreamingDecoder, utf8Encode } from '../../src/text/bpe/bytes.js';
import { PieceCache, hashCodeUnits } from '../../src/text/bpe/piece-cache.js';
import { randomMultilingualText, repetitiveMultilingualText } from '../../bench/tokenizer-texts.js';

function lcg(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
}

test('heap merge equals scan merge on random byte strings over a small merge table', () => {
  // Tokens: the 4 bytes a b c d, and pairs/triples of them; ranks by listing order.
  const next = lcg(3);
  const tokens: Uint8Array[] = [];
  const letters = [97, 98, 99, 100];
  for (const x of letters) tokens.push(new Uint8Array([x]));
  for (const x of letters) for (const y of letters) if (next(3) > 0) tokens.push(new Uint8Array([x, y]));
  for (let i = 0; i < 30; i++) tokens.push(new Uint8Array([letters[next(4)]!, letters[next(4)]!, letters[next(4)]!]));
  const unique = [...new Map(tokens.map((t) => [t.join(','), t])).values()];
  const table = new ByteTokenTable(unique);
  const pairs = PairTable.fromRanks(table);
  for (let trial = 0; trial < 500; trial++) {
    const length = 1 + next(300);
    const bytes = Uint8Array.from({ length }, () => letters[next(4)]!);
    const a = Int32Array.from(bytes, (b) => table.byteIds[b]!);
    const b = a.slice();
    const countScan = mergeScan(a, a.length, pairs);
    const countHeap = mergeHeap(b, b.length, pairs);
    assert.deepEqual(b.subarray(0, countHeap), a.subarray(0, countScan), `trial ${trial}`);
  }
});

test('PairTable: small ids (dense table) and large ids (hash) keep the lowest priority; absent pairs are −1', () => {
  const pairs = new PairTable(4);
  for (const [a, b] of [[3, 4], [300, 4], [3, 70000], [256, 255]]) {
    pairs.set(a!, b!, 50, 1000 + a!);
    pairs.set(a!, b!, 60, 1);
    pairs.set(a!, b!, 40, 2000 + a!);
    assert.equal(pairs.lookup(a!, b!), 40, `(${a}, ${b})`);
    assert.equal(pairs.lastResult, 2000 + a!);
    assert.equal(pairs.result(a!, b!), 2000 + a!);
    assert.equal(pairs.priority(b!, a!), -1, `(${b}, ${a}) is not a pair`);
  }
  assert.equal(pairs.size, 4);
  // Many absent pairs with large ids: the filter must never hide a present one.
  for (let a = 256; a < 600; a++) pairs.set(a, a + 1, a, a);
  for (let a = 256; a < 600; a++) {
    assert.equal(pairs.priority(a, a + 1), a);
    assert.equal(pairs.priority(a + 1, a), -1);
  }
});

test('heap merge equals scan merge over a merge table of large ids (hash path)', () => {
  const next = lcg(17);
  const pairs = new PairTable(64);
  // Parts are ids 1000..1003; merges of random pairs of ids give ids 1004… with random priorities.
  let id = 1004;
  for (let i = 0; i < 60; i++) pairs.set(1000 + next(id - 1000), 1000 + next(id - 1000), next(100), id++);
  for (let trial = 0; trial < 300; trial++) {
    const a = Int32Array.from({ length: 1 + next(200) }, () => 1000 + next(4));
    const b = a.slice();
    const countScan = mergeScan(a, a.length, pairs);
    const countHeap = mergeHeap(b, b.length, pairs);
    assert.deepEqual(b.subarray(0, countHeap), a.subarray(0, countScan), `trial ${trial}`);
  }
});

test('multilingual bench texts (repetitive, and random with long CJK runs) encode exactly as tiktoken, cached or not', () => {
  const texts = [repetitiveMultilingualText(60_000, 5), randomMultilingualText(60_000, 6)];
  for (const name of ['gpt2', 'cl100k_base'] as const) {
    const rankFile = referenceRankFile(name);
    for (const cacheSize of [0, undefined]) {
      const tok = loadTiktokenFile(rankFile, { encoding: name, cacheSize });
      for (const text of texts) assert.deepEqual(tok.encodeInt32(text), Int32Array.from(tiktokenEncoding(name).encode(text)), `${name}, cacheSize ${cacheSize}`);
    }
  }
});

test('long pieces (heap path) equal tiktoken', () => {
  const next = lcg(11);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const cases = ['a'.repeat(1000), ' '.repeat(777), 'ab'.repeat(400), '🙂'.repeat(150), '\n'.repeat(500) + 'x'];
  for (let i = 0; i < 20; i++) cases.push(Array.from({ length: 200 + next(600) }, () => letters[next(26)]!).join(''));
  for (const name of ['gpt2', 'cl100k_base'] as const) {
    for (const text of cases) assert.deepEqual(ourEncoding(name).encodeOrdinary(text), Array.from(tiktokenEncoding(name).encode_ordinary(text)), `${name}: ${text.slice(0, 20)}…`);
  }
});

test('the bounded piece cache never changes ids (sizes 0, 1, 7, default)', () => {
  const text = shakespeare().slice(0, 100_000) + ' 🙂 ' + 'x'.repeat(300);
  const expected = tiktokenEncoding('gpt2').encode(text);
  const rankFile = referenceRankFile('gpt2');
  for (const cacheSize of [0, 1, 7, undefined]) {
    const tok = loadTiktokenFile(rankFile, { encoding: 'gpt2', cacheSize });
    assert.deepEqual(tok.encodeInt32(text), Int32Array.from(expected), `cacheSize ${cacheSize}`);
    assert.deepEqual(tok.encodeInt32(text), Int32Array.from(expected), `cacheSize ${cacheSize}, second pass`);
  }
});

test('PieceCache: finds by slice, clears when full', () => {
  const cache = new PieceCache(2);
  const text = 'hello world';
  const out = new Int32Array(8);
  const h = hashCodeUnits(text, 0, 5);
  assert.equal(cache.copyIfPresent(text, 0, 5, h, out, 0), -1);
  cache.add(text, 0, 5, h, Int32Array.of(7, 8), 2);
  assert.equal(cache.copyIfPresent('say hello', 4, 9, hashCodeUnits('say hello', 4, 9), out, 1), 3);
  assert.deepEqual(out.subarray(1, 3), Int32Array.of(7, 8));
  cache.add(text, 5, 11, hashCodeUnits(text, 5, 11), Int32Array.of(9), 1);
  assert.equal(cache.size, 2);
  cache.add(text, 0, 1, hashCodeUnits(text, 0, 1), Int32Array.of(1), 1);
  assert.equal(cache.size, 1);
  assert.equal(cache.copyIfPresent(text, 0, 5, h, out, 0), -1);
});

test('streaming decode: token by token equals whole decode, holds back split characters', () => {
  const gpt2 = ourEncoding('gpt2');
  const text = shakespeare().slice(0, 20_000) + ' 👨‍👩‍👧‍👦 中文字符 é\u0301 🙂';
  const ids = gpt2.encode(text);
  const stream = gpt2.createStreamDecoder();
  let out = '';
  for (const id of ids) {
    const piece = stream.write(id);
    assert.ok(!piece.includes('\ufffd'), 'no replacement character for valid text');
    out += piece;
  }
  out += stream.end();
  assert.equal(out, text);
  // 🙂 is F0 9F 99 82; GPT-2 splits it: nothing comes out until the last byte.
  const emojiIds = gpt2.encode('🙂');
  assert.ok(emojiIds.length > 1);
  const partial = gpt2.createStreamDecoder();
  const pieces = emojiIds.map((id) => partial.write(id));
  assert.deepEqual(pieces.slice(0, -1).join(''), '');
  assert.equal(pieces[pieces.length - 1], '🙂');
  // An incomplete sequence at the end becomes U+FFFD, like decode.
  const cut = gpt2.createStreamDecoder();
  assert.equal(cut.write(emojiIds[0]!) + cut.end(), gpt2.decode(emojiIds.slice(0, 1)));
});

test('StreamingDecoder over raw bytes: any chunking gives the whole decode', () => {
  const next = lcg(5);
  const bytes = utf8Encode('añb中c🙂d\u0085e');
  const broken = Uint8Array.from([...bytes, 0xff, 0xe4, 0xb8]); // invalid byte, then a truncated 3-byte sequence
  const whole = new TextDecoder().decode(broken);
  for (let trial = 0; trial < 200; trial++) {
    const decoder = new StreamingDecoder();
    let out = '';
    for (let i = 0; i < broken.length; ) {
      const size = 1 + next(4);
      out += decoder.writeBytes(broken.subarray(i, i + size));
      i += size;
    }
    out += decoder.end();
    assert.equal(out, whole);
  }
});
