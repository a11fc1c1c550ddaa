/**
 * Persistence: train → ARPA → load gives identical scores (every estimator, word
 * and char units); binary save/load likewise; malformed ARPA files are rejected
 * with the line number; pruning and vocabulary limits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ArpaFormatError,
  deserializeNgramModel,
  escapeToken,
  parseArpa,
  serializeNgramModel,
  SMOOTHINGS,
  toArpa,
  trainNgram,
  unescapeToken,
  type NgramModel,
} from '../../src/lm/ngram/index.js';

const shakespeare = readFileSync(fileURLToPath(new URL('../../../data/tinyshakespeare.txt', import.meta.url)), 'utf8');
const sample = shakespeare.slice(0, 60000);
const lines = sample.split('\n').filter((l) => l.trim().length > 0);

/** Same log10 probability for every token of `text` (word unit), bit for bit. */
function assertSameScores(a: NgramModel, b: NgramModel, texts: string[][], what: string): void {
  for (const words of texts) {
    let sa = a.initialState();
    let sb = b.initialState();
    for (const w of [...words, '</s>']) {
      const ia = a.vocab.id(w);
      const ib = b.vocab.id(w);
      assert.equal(b.log10Prob(sb, ib), a.log10Prob(sa, ia), `${what}: ${w}`);
      sa = a.advance(sa, ia);
      sb = b.advance(sb, ib);
    }
  }
}

const probe = [...lines.slice(0, 40), 'never seen words here', 'ROMEO: the the the'].map((l) => l.split(/\s+/).filter((w) => w));

test('train → ARPA → load: identical scores for every estimator', () => {
  for (const smoothing of SMOOTHINGS) {
    const m = trainNgram(sample, { order: 4, smoothing, discountFallback: true }).model;
    const again = parseArpa(toArpa(m));
    assert.deepEqual(again.ngramCounts(), m.ngramCounts());
    assert.equal(again.info.smoothing, smoothing);
    assertSameScores(m, again, probe, smoothing);
  }
});

test('binary save → load: identical scores and metadata', () => {
  const m = trainNgram(sample, { order: 5, smoothing: 'mkn', discountFallback: true }).model;
  const bytes = serializeNgramModel(m);
  const again = deserializeNgramModel(bytes);
  assert.deepEqual(again.info, m.info);
  assert.deepEqual(again.ngramCounts(), m.ngramCounts());
  assertSameScores(m, again, probe, 'binary');
  // an unaligned copy still loads
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  assertSameScores(m, deserializeNgramModel(shifted.subarray(3)), probe.slice(0, 5), 'binary unaligned');
  assert.throws(() => deserializeNgramModel(new Uint8Array(16)), /not an lmkit binary/);
});

test('character models: tokens with spaces and newlines survive ARPA via escaping', () => {
  for (const s of [' ', '\n', '\\', 'a', '\t', '\u00a0', 'é']) assert.equal(unescapeToken(escapeToken(s)), s);
  assert.ok(!/\s/.test(escapeToken(' \n\t\u00a0')));
  const r = trainNgram(sample, { order: 6, smoothing: 'mkn', unit: { kind: 'char' } });
  const m = r.model;
  assert.equal(m.info.padding, false, 'characters default to a continuous stream');
  const text = toArpa(m);
  assert.match(text, /"escape":"backslash"/);
  const again = parseArpa(text);
  let sa = m.initialState();
  let sb = again.initialState();
  for (const ch of 'First Citizen:\nBefore we proceed any further, hear me speak.\n') {
    const ia = m.vocab.id(ch);
    const ib = again.vocab.id(ch);
    assert.equal(again.vocab.word(ib), ch);
    assert.equal(again.log10Prob(sb, ib), m.log10Prob(sa, ia));
    sa = m.advance(sa, ia);
    sb = again.advance(sb, ib);
  }
});

const good = `\\data\\
ngram 1=4
ngram 2=2

\\1-grams:
-1.0\t<unk>
-99\t<s>\t-0.5
-0.5\ta\t-0.2
-0.6\t</s>

\\2-grams:
-0.2\t<s> a
-0.1\ta </s>

\\end\\
`;

test('a hand-written ARPA file: backoff arithmetic', () => {
  const m = parseArpa(good);
  const id = (w: string): number => m.vocab.id(w);
  const s0 = m.initialState(); // <s>
  assert.equal(m.log10Prob(s0, id('a')), Math.fround(-0.2));
  // p(</s> | <s>) is not stored: backoff(<s>) + p(</s>)
  assert.ok(Math.abs(m.log10Prob(s0, id('</s>')) - (-0.5 - 0.6)) < 1e-6);
  // p(<unk> | a) = backoff(a) + p(<unk>)
  assert.ok(Math.abs(m.log10Prob(m.advance(s0, id('a')), 0) - (-0.2 - 1.0)) < 1e-6);
});

test('malformed ARPA: errors carry the line number', () => {
  const cases: [string, number, RegExp][] = [
    [good.replace('ngram 2=2', 'ngram 3=2'), 3, /consecutive/],
    [good.replace('-0.5\ta\t-0.2', '-0.5\ta b c\t-0.2'), 8, /1-gram entry needs/],
    [good.replace('-0.1\ta </s>', 'x\ta </s>'), 13, /cannot parse log10 probability 'x'/],
    [good.replace('-0.1\ta </s>', '-0.1\ta </s>\t-0.3'), 13, /highest order has none/],
    [good.replace('ngram 1=4', 'ngram 1=5'), 10, /declares 5 1-grams but the section has 4/],
    [good.replace('\\2-grams:', '\\3-grams:'), 11, /expected '\\2-grams:'/],
    [good.replace('\\end\\\n', ''), 14, /missing \\end\\/],
    [good.replace('-0.1\ta </s>', '-0.2\t<s> a'), 13, /duplicate 2-gram/],
    ['hello\n', 1, /without finding \\data\\/],
  ];
  for (const [text, line, message] of cases) {
    assert.throws(
      () => parseArpa(text, { source: 'bad.arpa' }),
      (err: unknown) => {
        assert.ok(err instanceof ArpaFormatError, String(err));
        assert.match(err.message, message);
        assert.equal(err.line, line, `${err.message}`);
        assert.ok(err.message.startsWith(`bad.arpa:${line}:`));
        return true;
      },
    );
  }
});

/** The recounts below split on whitespace, as the whitespace unit does. */
const whitespace = { kind: 'whitespace' } as const;

test('count pruning drops n-grams at or below the threshold (as lmplz --prune) and keeps distributions normalized', () => {
  const full = trainNgram(sample, { order: 3, smoothing: 'mkn', unit: whitespace });
  const pruned = trainNgram(sample, { order: 3, smoothing: 'mkn', unit: whitespace, minCounts: [0, 2, 3] });
  assert.equal(pruned.ngramCounts[0], full.ngramCounts[0], 'unigrams are not pruned');
  assert.ok(pruned.ngramCounts[1] < full.ngramCounts[1] && pruned.ngramCounts[2] < full.ngramCounts[2]);
  const m = pruned.model;
  for (const ctx of [[], ['<s>'], ['the'], ['I', 'am'], ['of', 'the']]) {
    const lp = m.nextLogProbs(m.stateAfter(ctx.map((w) => m.vocab.id(w)), m.nullState()));
    const sum = lp.reduce((a, x) => a + Math.exp(x), 0);
    assert.ok(Math.abs(sum - 1) < 1e-5, `Σp after [${ctx.join(' ')}] = ${sum}`);
  }
  // every kept trigram occurs more than 3 times: check by recounting
  const counts = new Map<string, number>();
  for (const l of lines) {
    const seq = ['<s>', ...l.split(/\s+/).filter((w) => w), '</s>'];
    for (let i = 2; i < seq.length; i++) counts.set(seq.slice(i - 2, i + 1).join(' '), (counts.get(seq.slice(i - 2, i + 1).join(' ')) ?? 0) + 1);
  }
  let expected = 0;
  for (const c of counts.values()) if (c > 3) expected++;
  assert.equal(pruned.ngramCounts[2], expected);
  let singletons = 0;
  for (const c of counts.values()) if (c === 1) singletons++;
  const noSingletons = trainNgram(sample, { order: 3, smoothing: 'mkn', unit: whitespace, minCounts: [0, 0, 1] });
  assert.equal(noSingletons.ngramCounts[2], full.ngramCounts[2] - singletons, 'lmplz --prune 0 0 1 drops the singleton trigrams');
  assert.deepEqual(noSingletons.ngramCounts.slice(0, 2), full.ngramCounts.slice(0, 2));
  assert.deepEqual(trainNgram(sample, { order: 3, smoothing: 'mkn', unit: whitespace, minCounts: [0] }).ngramCounts, full.ngramCounts, '--prune 0 keeps everything');
  assert.throws(() => trainNgram(sample, { order: 3, smoothing: 'mkn', unit: whitespace, minCounts: [1, 1, 1] }), /unigrams cannot be pruned/);
  assert.throws(() => trainNgram(sample, { order: 3, smoothing: 'mkn', unit: whitespace, minCounts: [0, 3, 2] }), /must not decrease/);
});

test('vocabulary limits: rare words become <unk>, which then has real counts', () => {
  const r = trainNgram(sample, { order: 3, smoothing: 'kn', maxVocab: 500 });
  assert.equal(r.model.vocabSize, 503);
  assert.ok(r.droppedWords > 0);
  const m = r.model;
  // <unk> was seen in training, so some bigram <unk> → w exists
  const unkState = m.advance(m.nullState(), 0);
  assert.notEqual(unkState, m.nullState());
  const r2 = trainNgram(sample, { order: 2, smoothing: 'wb', unit: whitespace, minWordCount: 3 });
  const freq = new Map<string, number>();
  for (const l of lines) for (const w of l.split(/\s+/).filter((x) => x)) freq.set(w, (freq.get(w) ?? 0) + 1);
  let kept = 0;
  for (const c of freq.values()) if (c >= 3) kept++;
  assert.equal(r2.model.vocabSize, kept + 3);
});

test('training errors: empty text, bad order, unknown smoothing', () => {
  assert.throws(() => trainNgram('\n\n  \n', { order: 3, smoothing: 'mkn' }), /no tokens/);
  assert.throws(() => trainNgram(sample, { order: 0, smoothing: 'mkn' }), /order must be an integer ≥ 1/);
  assert.throws(() => trainNgram(sample, { order: 3, smoothing: 'nope' as never }), /unknown smoothing 'nope'/);
});
