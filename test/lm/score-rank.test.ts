/**
 * Scoring continuations, ranking answers (src/lm/rank.ts) and the perplexity of
 * a token stream (src/lm/perplexity.ts) on toy models with closed-form
 * probabilities: every expected number is computed by hand or by a formula
 * written independently of the code under test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LanguageModel } from '../../src/lm/model.js';
import { evaluatePerplexity, scoreContinuation } from '../../src/lm/score.js';
import { rankChoices } from '../../src/lm/rank.js';
import { evaluateTokens } from '../../src/lm/perplexity.js';
import { trainNgram } from '../../src/lm/ngram/index.js';
import { Generator } from '../../src/tensor/random.js';

/** Bigram table over {0: <unk>, 1: a, 2: b, 3: </s>}: after a, p = [0.1, 0.1, 0.6, 0.2]; else [0.1, 0.4, 0.3, 0.2]. */
const table = (prev: number): number[] => (prev === 1 ? [0.1, 0.1, 0.6, 0.2] : [0.1, 0.4, 0.3, 0.2]);
const bigram: LanguageModel<number> = {
  vocabSize: 4,
  endToken: 3,
  initialState: () => -1,
  advance: (_state, token) => token,
  nextLogProbs: (state) => Float64Array.from(table(state), Math.log),
};
const close = (a: number, b: number, label = ''): void => assert.ok(Math.abs(a - b) < 1e-12, `${label} ${a} vs ${b}`);

test('scoreContinuation: per-token log-probs, count, state', () => {
  // prompt a; continuation b a b: p(b|a) 0.6, p(a|b) 0.4, p(b|a) 0.6
  const s = scoreContinuation(bigram, [1], [2, 1, 2]);
  assert.equal(s.tokenCount, 3);
  [0.6, 0.4, 0.6].forEach((p, i) => close(s.logProbs[i], Math.log(p)));
  close(s.logProb, Math.log(0.6 * 0.4 * 0.6));
  assert.equal(s.state, 2);
  // From a given state (the prompt is fed after it): state a, prompt [] → p(b|a).
  close(scoreContinuation(bigram, [], [2], { state: 1 }).logProb, Math.log(0.6));
});

test('rankChoices: the four normalizations by hand', () => {
  // Prompt a. Choice E = [<unk>]: ln 0.1 = −2.303 (1 token).
  // Choice F = b a b a: 0.6 · 0.4 · 0.6 · 0.4 = 0.0576, ln = −2.854 (4 tokens, mean −0.714).
  const E = [0];
  const F = [2, 1, 2, 1];
  const none = rankChoices(bigram, [1], [E, F]);
  assert.equal(none.best, 0);
  close(none.choices[0].logProb, Math.log(0.1));
  close(none.choices[1].logProb, Math.log(0.0576));
  assert.deepEqual(none.ranked.map((c) => c.index), [0, 1]);
  assert.equal(none.choices[1].tokenCount, 4);
  const perToken = rankChoices(bigram, [1], [E, F], { normalize: 'token' });
  assert.equal(perToken.best, 1);
  close(perToken.choices[1].score, Math.log(0.0576) / 4);
  // Characters: E decodes to "<unk>" (5), F to "baba" (4): −2.303/5 = −0.46 beats −0.714.
  const names = ['<unk>', 'a', 'b', '</s>'];
  const tokenizer = { decode: (ids: ArrayLike<number>) => Array.from(ids, (i) => names[i]).join('') };
  const perChar = rankChoices(bigram, [1], [E, F], { normalize: 'char', tokenizer });
  assert.equal(perChar.best, 0);
  assert.equal(perChar.choices[0].charCount, 5);
  close(perChar.choices[1].score, Math.log(0.0576) / 4);
  // Unconditional (from the start state, p = [0.1, 0.4, 0.3, 0.2]):
  // E: ln 0.1 − ln 0.1 = 0; F: 0.0576 / (0.3 · 0.4 · 0.6 · 0.4 = 0.0288) → ln 2.
  const unconditional = rankChoices(bigram, [1], [E, F], { normalize: 'unconditional' });
  assert.equal(unconditional.best, 1);
  close(unconditional.choices[0].score, 0);
  close(unconditional.choices[1].score, Math.LN2);
  close(unconditional.choices[1].unconditionalLogProb as number, Math.log(0.0288));
  // The prompt is fed once, and each choice scored from that state.
  let fed = 0;
  const counting: LanguageModel<number> = { ...bigram, advanceMany: (_s, t) => (fed++, t[t.length - 1]) };
  rankChoices(counting, [0, 1], [E, F, [2]]);
  assert.equal(fed, 1);
  // Ties keep the given order; errors.
  assert.deepEqual(rankChoices(bigram, [1], [[2], [2]]).ranked.map((c) => c.index), [0, 1]);
  assert.throws(() => rankChoices(bigram, [1], [E, []], { normalize: 'token' }), /choice 1 is empty/);
  assert.throws(() => rankChoices(bigram, [1], [E, []]), /choice 1 is empty; an empty continuation has probability 1/);
  assert.throws(() => rankChoices(bigram, [1], [E], { normalize: 'char' }), /needs options.tokenizer/);
  assert.throws(() => rankChoices(bigram, [1], []), /no choices/);
});

test("rankChoices on seed 003's zero-shot example with a word trigram model", () => {
  const corpus = [
    'the sun was rising over the hills .',
    'a long shadow fell because the sun was rising .',
    'my body cast a shadow because the sun was low .',
    'the grass was green and wet .',
    'we cut the grass in the morning .',
  ].join('\n');
  const { model } = trainNgram(corpus, { order: 3, smoothing: 'kn' });
  const ids = (text: string): number[] => text.split(' ').map((w) => model.vocab.id(w));
  const prompt = ids('my body cast a shadow over the grass because');
  const choices = ['the sun was rising .', 'the grass was cut .'].map(ids);
  for (const normalize of ['none', 'token'] as const) {
    const r = rankChoices(model, prompt, choices, { normalize });
    assert.equal(r.best, 0, `${normalize}: ${r.choices.map((c) => c.score.toFixed(3)).join(' vs ')}`);
  }
});

/**
 * A model that only sees how much context it has: with c tokens of context,
 * p(1) = (c + 1) / (c + 2), p(0) = 1 / (c + 2). The state is c.
 */
const contextCounter: LanguageModel<number> = {
  vocabSize: 2,
  initialState: () => 0,
  advance: (c) => c + 1,
  nextLogProbs: (c) => Float64Array.from([1 / (c + 2), (c + 1) / (c + 2)], Math.log),
};

/** Context length of token t under windows of contextLength C + 1 tokens every S tokens (derived by hand from HF's loop). */
function contextOf(t: number, C: number, S: number): number {
  return t <= C ? t : C + 1 - S + ((t - C - 1) % S);
}

test('evaluateTokens with carried state equals evaluatePerplexity on one sequence', () => {
  const g = new Generator(1);
  const ids = Array.from({ length: 300 }, () => g.randint(0, 4));
  const carried = evaluateTokens(bigram, ids, { unknownToken: 0 });
  const reference = evaluatePerplexity(bigram, [ids], { includeEnd: false, unknownToken: 0 });
  assert.deepEqual(carried, reference);
  // By hand on a short stream: a b </s>… as plain tokens: 0.4 · 0.6 · 0.2
  const short = evaluateTokens(bigram, [1, 2, 3]);
  close(short.logProb, Math.log(0.4 * 0.6 * 0.2));
  close(short.perplexity, Math.exp(-Math.log(0.048) / 3));
  close(short.crossEntropyBits, -Math.log(0.048) / 3 / Math.LN2);
  // includeEnd scores the end token after the stream.
  close(evaluateTokens(bigram, [1, 2], { includeEnd: true }).logProb, Math.log(0.4 * 0.6 * 0.2));
  assert.equal(evaluateTokens(bigram, [1, 2], { includeEnd: true }).tokens, 3);
});

test('evaluateTokens with a sliding window: each token sees the context the HF stride loop gives it', () => {
  const g = new Generator(2);
  const ids = Array.from({ length: 57 }, () => g.randint(0, 2));
  for (const [C, S] of [[8, 4], [8, 8], [8, 1], [5, 3], [1, 1], [20, 7]]) {
    let want = 0;
    ids.forEach((token, t) => {
      const c = contextOf(t, C, S);
      want += Math.log(token === 1 ? (c + 1) / (c + 2) : 1 / (c + 2));
    });
    const got = evaluateTokens(contextCounter, ids, { contextLength: C, stride: S });
    assert.equal(got.tokens, ids.length);
    assert.ok(Math.abs(got.logProb - want) < 1e-9, `C ${C}, S ${S}: ${got.logProb} vs ${want}`);
  }
});

test('skipFirstToken: the first token is context only (HF), so a model that cannot predict from nothing works', () => {
  const g = new Generator(4);
  const ids = Array.from({ length: 45 }, () => g.randint(0, 2));
  // Like a GPT without a start token: predicting from the empty context is an error.
  const needsContext: LanguageModel<number> = {
    ...contextCounter,
    nextLogProbs: (c) => {
      if (c === 0) throw new Error('empty context');
      return contextCounter.nextLogProbs(c);
    },
  };
  assert.throws(() => evaluateTokens(needsContext, ids), /empty context/);
  for (const options of [{}, { contextLength: 6, stride: 4 }, { contextLength: 6, stride: 6 }, { contextLength: 100 }]) {
    const C = options.contextLength ?? Infinity;
    const S = options.stride ?? 1;
    let want = 0;
    for (let t = 1; t < ids.length; t++) {
      const c = C === Infinity ? t : contextOf(t, C, S);
      want += Math.log(ids[t] === 1 ? (c + 1) / (c + 2) : 1 / (c + 2));
    }
    const r = evaluateTokens(needsContext, ids, { ...options, skipFirstToken: true });
    assert.equal(r.tokens, ids.length - 1);
    assert.ok(Math.abs(r.logProb - want) < 1e-9, `${JSON.stringify(options)}: ${r.logProb} vs ${want}`);
  }
});

test('a window covering the whole stream gives the full-context perplexity', () => {
  const g = new Generator(3);
  const ids = Array.from({ length: 40 }, () => g.randint(0, 2));
  for (const model of [contextCounter, bigram] as LanguageModel<number>[]) {
    const full = evaluateTokens(model, ids);
    for (const contextLength of [39, 40, 100]) {
      const windowed = evaluateTokens(model, ids, { contextLength });
      close(windowed.logProb, full.logProb);
      close(windowed.perplexity, full.perplexity);
    }
    // A bigram only looks one token back: any window with ≥ 1 token of context is exact.
    if (model === bigram) close(evaluateTokens(model, ids, { contextLength: 2, stride: 1 }).logProb, full.logProb);
  }
});

test('evaluateTokens: progress, advanceMany for window contexts, errors', () => {
  const ids = Array.from({ length: 1000 }, (_, i) => i % 2);
  const calls: [number, number][] = [];
  evaluateTokens(contextCounter, ids, { onProgress: (done, total) => calls.push([done, total]) });
  assert.deepEqual(calls, [[256, 1000], [512, 1000], [768, 1000], [1000, 1000]]);
  const windows: number[] = [];
  evaluateTokens(contextCounter, ids.slice(0, 30), { contextLength: 10, stride: 5, onProgress: (done) => windows.push(done) });
  // First window scores tokens 0..10, then 5 more per window.
  assert.deepEqual(windows, [11, 16, 21, 26, 30]);
  let many = 0;
  const spy: LanguageModel<number> = { ...contextCounter, advanceMany: (c, t) => (many++, c + t.length) };
  const a = evaluateTokens(spy, ids.slice(0, 30), { contextLength: 10, stride: 5 });
  const b = evaluateTokens(contextCounter, ids.slice(0, 30), { contextLength: 10, stride: 5 });
  assert.deepEqual(a, b);
  assert.equal(many, 4, 'every window after the first feeds its context in one call');
  assert.equal(evaluateTokens(bigram, []).tokens, 0);
  assert.throws(() => evaluateTokens(bigram, ids, { contextLength: 4, stride: 5 }), /stride must be an integer in \[1, contextLength = 4\]/);
  assert.throws(() => evaluateTokens(bigram, ids, { contextLength: 0 }), /contextLength must be an integer ≥ 1/);
  assert.throws(() => evaluateTokens(contextCounter, ids, { includeEnd: true }), /no end token/);
});
