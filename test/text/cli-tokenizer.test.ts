/** `lmkit tokenizer …` end to end: spawn the built CLI in a temporary directory. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTokenizer } from '../../src/text/load.js';

const cli = fileURLToPath(new URL('../../src/node/cli/main.js', import.meta.url));
const shakespeare = readFileSync(new URL('../../../data/tinyshakespeare.txt', import.meta.url), 'utf8');

function run(cwd: string, args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, input, encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function withTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-tok-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('train → encode → decode → stats round trip, and --force', () => {
  withTempDir((dir) => {
    writeFileSync(join(dir, 'corpus.txt'), shakespeare.slice(0, 60_000));
    const train = run(dir, ['tokenizer', 'train', 'corpus.txt', '--vocab-size', '400', '-o', 'tok.json', '--special', '<|endoftext|>']);
    assert.equal(train.code, 0, train.stderr);
    assert.match(train.stdout, /bpe \(base byte, pre-tokenizer gpt2, whitespace attach, objective frequency\): 400 ids = 1 special \+ 256 base \+ 143 merges/);
    const model = loadTokenizer(readFileSync(join(dir, 'tok.json'), 'utf8'));
    const text = 'First Citizen:\nYou are all resolved rather to die than to famish?';
    const encoded = run(dir, ['tokenizer', 'encode', '-t', 'tok.json', text]);
    assert.equal(encoded.code, 0, encoded.stderr);
    assert.equal(encoded.stdout.trim(), model.encode(text).join(' '));
    const decoded = run(dir, ['tokenizer', 'decode', '-t', 'tok.json'], encoded.stdout);
    assert.equal(decoded.stdout, text);
    const special = run(dir, ['tokenizer', 'encode', '-t', 'tok.json', '--allow-special', 'all', '--format', 'json', 'a<|endoftext|>']);
    assert.deepEqual(JSON.parse(special.stdout), { ids: [...model.encode('a'), 0], tokens: ['a', '<|endoftext|>'] });
    const refused = run(dir, ['tokenizer', 'encode', '-t', 'tok.json', 'a<|endoftext|>']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /disallowed/);
    const stats = run(dir, ['tokenizer', 'stats', '-t', 'tok.json', 'corpus.txt', '--top', '3']);
    assert.equal(stats.code, 0, stats.stderr);
    assert.match(stats.stdout, new RegExp(`tokens\\s+${model.encode(shakespeare.slice(0, 60_000)).length}\\b`));
    assert.match(stats.stdout, /bytes per token\s+\d+\.\d{3}/);
    assert.match(stats.stdout, /unknown tokens\s+0 \(0\.00%\)/);
    // never overwrite without --force
    const again = run(dir, ['tokenizer', 'train', 'corpus.txt', '--vocab-size', '300', '-o', 'tok.json']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /tok\.json already exists; pass --force to overwrite it/);
    assert.equal(loadTokenizer(readFileSync(join(dir, 'tok.json'), 'utf8')).vocabSize, 400);
    const forced = run(dir, ['tokenizer', 'train', 'corpus.txt', '--vocab-size', '300', '-o', 'tok.json', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(loadTokenizer(readFileSync(join(dir, 'tok.json'), 'utf8')).vocabSize, 300);
  });
});

test('variants and types from the command line', () => {
  withTempDir((dir) => {
    writeFileSync(join(dir, 'corpus.txt'), shakespeare.slice(0, 30_000));
    const sp = run(dir, ['tokenizer', 'train', 'corpus.txt', '-v', '300', '--variant', 'sentencepiece', '-o', 'sp.json']);
    assert.equal(sp.code, 0, sp.stderr);
    assert.match(sp.stdout, /base char, pre-tokenizer none, whitespace metaspace/);
    const eow = run(dir, ['tokenizer', 'train', 'corpus.txt', '-v', '300', '--base', 'char', '--pre-tokenizer', 'whitespace', '--whitespace', 'end-of-word', '--objective', 'wordpiece', '-o', 'eow.json']);
    assert.equal(eow.code, 0, eow.stderr);
    assert.match(eow.stdout, /whitespace endOfWord, objective wordpiece/);
    const char = run(dir, ['tokenizer', 'train', 'corpus.txt', '--type', 'char', '-o', 'char.json']);
    assert.equal(char.code, 0, char.stderr);
    assert.match(char.stdout, /^char: \d+ ids \(1 special\)/);
    const word = run(dir, ['tokenizer', 'train', 'corpus.txt', '--type', 'word', '--min-frequency', '2', '-o', 'word.json']);
    assert.equal(word.code, 0, word.stderr);
    const wp = run(dir, ['tokenizer', 'train', 'corpus.txt', '--type', 'wordpiece', '-v', '300', '-o', 'vocab.txt']);
    assert.equal(wp.code, 0, wp.stderr);
    assert.equal(readFileSync(join(dir, 'vocab.txt'), 'utf8').split('\n')[1], '[UNK]');
    const encoded = run(dir, ['tokenizer', 'encode', '-t', 'vocab.txt', '--format', 'tokens', 'Citizens']);
    assert.equal(encoded.code, 0, encoded.stderr);
    const pieces = JSON.parse(encoded.stdout) as string[];
    assert.equal(pieces.map((p, i) => (i > 0 ? p.replace(/^##/, '') : p)).join(''), 'citizens');
  });
});

test('WordPiece training keeps case unless --lowercase, for --type wordpiece and --variant wordpiece alike', () => {
  withTempDir((dir) => {
    writeFileSync(join(dir, 'corpus.txt'), 'Hello hello World world '.repeat(30));
    const tokensOf = (args: string[]): string[] => {
      const train = run(dir, ['tokenizer', 'train', 'corpus.txt', '-v', '60', '-o', 'm.json', '--force', ...args]);
      assert.equal(train.code, 0, train.stderr);
      const model = loadTokenizer(readFileSync(join(dir, 'm.json'), 'utf8'));
      return model.encode('Hello').map((id) => model.idToToken?.(id) ?? '');
    };
    assert.deepEqual(tokensOf(['--type', 'wordpiece']).join(''), 'Hello');
    assert.deepEqual(tokensOf(['--variant', 'wordpiece']).join(''), 'Hello');
    assert.deepEqual(tokensOf(['--type', 'wordpiece', '--lowercase']).join(''), 'hello');
  });
});

test('clear errors: empty corpus, vocabulary below alphabet, invalid UTF-8, unknown variant, bad model file', () => {
  withTempDir((dir) => {
    writeFileSync(join(dir, 'empty.txt'), '');
    const empty = run(dir, ['tokenizer', 'train', 'empty.txt', '-v', '300', '-o', 'a.json']);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /empty corpus: empty\.txt contains no text to learn from/);
    assert.equal(existsSync(join(dir, 'a.json')), false);

    writeFileSync(join(dir, 'small.txt'), 'hello world');
    const small = run(dir, ['tokenizer', 'train', 'small.txt', '-v', '100', '-o', 'a.json']);
    assert.equal(small.code, 1);
    assert.match(small.stderr, /vocabulary size 100 is below the base alphabet: 0 special token\(s\) \+ 256 base symbols = 256/);

    writeFileSync(join(dir, 'bad.txt'), Buffer.from([0x68, 0x69, 0x0a, 0x61, 0xff, 0x62]));
    const bad = run(dir, ['tokenizer', 'train', 'bad.txt', '-v', '260', '-o', 'a.json']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /bad\.txt: not valid UTF-8 \(first bad byte at offset 4\); pass --replace-invalid/);
    const replaced = run(dir, ['tokenizer', 'train', 'bad.txt', '-v', '260', '-o', 'a.json', '--replace-invalid']);
    assert.equal(replaced.code, 0, replaced.stderr);

    const variant = run(dir, ['tokenizer', 'train', 'small.txt', '-v', '300', '--variant', 'gpt5', '-o', 'b.json']);
    assert.equal(variant.code, 1);
    assert.match(variant.stderr, /unknown variant "gpt5" \(known: gpt2, gpt4, sentencepiece/);
    const pre = run(dir, ['tokenizer', 'train', 'small.txt', '-v', '300', '--pre-tokenizer', 'gpt3', '-o', 'b.json']);
    assert.notEqual(pre.code, 0);
    assert.match(pre.stderr, /unknown pre-tokenizer "gpt3" \(expected one of gpt2, cl100k, whitespace, none\)/);

    const model = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'broken.json'), JSON.stringify({ ...model, merges: [[1, 2, 3]] }));
    const broken = run(dir, ['tokenizer', 'encode', '-t', 'broken.json', 'hi']);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /broken\.json: field "merges\[0\]\[2\]": id 3 is already used by alphabet\[3\]\[0\]/);
    const missing = run(dir, ['tokenizer', 'decode', '-t', 'nope.json', '1']);
    assert.match(missing.stderr, /nope\.json: no such tokenizer file/);
    const badId = run(dir, ['tokenizer', 'decode', '-t', 'a.json', '99999']);
    assert.match(badId.stderr, /decode: id 99999 is not in the vocabulary/);
  });
});
