/**
 * KenLM compatibility of the ARPA reader and the backoff query.
 *
 * Reference: KenLM's own unit test lm/model_test.cc asserts these per-token log10
 * probabilities for lm/test.arpa (a KenLM-built 5-gram, hand-edited to exercise
 * corner cases; see fixtures/kenlm/README.md). KenLM checks them to 0.001 %; we
 * check to 4 decimals and to 1e-5 relative. The n-gram lengths are KenLM's except
 * where KenLM reports the length of a "blank" it inserted for a missing suffix
 * (we insert blanks for missing prefixes instead; probabilities are identical),
 * marked `undefined` below.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArpa, toArpa, NgramModel } from '../../src/lm/ngram/index.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../../test/lm/fixtures/kenlm/${name}`, import.meta.url));
const model = parseArpa(readFileSync(fixture('test.arpa')), { source: 'test.arpa' });

interface Step {
  readonly word: string;
  readonly log10: number;
  readonly ngram?: number;
  /** Expected length of the state (context words kept) after this word, when asserted. */
  readonly stateLength?: number;
}

function run(m: NgramModel, start: number, steps: readonly Step[]): number {
  let state = start;
  for (const s of steps) {
    const id = m.vocab.id(s.word);
    const got = m.score(state, id);
    const where = `${s.word} after [${m.stateWords(state).map((i) => m.vocab.word(i)).join(' ')}]`;
    assert.ok(Math.abs(got.log10Prob - s.log10) < 5e-5 && Math.abs(got.log10Prob - s.log10) <= 1e-5 * Math.abs(s.log10) + 1e-7, `${where}: log10 p = ${got.log10Prob}, KenLM says ${s.log10}`);
    if (s.ngram !== undefined) assert.equal(got.ngramLength, s.ngram, `${where}: n-gram length`);
    state = m.advance(state, id);
    if (s.stateLength !== undefined) assert.equal(m.stateWords(state).length, s.stateLength, `state length after ${where}`);
  }
  return state;
}

test('KenLM test.arpa: vocabulary of 37 words with <unk> first', () => {
  assert.equal(model.vocabSize, 37);
  assert.equal(model.vocab.word(0), '<unk>');
  assert.equal(model.order, 5);
  assert.deepEqual(model.ngramCounts(), [37, 47, 11, 6, 4]);
});

test('KenLM model_test Starters: from <s>', () => {
  const begin = model.initialState();
  run(model, begin, [{ word: 'looking', log10: -0.4846522, ngram: 2 }]);
  // , probability plus <s> backoff
  run(model, begin, [{ word: ',', log10: -1.383514 + -0.4149733, ngram: 1 }]);
  // <unk> probability plus <s> backoff
  run(model, begin, [{ word: 'this_is_not_found', log10: -1.995635 + -0.4149733, ngram: 1 }]);
});

test('KenLM model_test Continuation', () => {
  const preserve = run(model, model.initialState(), [
    { word: 'looking', log10: -0.484652, ngram: 2 },
    { word: 'on', log10: -0.348837, ngram: 3 },
    { word: 'a', log10: -0.0155266, ngram: 4 },
    { word: 'little', log10: -0.00306122, ngram: 5 },
  ]);
  run(model, preserve, [
    // -0.4771212 (bo looking on a little) -0.4771212 (on a little) -0.69897 (a little) -0.69897 (little) -1.687872 (the)
    { word: 'the', log10: -4.04005, ngram: 1 },
    { word: 'biarritz', log10: -1.9889, ngram: 1 },
    { word: 'not_found', log10: -2.29666, ngram: 1 },
    // after <unk>, whose backoff is -20
    { word: 'more', log10: -1.20632 - 20.0, ngram: 1 },
    { word: '.', log10: -0.51363, ngram: 2 },
    { word: '</s>', log10: -0.0191651, ngram: 3, stateLength: 0 },
  ]);
  run(model, preserve, [
    { word: 'more', log10: -0.00181395, ngram: 5, stateLength: 4 },
    { word: 'loin', log10: -0.0432557, ngram: 5, stateLength: 1 },
  ]);
});

test('KenLM model_test Blanks: n-grams whose suffixes are missing', () => {
  const preserve = run(model, model.nullState(), [
    { word: 'also', log10: -1.687872, ngram: 1 },
    { word: 'would', log10: -2, ngram: 2 },
    { word: 'consider', log10: -3, ngram: 3 },
  ]);
  run(model, preserve, [
    { word: 'higher', log10: -4, ngram: 4 },
    { word: 'looking', log10: -5, ngram: 5, stateLength: 1 },
  ]);
  // also would consider not_found
  run(model, preserve, [{ word: 'not_found', log10: -1.995635 - 7.0 - 0.30103, ngram: 1 }]);
  // "higher looking" is a blank
  const higherLooking = run(model, model.nullState(), [
    { word: 'higher', log10: -1.509559, ngram: 1 },
    { word: 'looking', log10: -1.285941 - 0.30103, stateLength: 1 },
  ]);
  run(model, higherLooking, [{ word: 'not_found', log10: -1.995635 - 0.4771212, ngram: 1 }]);
  run(model, higherLooking, [{ word: 'consider', log10: -1.687872 - 0.4771212, ngram: 1 }]);
  run(model, model.nullState(), [
    { word: 'would', log10: -1.687872, ngram: 1, stateLength: 1 },
    { word: 'consider', log10: -1.687872 - 0.30103 },
    { word: 'higher', log10: -1.509559 - 0.30103 },
    { word: 'looking', log10: -1.285941 - 0.30103 },
  ]);
});

test('KenLM model_test Unknowns: <unk> n-grams', () => {
  const preserve = run(model, model.nullState(), [{ word: 'not_found', log10: -1.995635, ngram: 1 }]);
  run(model, preserve, [
    { word: 'not_found2', log10: -15.0, ngram: 2 },
    { word: 'not_found3', log10: -15.0 - 2.0, ngram: 2 },
  ]);
  run(model, preserve, [
    { word: 'however', log10: -4, ngram: 2 },
    { word: 'not_found3', log10: -6, ngram: 3 },
  ]);
});

test('KenLM model_test MinimalState: backoff kept for contexts without children', () => {
  run(model, model.nullState(), [{ word: 'baz', log10: -6.535897, ngram: 1, stateLength: 0 }]);
  run(model, model.nullState(), [
    { word: 'foo', log10: -3.141592, ngram: 1, stateLength: 1 },
    { word: 'bar', log10: -6.0, ngram: 2, stateLength: 1 },
    // has to include the backoff weight of "bar" (3.0)
    { word: 'bar', log10: -2.718281 + 3.0, ngram: 1, stateLength: 1 },
  ]);
  run(model, model.nullState(), [
    { word: 'to', log10: -1.687872, ngram: 1 },
    { word: 'look', log10: -0.2922095, ngram: 2, stateLength: 2 },
    // "good" is not a unigram: KenLM reads "to look good" as "to look <unk>"
    { word: 'good', log10: -7, ngram: 3 },
  ]);
});

test('KenLM model_test Stateless: scores from explicit contexts', () => {
  const ids = (ws: string[]): number[] => ws.map((w) => model.vocab.id(w));
  const from = (ctx: string[]): number => model.stateAfter(ids(ctx), model.nullState());
  const close = (got: number, want: number): void => assert.ok(Math.abs(got - want) < 5e-5, `${got} vs ${want}`);
  close(model.log10Prob(from(['<s>']), model.vocab.id('looking')), -0.484652);
  close(model.log10Prob(from(['<s>', 'looking']), model.vocab.id('on')), -0.348837);
  close(model.log10Prob(from(['looking']), model.vocab.id('on')), -0.4638903);
  close(model.log10Prob(from(['<s>', 'looking', 'on']), model.vocab.id('a')), -0.0155266);
  close(model.log10Prob(from(['<s>', 'looking', 'on', 'a']), model.vocab.id('little')), -0.00306122);
  close(model.log10Prob(from(['looking', 'on', 'a', 'little']), model.vocab.id('the')), -4.04005);
  close(model.log10Prob(from([]), model.vocab.id('the')), -1.687872);
  close(model.log10Prob(from(['the']), model.vocab.id('biarritz')), -1.9889);
  close(model.log10Prob(from(['biarritz']), model.vocab.id('not_found')), -2.29666);
  close(model.log10Prob(from([]), model.vocab.id('not_found')), -1.995635);
});

test('KenLM model_test NoUnkCheck: a missing <unk> gets log10 p = -100', () => {
  const nounk = parseArpa(readFileSync(fixture('test_nounk.arpa'), 'utf8'), { source: 'test_nounk.arpa' });
  assert.equal(nounk.vocabSize, 37);
  assert.equal(nounk.log10Prob(nounk.nullState(), 0), -100);
  assert.ok(nounk.warnings.some((w) => w.includes('no <unk>')));
});

test('KenLM test.arpa survives our ARPA writer: same scores after write → read', () => {
  const again = parseArpa(toArpa(model));
  const words = model.vocab.words();
  for (const ctx of [[], ['<s>'], ['<s>', 'looking', 'on', 'a'], ['also', 'would', 'consider'], ['foo', 'bar'], ['<unk>', 'however'], ['higher']]) {
    const s1 = model.stateAfter(ctx.map((w) => model.vocab.id(w)), model.nullState());
    const s2 = again.stateAfter(ctx.map((w) => again.vocab.id(w)), again.nullState());
    for (const w of words) {
      if (w === '<s>') continue;
      assert.equal(again.log10Prob(s2, again.vocab.id(w)), model.log10Prob(s1, model.vocab.id(w)), `${w} after ${ctx.join(' ')}`);
    }
  }
});
