/**
 * `lmkit train | sample | eval | score` end to end: spawn the built CLI in a
 * temporary directory on a few kilobytes of Shakespeare, with tiny models and a
 * few updates, so each command takes about a second.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledCorpus, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lmkit-lm-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const lines = bundledCorpus().split('\n');
writeFileSync(join(dir, 'train.txt'), lines.slice(0, 600).join('\n'));
writeFileSync(join(dir, 'held.txt'), lines.slice(600, 700).join('\n'));
const lmkit = (...args: string[]) => runCli(dir, args);

/** A 1-layer, 16-wide GPT for a handful of updates. */
const TINY = ['--n-layer', '1', '--n-head', '2', '--n-embd', '16', '--block-size', '16', '--batch-size', '4', '--eval-interval', '5', '--eval-iters', '1', '--quiet'];

function trainedWarmup(run: string): number {
  return (JSON.parse(readFileSync(join(dir, run, 'best', 'config.json'), 'utf8')) as { training: { warmupIters: number } }).training.warmupIters;
}

test('a word-tokenizer model trains, samples at the end and from its run without a prompt, exit 0; --start-token picks or refuses', () => {
  assert.equal(lmkit('tokenizer', 'train', 'train.txt', '--type', 'word', '-o', 'word.json', '-q').code, 0);
  const train = lmkit('train', '--data', 'train.txt', '--tokenizer', 'word.json', '--max-iters', '5', ...TINY, '--sample', '8', '-o', 'run-word');
  assert.equal(train.code, 0, train.stderr);
  assert.match(train.stdout, /sample \(8 tokens, temperature 0\.8, top-k 200, seed 1337, starting from "," \(first ordinary token\)\):\n\n\S/);

  const sample = lmkit('sample', 'run-word', '-n', '6');
  assert.equal(sample.code, 0, sample.stderr);
  assert.equal(sample.stdout.trim().split(/\s+/).length, 6);
  assert.match(sample.stderr, /note: no prompt; starting from "," \(first ordinary token\)/);

  const given = lmkit('sample', 'run-word', '-n', '6', '--start-token', 'the');
  assert.equal(given.code, 0, given.stderr);
  assert.match(given.stderr, /starting from "the" \(given\)/);
  assert.notEqual(given.stdout, sample.stdout);

  const two = lmkit('sample', 'run-word', '--start-token', 'the king');
  assert.equal(two.code, 1);
  assert.match(two.stderr, /start token "the king": the model's word vocabulary reads it as 2 tokens; give a single token it knows/);
  assert.doesNotMatch(two.stderr, /asLanguageModel/);

  const late = lmkit('train', '--data', 'train.txt', '--tokenizer', 'word.json', '--max-iters', '2', ...TINY, '--sample', '4', '--start-token', 'zyzzyva', '-o', 'run-late');
  assert.equal(late.code, 0, 'a run that trained exits 0 even when its sample cannot start');
  assert.match(late.stderr, /no sample: start token "zyzzyva": the model's word vocabulary reads it as the unknown token/);
});

test('a WordPiece model starts from [CLS]', () => {
  assert.equal(lmkit('tokenizer', 'train', 'train.txt', '--type', 'wordpiece', '--vocab-size', '200', '-o', 'wp.json', '-q').code, 0);
  const train = lmkit('train', '--data', 'train.txt', '--tokenizer', 'wp.json', '--max-iters', '2', ...TINY, '--sample', '5', '-o', 'run-wp');
  assert.equal(train.code, 0, train.stderr);
  assert.match(train.stdout, /starting from "\[CLS\]" \(sequence start\)/);
});

test('--max-iters 60 trains with and without a preset; the default warmup scales with the run', () => {
  const plain = lmkit('train', '--data', 'train.txt', '--max-iters', '60', ...TINY, '--eval-interval', '30', '--sample', '0', '-o', 'run-60');
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /updates\s+60 \(all\)/);
  assert.equal(trainedWarmup('run-60'), 3);
  const preset = lmkit('train', '--preset', 'shakespeare-char', '--data', 'train.txt', '--max-iters', '60', ...TINY, '--eval-interval', '30', '--sample', '0', '-o', 'run-preset-60');
  assert.equal(preset.code, 0, preset.stderr);
  assert.equal(trainedWarmup('run-preset-60'), 3);
  const explicit = lmkit('train', '--data', 'train.txt', '--max-iters', '60', '--warmup', '100', ...TINY, '-o', 'run-bad');
  assert.equal(explicit.code, 1);
  assert.match(explicit.stderr, /lrDecayIters \(60\) must be ≥ warmupIters \(100\)/);
});

test('sample, eval and score serve n-gram model files (ARPA and binary) as lmkit ngram does', () => {
  assert.equal(lmkit('ngram', 'train', 'train.txt', '--order', '3', '-o', 'w3.arpa', '-q', '--discount-fallback').code, 0);
  assert.equal(lmkit('ngram', 'convert', 'w3.arpa', 'w3.bin').code, 0);
  for (const [model, seeds] of [['w3.arpa', ['4', '5']], ['w3.bin', ['5']]] as const) {
    const sentences = new Set<string>();
    for (const seed of seeds) {
      const ours = lmkit('sample', model, '--prompt', 'We are', '--seed', seed, '-n', '30');
      const theirs = lmkit('ngram', 'sample', model, '--prompt', 'We are', '--seed', seed, '--max-tokens', '30');
      assert.equal(ours.code, 0, ours.stderr);
      assert.equal(ours.stdout, theirs.stdout, 'same model, defaults and seed: the same sentence');
      assert.ok(ours.stdout.startsWith('We are'), ours.stdout);
      sentences.add(ours.stdout);
    }
    assert.ok([...sentences].some((s) => s.startsWith('We are ') && s.length > 12), [...sentences].join(''));
  }
  const beam = lmkit('sample', 'w3.bin', '--prompt', 'First Citizen:', '--beam', '3', '--num-samples', '2', '-n', '10');
  assert.equal(beam.code, 0, beam.stderr);
  assert.equal(beam.stdout.match(/^--- beam \d: ln p -\d+\.\d{3}, score -\d+\.\d{4}\nFirst Citizen:/gm)?.length, 2);

  const ev = lmkit('eval', 'w3.arpa', 'held.txt');
  assert.equal(ev.code, 0, ev.stderr);
  const kenlmStyle = lmkit('ngram', 'eval', 'w3.arpa', 'held.txt').stdout.split('\n').find((l) => l.startsWith('held.txt'));
  const perplexity = Number(kenlmStyle?.split(/\s+/)[5]);
  assert.ok(perplexity > 1, kenlmStyle);
  const ours = Number(/perplexity\s+(\d+\.\d+)\n/.exec(ev.stdout)?.[1]);
  assert.ok(Math.abs(ours - perplexity) <= 5e-4 * perplexity, `${ours} vs lmkit ngram eval's ${perplexity}`);
  assert.match(ev.stdout, /tokens predicted\s+\d+ \(\d+ scored as <unk>\)/);
  assert.match(ev.stdout, /method\s+mkn 3-gram, \d+ sentences, <\/s> scored/);

  const score = lmkit('score', 'w3.arpa', '-p', 'First Citizen:', '-c', 'We are accounted poor citizens', 'zyzzyva qwerty', '--normalize', 'token');
  assert.equal(score.code, 0, score.stderr);
  const rows = score.stdout.split('\n').slice(2);
  assert.match(rows[0], /^\s*1\s+"We are accounted poor citizens"/);
  assert.match(rows[1], /^\s*2\s+"zyzzyva qwerty".*scored with <unk> for "zyzzyva" "qwerty"/);
});

test('ranking with a character model: a choice with an unseen character is unscorable, the rest are ranked', () => {
  const train = lmkit('train', '--data', 'train.txt', '--max-iters', '2', ...TINY, '--sample', '0', '-o', 'run-char');
  assert.equal(train.code, 0, train.stderr);
  const score = lmkit('score', 'run-char', '-p', 'First Citizen:', '-c', ' We', ' Zebra€', ' you');
  assert.equal(score.code, 0, score.stderr);
  const rows = score.stdout.trimEnd().split('\n').slice(2);
  assert.equal(rows.length, 3);
  assert.match(rows[0], /^1\s+" (We|you)"\s+-\d/);
  assert.match(rows[1], /^2\s+" (We|you)"\s+-\d/);
  assert.match(rows[2], /^—\s+" Zebra€"\s+—\s+—\s+—\s+unscorable: the vocabulary lacks ("Z" )?"€"/);
  const skip = lmkit('score', 'run-char', '-p', 'First Citizen:', '-c', ' We', ' Zebra€', '--unk', 'skip');
  assert.match(skip.stdout, /" Zebra€".*without ("Z" )?"€" \(--unk skip\)/);
  const none = lmkit('score', 'run-char', '-p', 'First', '-c', ' €');
  assert.equal(none.code, 1);
  assert.match(none.stderr, /none of the choices can be scored: " €": the vocabulary lacks "€"/);
  const dropsAll = lmkit('score', 'run-char', '-p', 'First', '-c', ' We', '€€', '--unk', 'skip');
  assert.equal(dropsAll.code, 0, dropsAll.stderr);
  assert.match(dropsAll.stdout, /"€€".*unscorable: nothing is left once --unk skip drops "€"/);
  const empty = lmkit('score', 'run-char', '-p', 'First', '-c', ' We', '');
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /choice 2 is empty: every choice needs at least one character/);
  const prompt = lmkit('score', 'run-char', '-p', 'First €', '-c', ' We');
  assert.equal(prompt.code, 1);
  assert.match(prompt.stderr, /the prompt contains 1 character the model's vocabulary does not have: "€" — remove them or pass --unk skip/);
});

test('lmkit sample and lmkit ngram sample show the same sampling defaults in --help', () => {
  for (const args of [['sample', '--help'], ['ngram', 'sample', '--help']]) {
    const help = lmkit(...args).stdout.replace(/\s+/g, ' ');
    assert.match(help, /--temperature <t> divide log-probabilities by t \(0 = greedy\) \(default: 0\.8\)/, args.join(' '));
    assert.match(help, /--top-k <k> .*?\(default: 200\)/, args.join(' '));
    assert.match(help, /--top-p <p> .*?\(default: 1\)/, args.join(' '));
  }
});
