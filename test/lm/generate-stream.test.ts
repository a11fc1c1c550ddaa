/**
 * Generation as a stream (src/lm/generate.ts, src/lm/generated-text.ts): stop
 * strings, UTF-8-safe text with a byte-level BPE tokenizer, the result state,
 * and batch generation's generator order. The models here are scripted (greedy
 * decoding reads back a fixed token sequence) or have closed-form tables, so each
 * expected value is written out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '../../src/tensor/random.js';
import { generate, generateBatch, generateStream, sampleFromLogProbs, type GenerationEvent, type TextDecoding } from '../../src/lm/generate.js';
import type { LanguageModel } from '../../src/lm/model.js';
import { trainBpe } from '../../src/text/bpe/train.js';
import type { StreamDecoder } from '../../src/text/tokenizer.js';

/**
 * A model that plays `script` (90% on the next scripted token, the rest spread
 * evenly), then its end token. The state is the number of tokens fed, prompt included.
 */
function scripted(script: readonly number[], vocabSize: number, endToken?: number): LanguageModel<number> {
  return {
    vocabSize,
    endToken,
    initialState: () => 0,
    advance: (state) => state + 1,
    nextLogProbs: (state) => {
      const next = state < script.length ? script[state] : (endToken ?? 0);
      const lp = new Float64Array(vocabSize).fill(Math.log(0.1 / (vocabSize - 1)));
      lp[next] = Math.log(0.9);
      return lp;
    },
  };
}

const pieces = ['He', 'llo', ' wo', 'rld', '\n\n', 'more', 'o', '<end>'];
const [HE, LLO, WO, RLD, BREAK, MORE, O, END] = pieces.map((_, i) => i);
/** Joins token strings; no stream decoder, so generation re-decodes and emits suffixes. */
const joiner: TextDecoding = { decode: (ids) => Array.from(ids, (i) => pieces[i]).join('') };
/** The same, with a stream decoder. */
const streaming: TextDecoding = {
  decode: joiner.decode,
  createStreamDecoder: (): StreamDecoder => ({ write: (id) => pieces[id], end: () => '' }),
};

function texts<State>(events: GenerationEvent<State>[]): string {
  return events.map((e) => e.text).join('');
}

for (const [name, tokenizer] of [['re-decoding', joiner], ['stream decoder', streaming]] as const) {
  test(`stop string spanning two tokens (${name}): text cut before it, straddling token dropped, nothing of it streamed`, () => {
    const model = scripted([HE, LLO, WO, RLD, BREAK, MORE], pieces.length, END);
    const events = [...generateStream(model, [], { maxTokens: 20, temperature: 0, tokenizer, stop: ['o wo'] })];
    // "He" | "llo" | " wo": the stop string "o wo" starts at character 4, inside "llo".
    assert.deepEqual(events.map((e) => e.kind), ['token', 'token', 'token', 'finish']);
    assert.deepEqual(events.map((e) => e.text), ['He', 'll', '', '']); // the "o" of "llo" was held back, then cut
    const finish = events[3];
    assert.ok(finish.kind === 'finish');
    const r = finish.result;
    assert.equal(r.text, 'Hell');
    assert.deepEqual(r.tokens, [HE]);
    assert.equal(r.logProbs.length, 1);
    assert.equal(r.finishReason, 'stop');
    assert.equal(r.stopString, 'o wo');
    assert.equal(r.ended, false);
    assert.equal(r.state, 1, 'state after the prompt and the kept tokens');
  });

  test(`stop strings (${name}): at a token boundary, the earliest of several, and a held-back prefix flushed at the end`, () => {
    const model = scripted([HE, LLO, WO, RLD, BREAK, MORE], pieces.length, END);
    const atBoundary = generate(model, [], { maxTokens: 20, temperature: 0, tokenizer, stop: ['\n\n'] });
    assert.equal(atBoundary.text, 'Hello world');
    assert.deepEqual(atBoundary.tokens, [HE, LLO, WO, RLD]);
    assert.equal(atBoundary.state, 4);
    const earliest = generate(model, [], { maxTokens: 20, temperature: 0, tokenizer, stop: ['more', 'rl', 'wor'] });
    assert.equal(earliest.text, 'Hello ');
    assert.equal(earliest.stopString, 'wor');
    assert.deepEqual(earliest.tokens, [HE, LLO]);
    // A stop string over three tokens: the state goes back three tokens.
    const long = generate(model, [MORE], { maxTokens: 20, temperature: 0, tokenizer, stop: ['rld\n\nmo'] });
    assert.equal(long.text, 'llo wo');
    assert.deepEqual(long.tokens, [LLO, WO]);
    assert.equal(long.state, 3, 'prompt + 2 kept tokens');
    // "Hello wo" ends with "o", a prefix of "o!" — held back, then released at the token limit.
    const events: string[] = [];
    const capped = generate(model, [], { maxTokens: 2, temperature: 0, tokenizer, stop: ['o!'], onToken: (e) => events.push(e.text) });
    assert.deepEqual(events, ['He', 'll', 'o']);
    assert.equal(capped.text, 'Hello');
    assert.equal(capped.finishReason, 'length');
    // The end token finishes without a stop string and is not part of the text.
    const whole = generate(model, [], { maxTokens: 20, temperature: 0, tokenizer, stop: ['xyz'] });
    assert.equal(whole.text, 'Hello world\n\nmore');
    assert.equal(whole.finishReason, 'end');
    assert.equal(whole.ended, true);
  });
}

test('stop strings are searched in the generated text only, and need a tokenizer', () => {
  const model = scripted([O, WO, HE], pieces.length, END);
  // The prompt "o" + generated " wo" contains "o wo", but the generated text " woHe" does not.
  const r = generate(model, [O], { maxTokens: 20, temperature: 0, tokenizer: joiner, stop: ['o wo'] });
  assert.equal(r.text, ' woHe');
  assert.throws(() => generate(model, [], { maxTokens: 3, stop: ['x'] }), /stop strings need a tokenizer/);
  assert.throws(() => generate(model, [], { maxTokens: 3, stop: [''], tokenizer: joiner }), /non-empty/);
});

test('UTF-8 streaming with a byte-level BPE: an emoji split across tokens appears once complete', () => {
  const bpe = trainBpe('hello world, hello there', { vocabSize: 262 });
  const text = 'hello 🙂 wörld 👋🏽!';
  const ids = bpe.encode(text);
  const emoji = bpe.encode('🙂');
  assert.ok(emoji.length >= 2, 'the emoji is split into several byte tokens');
  const model = scripted(ids, bpe.vocabSize);
  for (const tokenizer of [bpe, { decode: (x: ArrayLike<number>) => bpe.decode(x) }]) {
    const events = [...generateStream(model, [], { maxTokens: ids.length, temperature: 0, tokenizer })];
    const tokenEvents = events.filter((e) => e.kind === 'token');
    assert.deepEqual(tokenEvents.map((e) => e.token), ids);
    for (const e of events) assert.ok(!e.text.includes('\uFFFD'), `no replacement character streamed (${JSON.stringify(e.text)})`);
    assert.equal(texts(events), text);
    assert.equal(texts(events), bpe.decode(ids));
    // The emoji's bytes: every token but the last shows nothing, the last shows the whole emoji.
    const start = tokenEvents.findIndex((e, i) => emoji.every((t, j) => ids[i + j] === t));
    assert.ok(start >= 0);
    for (let j = 0; j < emoji.length - 1; j++) assert.equal(tokenEvents[start + j].text, '');
    assert.equal(tokenEvents[start + emoji.length - 1].text.startsWith('🙂'), true);
  }
  // A prompt ending inside the emoji: the decoder is fed the prompt, so the
  // generated text starts with the completed character.
  const cut = ids.findIndex((_, i) => emoji.every((t, j) => ids[i + j] === t)) + 1;
  const r = generate(model, ids.slice(0, cut), { maxTokens: ids.length - cut, temperature: 0, tokenizer: bpe });
  assert.equal(r.text, bpe.decode(ids).slice(bpe.decode(ids.slice(0, cut - 1)).length));
  // A stream cut inside an incomplete sequence ends with U+FFFD, as decode() does.
  const partial = generate(model, [], { maxTokens: cut, temperature: 0, tokenizer: bpe });
  assert.equal(partial.text, bpe.decode(ids.slice(0, cut)));
  assert.ok(partial.text?.endsWith('\uFFFD'));
});

/** A bigram table over {0, 1, 2, 3 = end}: closed form, for seeded sampling. */
const table = (prev: number): number[] => (prev === 1 ? [0.1, 0.1, 0.6, 0.2] : prev === 2 ? [0.5, 0.2, 0.2, 0.1] : [0.3, 0.4, 0.25, 0.05]);
const bigram: LanguageModel<number> = {
  vocabSize: 4,
  endToken: 3,
  initialState: () => -1,
  advance: (_state, token) => token,
  nextLogProbs: (state) => Float64Array.from(table(state), Math.log),
};

test('generate is the stream run to the end: same tokens, events, and a continuable state', () => {
  const events: GenerationEvent<number>[] = [];
  const a = generate(bigram, [0], { maxTokens: 30, generator: new Generator(4), onToken: (e) => events.push(e) });
  const streamed = [...generateStream(bigram, [0], { maxTokens: 30, generator: new Generator(4) })];
  assert.deepEqual(events, streamed);
  assert.deepEqual(events.filter((e) => e.kind === 'token').map((e) => (e.kind === 'token' ? e.token : -1)), a.tokens);
  a.logProbs.forEach((lp, i) => assert.ok(Math.abs(lp - Math.log(table(i === 0 ? 0 : a.tokens[i - 1])[a.tokens[i]])) < 1e-12));
  // The iterator's return value is the result too.
  const it = generateStream(bigram, [0], { maxTokens: 30, generator: new Generator(4) });
  let step = it.next();
  while (!step.done) step = it.next();
  assert.deepEqual(step.value, a);
  // 3 tokens, then 4 more from the returned state with the same generator = 7 in one go.
  const g = new Generator(21);
  const first = generate(bigram, [], { maxTokens: 3, generator: g, stopAtEnd: false });
  const rest = generate(bigram, [], { maxTokens: 4, generator: g, stopAtEnd: false, state: first.state });
  const once = generate(bigram, [], { maxTokens: 7, generator: new Generator(21), stopAtEnd: false });
  assert.deepEqual([...first.tokens, ...rest.tokens], once.tokens);
  // Streams are lazy: nothing runs before the first next().
  let calls = 0;
  const counting: LanguageModel<number> = { ...bigram, advance: (s, t) => (calls++, t) };
  const lazy = generateStream(counting, [1, 2], { maxTokens: 1 });
  assert.equal(calls, 0);
  lazy.next();
  assert.equal(calls, 3, 'the first next() feeds the 2 prompt tokens and the first new token');
});

test('the prompt goes through advanceMany when the model has it', () => {
  const fed: number[][] = [];
  const model: LanguageModel<number> = { ...bigram, advanceMany: (_s, tokens) => (fed.push(Array.from(tokens)), tokens[tokens.length - 1]) };
  const r = generate(model, [0, 1], { maxTokens: 5, generator: new Generator(2) });
  const plain = generate(bigram, [0, 1], { maxTokens: 5, generator: new Generator(2) });
  assert.deepEqual(fed, [[0, 1]]);
  assert.deepEqual(r.tokens, plain.tokens);
});

test('generateBatch: reproducible; per-sequence generators equal running each prompt alone', () => {
  const prompts = [[0], [1], [2, 2], []];
  const options = { maxTokens: 12 } as const;
  const once = generateBatch(bigram, prompts, { ...options, generator: new Generator(7) });
  const again = generateBatch(bigram, prompts, { ...options, generator: new Generator(7) });
  assert.deepEqual(once, again);
  const seeds = [10, 11, 12, 13];
  const batch = generateBatch(bigram, prompts, { ...options, generators: seeds.map((s) => new Generator(s)) });
  prompts.forEach((p, i) => assert.deepEqual(batch[i], generate(bigram, p, { ...options, generator: new Generator(seeds[i]) })));
  assert.throws(() => generateBatch(bigram, prompts, { ...options, generators: [new Generator(1)] }), /1 generators for 4 prompts/);
});

test('generateBatch with one generator draws in the documented order: round by round, prompts in order', () => {
  const prompts = [[0], [1], [2]];
  const order: number[] = [];
  const batch = generateBatch(bigram, prompts, { maxTokens: 6, generator: new Generator(5), onToken: (e, i) => e.kind === 'token' && order.push(i) });
  // Independent replay: one draw per running sequence per round, in prompt order.
  const g = new Generator(5);
  const last = prompts.map((p) => p[p.length - 1]);
  const tokens: number[][] = prompts.map(() => []);
  const running = prompts.map(() => true);
  const replayOrder: number[] = [];
  for (let round = 0; round < 6; round++) {
    for (let i = 0; i < prompts.length; i++) {
      if (!running[i]) continue;
      const t = sampleFromLogProbs(Float64Array.from(table(last[i]), Math.log), {}, g);
      if (t === 3) {
        running[i] = false;
        continue;
      }
      replayOrder.push(i);
      tokens[i].push(t);
      last[i] = t;
    }
  }
  assert.deepEqual(batch.map((r) => r.tokens), tokens);
  assert.deepEqual(order, replayOrder);
  assert.deepEqual(batch.map((r) => r.ended), running.map((x) => !x));
});
