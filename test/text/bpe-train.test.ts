/**
 * The fast incremental trainer against the slow oracle (src/text/bpe/reference.ts):
 * the same merges, in the same order, for every variant (base unit ×
 * pre-tokenizer × whitespace mode × objective) on random corpora; and encoding
 * against the seed's literal rule (one pass per merge in training order).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainBpe, BpeTrainer, type BpeTrainOptions } from '../../src/text/bpe/train.js';
import type { BpeModel } from '../../src/text/bpe/model.js';
import { referenceEncode, referenceTrainBpe, type ReferenceBpeOptions } from '../../src/text/bpe/reference.js';
import { randomCorpus, randomStrings } from './helpers/random-corpus.js';
import { Generator } from '../../src/tensor/random.js';
import { readFileSync } from 'node:fs';

const bases = ['byte', 'char'] as const;
const preTokenizers = ['gpt2', 'cl100k', 'whitespace', 'none'] as const;
const whitespaceModes = ['attach', 'metaspace', 'continuation', 'endOfWord'] as const;
const objectives = ['frequency', 'wordpiece'] as const;

function alphabetSize(model: BpeModel): number {
  return model.alphabet.size + model.specialTokens.size;
}

for (const base of bases) {
  for (const objective of objectives) {
    test(`fast trainer = oracle: base ${base}, objective ${objective}, every pre-tokenizer and whitespace mode`, () => {
      for (const preTokenizer of preTokenizers) {
        for (const whitespace of whitespaceModes) {
          for (const seed of [1, 2]) {
            const corpus = randomCorpus(seed * 7 + preTokenizer.length);
            const merges = 40 + seed * 10;
            const minFrequency = seed === 2 ? 2 : 1;
            const options: BpeTrainOptions = { vocabSize: 0, base, preTokenizer, whitespace, objective, minFrequency, specialTokens: ['<|sep|>'] };
            // vocabSize = specials + alphabet + merges; find the alphabet size from a no-merge model first.
            const probe = trainBpe(corpus, { ...options, vocabSize: 10_000, minFrequency: 1_000_000 });
            options.vocabSize = alphabetSize(probe) + merges;
            const fast = trainBpe(corpus, options);
            const oracle = referenceTrainBpe(corpus, {
              ...(options as Required<Pick<ReferenceBpeOptions, 'base' | 'preTokenizer' | 'whitespace' | 'objective' | 'minFrequency'>>),
              vocabSize: options.vocabSize,
              specialTokens: [...fast.specialTokens.keys()],
            });
            const label = `${base}/${preTokenizer}/${whitespace}/${objective}/seed ${seed}`;
            assert.deepEqual(fast.merges(), oracle.merges, label);
            // The oracle's literal encoding rule on unseen strings and on the corpus itself.
            const unknownId = fast.unknownTokenId ?? -1;
            for (const text of [...randomStrings(seed, 30).filter((s) => base === 'byte' || canEncode(fast, s)), corpus]) {
              assert.deepEqual(fast.encode(text), referenceEncode(text, oracle, unknownId), `${label}: encode ${JSON.stringify(text.slice(0, 40))}`);
            }
          }
        }
      }
    });
  }
}

function canEncode(model: BpeModel, text: string): boolean {
  try {
    model.encode(text);
    return true;
  } catch {
    return false;
  }
}

test('the trainer reaches the vocabulary size exactly when enough pairs exist, and respects minFrequency', () => {
  const corpus = readFileSync(new URL('../../../data/tinyshakespeare.txt', import.meta.url), 'utf8').slice(0, 50_000);
  const model = trainBpe(corpus, { vocabSize: 256 + 100 });
  assert.equal(model.vocabSize, 356);
  assert.equal(model.merges().length, 100);
  // With a high minFrequency training stops early, and every merge was frequent enough
  // (checked with the oracle, which counts pairs from scratch).
  const strict = trainBpe(corpus, { vocabSize: 256 + 500, minFrequency: 50 });
  const oracle = referenceTrainBpe(corpus, { vocabSize: 256 + 500, base: 'byte', preTokenizer: 'gpt2', whitespace: 'attach', objective: 'frequency', minFrequency: 50, specialTokens: [] });
  assert.deepEqual(strict.merges(), oracle.merges);
  assert.ok(strict.merges().length < 500);
});

test('feeding a document in random chunks gives the same model as feeding it whole (every pre-tokenizer, with specials)', () => {
  const gen = new Generator(11);
  const corpus = `${randomCorpus(3, 800)}<|end|>${randomCorpus(4, 400)}<|end|><|end|>tail`;
  for (const preTokenizer of preTokenizers) {
    for (const whitespace of ['attach', 'continuation'] as const) {
      const options: BpeTrainOptions = { vocabSize: 256 + 1 + 60, preTokenizer, whitespace, specialTokens: ['<|end|>'] };
      if (whitespace === 'continuation') options.vocabSize = 512 + 1 + 60;
      const whole = trainBpe(corpus, options);
      const trainer = new BpeTrainer(options);
      for (let i = 0; i < corpus.length; ) {
        const size = gen.randint(1, 40);
        trainer.feed(corpus.slice(i, i + size));
        i += size;
      }
      trainer.endDocument();
      const chunked = trainer.train();
      assert.deepEqual(chunked.merges(), whole.merges(), `${preTokenizer}/${whitespace}`);
      assert.deepEqual(chunked.training, whole.training, `${preTokenizer}/${whitespace}: word counts`);
    }
  }
});

test('tie-break is documented and deterministic: equal counts merge the smaller (left, right) ids first', () => {
  // In "abcd" every pair occurs once: (a, b) has the smallest left id and merges first; then
  // (ab, c) and (c, d) tie again and c (99) < ab (256), so (c, d) is next.
  const model = trainBpe('abcd', { vocabSize: 256 + 2, preTokenizer: 'none' });
  const a = 'a'.charCodeAt(0);
  const c = 'c'.charCodeAt(0);
  assert.deepEqual(model.merges()[0].slice(0, 2), [a, a + 1]);
  assert.deepEqual(model.merges()[1].slice(0, 2), [c, c + 1]);
});

test('WordPiece objective: the pair with the largest count(ab) / (count(a) count(b)) merges first', () => {
  // Hand computation on 5×"th", 5×"te", 2×"qu" (char-level, words split at spaces, end-of-word marks):
  //   counts t: 10, h</w>: 5, e</w>: 5, q: 2, u</w>: 2
  //   (t, h</w>): 5 / (10·5) = 0.1,  (t, e</w>): 0.1,  (q, u</w>): 2 / (2·2) = 0.5  → "qu</w>" first.
  const corpus = `${'th '.repeat(5)}${'te '.repeat(5)}${'qu '.repeat(2)}`;
  // <unk> + 5 letters × {plain, marked} + one merge
  const model = trainBpe(corpus, { vocabSize: 1 + 10 + 1, base: 'char', preTokenizer: 'whitespace', whitespace: 'endOfWord', objective: 'wordpiece' });
  const first = model.merges()[0];
  assert.equal(model.idToToken(first[2]), 'qu</w>');
  const frequency = trainBpe(corpus, { vocabSize: model.vocabSize, base: 'char', preTokenizer: 'whitespace', whitespace: 'endOfWord' });
  // Frequency: (t, h</w>) and (t, e</w>) both 5; e</w> has a smaller id than h</w> (code point order) → "te</w>".
  assert.equal(frequency.idToToken(frequency.merges()[0][2]), 'te</w>');
});

test('errors: empty corpus, vocabulary below the alphabet, unknown variant names', () => {
  assert.throws(() => trainBpe('', { vocabSize: 300 }), /empty corpus/);
  assert.throws(() => trainBpe('   \n ', { vocabSize: 300, whitespace: 'continuation' }), /empty corpus/);
  assert.throws(() => trainBpe('hello', { vocabSize: 100 }), /vocabulary size 100 is below the base alphabet: 0 special token\(s\) \+ 256 base symbols = 256/);
  assert.throws(() => trainBpe('hello', { vocabSize: 300, base: 'chars' as never }), /unknown base unit "chars" \(expected one of byte, char\)/);
  assert.throws(() => trainBpe('hello', { vocabSize: 300, preTokenizer: 'gpt3' as never }), /unknown pre-tokenizer "gpt3"/);
  assert.throws(() => trainBpe('hello', { vocabSize: 300, whitespace: 'strip' as never }), /unknown whitespace mode "strip"/);
  assert.throws(() => trainBpe('hello', { vocabSize: 300, objective: 'unigram' as never }), /unknown objective "unigram"/);
});

test('special tokens are never split in training and get the first ids', () => {
  const corpus = '<|endoftext|>hello<|endoftext|>hello world<|endoftext|>';
  const model = trainBpe(corpus, { vocabSize: 256 + 1 + 20, specialTokens: ['<|endoftext|>'] });
  assert.equal(model.specialTokens.get('<|endoftext|>'), 0);
  // no merge ever contains "<|" or "|>" — the special never reached the word counts
  for (const [, , id] of model.merges()) assert.ok(!(model.idToToken(id) ?? '').includes('|'), model.idToToken(id));
  assert.deepEqual(model.encode('<|endoftext|>hello', { allowedSpecial: 'all' }).slice(0, 1), [0]);
});

test('fast trainer = oracle over hundreds of merges on real text (byte/GPT-2/frequency and char/whitespace/continuation/WordPiece)', () => {
  const text = readFileSync(new URL('../../../data/tinyshakespeare.txt', import.meta.url), 'utf8').slice(0, 20_000);
  const configs: BpeTrainOptions[] = [
    { vocabSize: 256 + 300, base: 'byte', preTokenizer: 'gpt2', whitespace: 'attach', objective: 'frequency', minFrequency: 1 },
    { vocabSize: 1 + 2 * 58 + 300, base: 'char', preTokenizer: 'whitespace', whitespace: 'continuation', objective: 'wordpiece', minFrequency: 2 },
    { vocabSize: 1 + 58 + 300, base: 'char', preTokenizer: 'none', whitespace: 'metaspace', objective: 'frequency', minFrequency: 1 },
  ];
  for (const options of configs) {
    const fast = trainBpe(text, options);
    const oracle = referenceTrainBpe(text, { ...(options as Required<Pick<ReferenceBpeOptions, 'base' | 'preTokenizer' | 'whitespace' | 'objective' | 'minFrequency'>>), vocabSize: fast.vocabSize, specialTokens: [...fast.specialTokens.keys()] });
    assert.ok(fast.merges().length >= 250, `${options.preTokenizer}: ${fast.merges().length} merges`);
    assert.deepEqual(fast.merges(), oracle.merges, `${options.base}/${options.preTokenizer}/${options.whitespace}/${options.objective}`);
  }
});
