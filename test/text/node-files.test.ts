/** Streaming corpus files (src/node/text/): chunking, UTF-8 errors, training from files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstInvalidUtf8Offset, streamTextFiles } from '../../src/node/text/stream.js';
import { trainTokenizerFromFiles } from '../../src/node/text/tokenizer-files.js';
import { trainBpe } from '../../src/text/bpe/train.js';
import type { BpeModel } from '../../src/text/bpe/model.js';

const shakespeare = readFileSync(new URL('../../../data/tinyshakespeare.txt', import.meta.url), 'utf8');

function inTempDir(body: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-files-'));
  return Promise.resolve(body(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('streamed chunks end at line feeds, survive multi-byte characters split across reads, and concatenate to the file', async () => {
  await inTempDir(async (dir) => {
    const text = 'héllo 😀 wörld\nzweite Zeile ✓\n\nno newline at the end: 日本語';
    writeFileSync(join(dir, 'a.txt'), text);
    const chunks: string[] = [];
    let ends = 0;
    await streamTextFiles([join(dir, 'a.txt')], (chunk) => chunks.push(chunk), () => ends++, { chunkBytes: 5 });
    assert.equal(chunks.join(''), text);
    for (const chunk of chunks.slice(0, -1)) assert.ok(chunk.endsWith('\n'), JSON.stringify(chunk));
    assert.equal(ends, 1);
  });
});

test('first invalid UTF-8 byte: stray continuation, overlong, surrogate, above U+10FFFF, truncated', async () => {
  await inTempDir((dir) => {
    const cases: [number[], number][] = [
      [[0x61, 0x62], -1],
      [[0x61, 0xe2, 0x82, 0xac, 0x80], 4], // € then a stray continuation byte
      [[0x61, 0xc0, 0xaf], 1], // overlong '/'
      [[0x61, 0xe0, 0x80, 0xaf], 1], // overlong 3-byte
      [[0xed, 0xa0, 0x80], 0], // UTF-16 surrogate
      [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
      [[0x61, 0x62, 0xf0, 0x9f, 0x98], 2], // truncated emoji at the end
    ];
    cases.forEach(([bytes, expected], i) => {
      const path = join(dir, `c${i}.bin`);
      writeFileSync(path, Buffer.from(bytes));
      assert.equal(firstInvalidUtf8Offset(path), expected, `case ${i}`);
      // The strict decoder agrees on validity.
      let valid = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(bytes));
      } catch {
        valid = false;
      }
      assert.equal(valid, expected === -1, `case ${i}: TextDecoder`);
    });
  });
});

test('training from several files (streamed in chunks) equals training on the same documents in memory', async () => {
  await inTempDir(async (dir) => {
    const first = shakespeare.slice(0, 40_000);
    const second = shakespeare.slice(40_000, 70_000);
    writeFileSync(join(dir, 'one.txt'), first);
    writeFileSync(join(dir, 'two.txt'), second);
    const fromFiles = await trainTokenizerFromFiles([join(dir, 'one.txt'), join(dir, 'two.txt')], { type: 'bpe', vocabSize: 500, bpe: { preTokenizer: 'cl100k' } }, { quiet: true });
    const inMemory = trainBpe([first, second], { vocabSize: 500, preTokenizer: 'cl100k' });
    assert.deepEqual((fromFiles.tokenizer as BpeModel).merges(), inMemory.merges());
    await assert.rejects(trainTokenizerFromFiles([join(dir, 'missing.txt')], { type: 'bpe', vocabSize: 500 }, { quiet: true }), /missing\.txt: no such file/);
  });
});
