/**
 * `lmkit ngram` units, query and file handling end to end: the seed's "cows eat"
 * table as one command, word vs whitespace splitting, tokenizer units written as
 * words, KenLM-style per-token lines, gzip-compressed models.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const cli = fileURLToPath(new URL('../../src/node/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lmkit-ngram-units-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function lmkit(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function ok(...args: string[]): string {
  const r = lmkit(...args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The seed's eleven snippets (test/lm/ngram-seed.test.ts), with the punctuation attached as a writer would. */
const snippets = [
  'the cows eat grass…',
  'our cows eat hay daily',
  'factory-farm cows eat corn',
  'on an organic farm, cows eat hay and',
  'do your cows eat grass or corn?',
  'what do cows eat if they have',
  'cows eat corn when there is no',
  'which cows eat which foods depends',
  'if cows eat grass',
  'when cows eat corn their stomachs',
  'should we let cows eat corn?',
].join('\n');
writeFileSync(join(dir, 'cows.txt'), `${snippets}\n`);

/** The 1-gram words of an ARPA file. */
function unigrams(arpa: string): string[] {
  const section = arpa.split('\\1-grams:\n')[1].split('\n\n')[0];
  return section.split('\n').map((line) => line.split('\t')[1]);
}

test('the seed\'s worked example is one command: lmkit ngram query MODEL "cows eat"', () => {
  ok('ngram', 'train', 'cows.txt', '--order', '3', '--smoothing', 'mle', '-o', 'cows.arpa', '-q');
  const out = ok('ngram', 'query', 'cows.arpa', 'cows eat');
  const lines = out.trimEnd().split('\n');
  assert.equal(lines[0], 'p(· | cows eat)');
  assert.match(lines[1], /^rank\s+token\s+probability\s+log10 p$/);
  const rows = lines.slice(3).map((line) => line.trim().split(/\s+/));
  assert.deepEqual(
    rows.map((r) => r[1]),
    ['corn', 'grass', 'hay', 'if', 'which'],
  );
  const expected = [4 / 11, 3 / 11, 2 / 11, 1 / 11, 1 / 11];
  rows.forEach((r, i) => {
    assert.ok(Math.abs(Number(r[2]) - expected[i]) < 1e-6, `${r[1]}: ${r[2]}`);
    assert.ok(Math.abs(Number(r[3]) - Math.log10(expected[i])) < 1e-6, `${r[1]}: ${r[3]}`);
  });
  // From the sentence start: only snippet 7 starts with "cows", and "eat" follows.
  const start = ok('ngram', 'query', 'cows.arpa', '<s> cows', '--top', '3');
  assert.match(start, /^p\(· \| <s> cows\)\n/);
  assert.match(start.split('\n')[3], /^\s*1\s+eat\s+1\.00000\s+0\.000000/);
  assert.equal(start.split('\n').length, 5, start);
});

test('--unit word splits as the word tokenizer ("corn?" → corn ?); --unit whitespace as lmplz', () => {
  const words = unigrams(readFileSync(join(dir, 'cows.arpa'), 'utf8'));
  for (const w of ['corn', '?', 'grass', '…', ',', 'factory', '-']) assert.ok(words.includes(w), w);
  for (const w of ['corn?', 'grass…', 'farm,', 'factory-farm']) assert.ok(!words.includes(w), w);
  ok('ngram', 'train', 'cows.txt', '--order', '2', '--smoothing', 'mle', '--unit', 'whitespace', '-o', 'ws.arpa', '-q');
  const ws = unigrams(readFileSync(join(dir, 'ws.arpa'), 'utf8'));
  for (const w of ['corn?', 'grass…', 'farm,', 'factory-farm']) assert.ok(ws.includes(w), w);
  assert.match(ok('ngram', 'info', 'ws.arpa'), /unit \{"kind":"whitespace"\}/);
});

test('--unit whitespace splits on ASCII spaces only: "x\\u00a0y" is one token, and the ARPA file reloads', () => {
  writeFileSync(join(dir, 'nbsp.txt'), 'a x\u00a0y b\u3000c\nx\u00a0y a\n');
  ok('ngram', 'train', 'nbsp.txt', '--order', '2', '--smoothing', 'mle', '--unit', 'whitespace', '-o', 'nbsp.arpa', '-q');
  const words = unigrams(readFileSync(join(dir, 'nbsp.arpa'), 'utf8'));
  assert.ok(words.includes('x\u00a0y') && words.includes('b\u3000c'), JSON.stringify(words));
  const out = ok('ngram', 'query', 'nbsp.arpa', 'x\u00a0y');
  assert.match(out, /1\s+a\s+0\.5/);
});

test('a tokenizer unit writes its tokens (not ids) into the ARPA file and still evaluates and samples', () => {
  ok('tokenizer', 'train', 'cows.txt', '--type', 'word', '-o', 'words.json', '-q');
  ok('ngram', 'train', 'cows.txt', '--unit', 'bpe:words.json', '--order', '3', '--smoothing', 'mle', '-o', 'tok.arpa', '-q');
  const words = unigrams(readFileSync(join(dir, 'tok.arpa'), 'utf8'));
  assert.ok(words.includes('corn') && words.includes('cows'), JSON.stringify(words));
  assert.ok(!words.some((w) => /^\d+$/.test(w)), `no numeric ids: ${JSON.stringify(words)}`);
  const out = ok('ngram', 'query', 'tok.arpa', 'cows eat');
  assert.match(out.split('\n')[3], /^\s*1\s+"?corn"?\s+0\.363636/);
  const sample = ok('ngram', 'sample', 'tok.arpa', '--prompt', 'cows eat', '--seed', '1', '--max-tokens', '3');
  assert.match(sample, /^cows eat (corn|grass|hay|if|which)/);
});

test('eval --per-token shows an OOV by its own spelling with id 0, as KenLM query does', () => {
  writeFileSync(join(dir, 'held.txt'), 'cows eat zebras\n');
  const out = ok('ngram', 'eval', 'ws.arpa', 'held.txt', '--per-token');
  assert.match(out, /^cows=\d+ 2 -?[\d.]+\teat=\d+ 2 -?[\d.]+\tzebras=0 1 -Infinity\t<\/s>=2 /);
  assert.doesNotMatch(out, /<unk>=0/);
});

test('gzip-compressed models load directly; other compressions are named', () => {
  writeFileSync(join(dir, 'cows.arpa.gz'), gzipSync(readFileSync(join(dir, 'cows.arpa'))));
  assert.equal(ok('ngram', 'query', 'cows.arpa.gz', 'cows eat'), ok('ngram', 'query', 'cows.arpa', 'cows eat'));
  writeFileSync(join(dir, 'cows.arpa.bz2'), Buffer.from('BZh91AY&SY'));
  const bz = lmkit('ngram', 'eval', 'cows.arpa.bz2', 'held.txt');
  assert.equal(bz.code, 1);
  assert.match(bz.stderr, /cows\.arpa\.bz2: bzip2-compressed; decompress it first/);
});
