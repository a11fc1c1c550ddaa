/**
 * `lmkit ngram …` end to end: spawn the built CLI in a temporary directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/node/cli/main.js', import.meta.url));
const shakespeare = fileURLToPath(new URL('../../../data/tinyshakespeare.txt', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lmkit-ngram-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const lines = readFileSync(shakespeare, 'utf8').split('\n');
writeFileSync(join(dir, 'train.txt'), lines.slice(0, 4000).join('\n'));
writeFileSync(join(dir, 'held.txt'), lines.slice(4000, 4400).join('\n'));

function lmkit(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('train → eval → sample with a word 5-gram modified Kneser-Ney model', () => {
  const train = lmkit('ngram', 'train', 'train.txt', '--order', '5', '--smoothing', 'mkn', '--unit', 'word', '-o', 'm.arpa', '--discount-fallback');
  assert.equal(train.code, 0, train.stderr);
  assert.match(train.stdout, /order\s+n-grams\s+discounts/);
  assert.ok(existsSync(join(dir, 'm.arpa')));
  assert.match(readFileSync(join(dir, 'm.arpa'), 'utf8'), /\\data\\\nngram 1=\d+\nngram 2=\d+\nngram 3=\d+\nngram 4=\d+\nngram 5=\d+\n/);

  const ev = lmkit('ngram', 'eval', 'm.arpa', 'held.txt');
  assert.equal(ev.code, 0, ev.stderr);
  assert.match(ev.stdout, /file\s+sentences\s+tokens\s+OOVs\s+log10 prob\s+perplexity\s+ppl excl\. OOVs\s+bits\/token/);
  const row = ev.stdout.split('\n').find((l) => l.startsWith('held.txt'));
  assert.ok(row, ev.stdout);
  const [, sentences, tokens, oovs, , pplIncl, pplExcl] = row.split(/\s+/);
  assert.ok(Number(sentences) > 0 && Number(tokens) > Number(sentences) && Number(oovs) > 0);
  assert.ok(Number(pplIncl) > Number(pplExcl) && Number(pplExcl) > 1);

  const perToken = lmkit('ngram', 'eval', 'm.arpa', 'held.txt', '--per-token');
  assert.match(perToken.stdout, /<\/s>=2 \d -?\d\.\d+\tTotal: -\d/);

  const s1 = lmkit('ngram', 'sample', 'm.arpa', '--prompt', 'ROMEO :', '--seed', '1', '--count', '2');
  const s2 = lmkit('ngram', 'sample', 'm.arpa', '--prompt', 'ROMEO :', '--seed', '1', '--count', '2');
  assert.equal(s1.code, 0, s1.stderr);
  assert.equal(s1.stdout, s2.stdout, 'same seed, same samples');
  const samples = s1.stdout.trimEnd().split('\n');
  assert.equal(samples.length, 2);
  for (const s of samples) assert.ok(s.startsWith('ROMEO :'), s);
  const s3 = lmkit('ngram', 'sample', 'm.arpa', '--prompt', 'ROMEO :', '--seed', '2', '--count', '2');
  assert.notEqual(s3.stdout, s1.stdout);
});

test('never overwrites without --force', () => {
  writeFileSync(join(dir, 'exists.arpa'), 'keep me');
  const r = lmkit('ngram', 'train', 'train.txt', '--order', '2', '-o', 'exists.arpa');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /exists\.arpa already exists; pass --force to overwrite it/);
  assert.equal(readFileSync(join(dir, 'exists.arpa'), 'utf8'), 'keep me');
  const forced = lmkit('ngram', 'train', 'train.txt', '--order', '2', '-o', 'exists.arpa', '--force', '-q');
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(readFileSync(join(dir, 'exists.arpa'), 'utf8'), /\\data\\/);
  const conv = lmkit('ngram', 'convert', 'exists.arpa', 'exists.arpa');
  assert.equal(conv.code, 1);
  assert.match(conv.stderr, /already exists/);
});

test('clear errors: empty file, order < 1, unknown smoothing, inestimable discounts', () => {
  writeFileSync(join(dir, 'empty.txt'), '\n \n\n');
  const empty = lmkit('ngram', 'train', 'empty.txt', '-o', 'e.arpa');
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /empty\.txt: the training file contains no tokens/);

  const order = lmkit('ngram', 'train', 'train.txt', '--order', '0', '-o', 'o.arpa');
  assert.equal(order.code, 1);
  assert.match(order.stderr, /--order must be an integer ≥ 1/);

  const smoothing = lmkit('ngram', 'train', 'train.txt', '--smoothing', 'magic', '-o', 's.arpa');
  assert.equal(smoothing.code, 1);
  assert.match(smoothing.stderr, /unknown smoothing 'magic'; choose one of mle, addk, wb, ad, kn, mkn, stupid/);

  writeFileSync(join(dir, 'tiny.txt'), 'a b a\nb a c\n');
  const tiny = lmkit('ngram', 'train', 'tiny.txt', '--order', '3', '--smoothing', 'mkn', '-o', 't.arpa');
  assert.equal(tiny.code, 1);
  assert.match(tiny.stderr, /cannot estimate the discounts for 1-grams: no 1-grams have adjusted count 3/);
  assert.match(tiny.stderr, /--discount-fallback/);
  assert.ok(!existsSync(join(dir, 't.arpa')));
  const fallback = lmkit('ngram', 'train', 'tiny.txt', '--order', '3', '--smoothing', 'mkn', '-o', 't.arpa', '--discount-fallback');
  assert.equal(fallback.code, 0, fallback.stderr);
  assert.match(fallback.stderr, /using fallback discounts D1=0.5 D2=1 D3\+=1.5/);
});

test('binary format, convert and info; character unit', () => {
  const bin = lmkit('ngram', 'train', 'train.txt', '--order', '3', '--smoothing', 'kn', '-o', 'm.bin', '-q');
  assert.equal(bin.code, 0, bin.stderr);
  assert.equal(readFileSync(join(dir, 'm.bin')).subarray(0, 8).toString('latin1'), 'LMKITNG1');
  const conv = lmkit('ngram', 'convert', 'm.bin', 'm3.arpa');
  assert.equal(conv.code, 0, conv.stderr);
  const a = lmkit('ngram', 'eval', 'm.bin', 'held.txt');
  const b = lmkit('ngram', 'eval', 'm3.arpa', 'held.txt');
  assert.equal(a.stdout.replace('m.bin', ''), b.stdout.replace('m3.arpa', ''));
  const info = lmkit('ngram', 'info', 'm.bin');
  assert.match(info.stdout, /smoothing kn, unit \{"kind":"word"\}, sentence padding/);
  assert.match(info.stdout, /bytes per n-gram/);

  const ch = lmkit('ngram', 'train', 'train.txt', '--order', '6', '--unit', 'char', '-o', 'c.arpa', '-q', '--discount-fallback');
  assert.equal(ch.code, 0, ch.stderr);
  const sample = lmkit('ngram', 'sample', 'c.arpa', '--prompt', 'ROMEO:', '--seed', '3', '--max-tokens', '80');
  assert.equal(sample.code, 0, sample.stderr);
  assert.ok(sample.stdout.startsWith('ROMEO:'));
  assert.ok(sample.stdout.length >= 80);
  const ev = lmkit('ngram', 'eval', 'c.arpa', 'held.txt');
  assert.match(ev.stdout, /held\.txt\s+1\s+\d+\s+0\s/);
});

test('bpe unit: a tokenizer trained by lmkit tokenizer', () => {
  const tok = lmkit('tokenizer', 'train', 'train.txt', '-o', 'tok.json', '--vocab-size', '400', '-q');
  assert.equal(tok.code, 0, tok.stderr);
  const train = lmkit('ngram', 'train', 'train.txt', '--unit', 'bpe:tok.json', '--order', '4', '-o', 'b.arpa', '--discount-fallback', '-q');
  assert.equal(train.code, 0, train.stderr);
  const ev = lmkit('ngram', 'eval', 'b.arpa', 'held.txt');
  assert.equal(ev.code, 0, ev.stderr);
  const sample = lmkit('ngram', 'sample', 'b.arpa', '--prompt', 'ROMEO:', '--seed', '1', '--max-tokens', '20');
  assert.equal(sample.code, 0, sample.stderr);
  assert.ok(sample.stdout.startsWith('ROMEO:'));
});
