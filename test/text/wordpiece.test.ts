/**
 * WordPiece inference against BERT's own test cases (google-research/bert,
 * tokenization_test.py) and a brute-force check of greedy longest-match-first;
 * WordPiece training on top of the BPE trainer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bertBasicTokenize, trainWordPiece, WordPieceTokenizer } from '../../src/text/wordpiece.js';
import { loadTokenizer } from '../../src/text/load.js';
import { loadHuggingFaceTokenizer, toHuggingFaceJson } from '../../src/text/formats/index.js';
import { Generator } from '../../src/tensor/random.js';

const BERT_TEST_VOCAB = ['[UNK]', '[CLS]', '[SEP]', 'want', '##want', '##ed', 'wa', 'un', 'runn', '##ing', ','];

test('BERT tokenization_test: test_wordpiece_tokenizer', () => {
  const tok = WordPieceTokenizer.fromVocabText(`${BERT_TEST_VOCAB.join('\n')}\n`);
  const pieces = (text: string): string[] => tok.encode(text).map((id) => tok.idToToken(id) as string);
  assert.deepEqual(pieces(''), []);
  assert.deepEqual(pieces('unwanted running'), ['un', '##want', '##ed', 'runn', '##ing']);
  assert.deepEqual(pieces('unwantedX running'), ['[UNK]', 'runn', '##ing']);
});

test('BERT tokenization_test: basic tokenizer (lower, no lower, Chinese, accents)', () => {
  assert.deepEqual(bertBasicTokenize(' \tHeLLo!how  \n Are yoU?  '), ['hello', '!', 'how', 'are', 'you', '?']);
  assert.deepEqual(bertBasicTokenize('H\u00E9llo'), ['hello']);
  assert.deepEqual(bertBasicTokenize(' \tHeLLo!how  \n Are yoU?  ', { lowercase: false }), ['HeLLo', '!', 'how', 'Are', 'yoU', '?']);
  assert.deepEqual(bertBasicTokenize('ah\u535A\u63A8zz'), ['ah', '\u535A', '\u63A8', 'zz']);
  // control characters vanish, ASCII symbols count as punctuation
  assert.deepEqual(bertBasicTokenize('a\u0000b\u0007c $5^`'), ['abc', '$', '5', '^', '`']);
});

test('greedy longest-match-first equals a brute-force search on random vocabularies', () => {
  const gen = new Generator(4);
  const letters = 'abcd';
  for (let trial = 0; trial < 50; trial++) {
    const vocab = new Set(['[UNK]']);
    for (let i = 0; i < 15; i++) {
      let piece = '';
      for (let k = gen.randint(1, 4); k > 0; k--) piece += letters[gen.randint(0, 4)];
      vocab.add(gen.random() < 0.5 ? piece : `##${piece}`);
    }
    const tok = new WordPieceTokenizer([...vocab]);
    for (let w = 0; w < 20; w++) {
      let word = '';
      for (let k = gen.randint(1, 9); k > 0; k--) word += letters[gen.randint(0, 4)];
      // Brute force: at each position try every length, longest first.
      const expected: string[] = [];
      let start = 0;
      let bad = false;
      while (start < word.length && !bad) {
        let matched = '';
        for (let end = word.length; end > start; end--) {
          const piece = (start > 0 ? '##' : '') + word.slice(start, end);
          if (vocab.has(piece)) {
            matched = piece;
            start = end;
            break;
          }
        }
        if (!matched) bad = true;
        else expected.push(matched);
      }
      const actual = tok.encode(word).map((id) => tok.idToToken(id));
      assert.deepEqual(actual, bad ? ['[UNK]'] : expected, `${[...vocab].join(' ')} | ${word}`);
    }
  }
});

test('words over maxInputCharsPerWord become [UNK]; decode glues ## pieces; specials', () => {
  const tok = new WordPieceTokenizer(BERT_TEST_VOCAB, { maxInputCharsPerWord: 5 });
  assert.deepEqual(tok.encode('running'), [0]);
  const full = new WordPieceTokenizer(BERT_TEST_VOCAB);
  assert.equal(full.decode(full.encode('unwanted, running')), 'unwanted , running');
  assert.deepEqual([...full.specialTokens.keys()], ['[UNK]', '[CLS]', '[SEP]']);
  assert.deepEqual(full.encode('[CLS] running [SEP]', { allowedSpecial: 'all' }), [1, 8, 9, 2]);
  assert.throws(() => new WordPieceTokenizer(['a', 'b']), /field "unkToken": "\[UNK\]" is not in the vocabulary/);
});

test('trainWordPiece learns a vocabulary (likelihood objective) that covers its corpus without [UNK]', () => {
  const text = readFileSync(new URL('../../../data/tinyshakespeare.txt', import.meta.url), 'utf8').slice(0, 100_000);
  const tok = trainWordPiece(text, { vocabSize: 800, lowercase: true });
  assert.equal(tok.vocabSize, 800);
  assert.deepEqual(tok.vocab.slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  const ids = tok.encode(text);
  assert.ok(!ids.includes(tok.unknownTokenId));
  // Lowercased, punctuation split, ## pieces glued back.
  assert.equal(tok.decode(tok.encode('First Citizen: Before we proceed')), 'first citizen : before we proceed');
  const back = loadTokenizer(tok.save());
  assert.deepEqual(back.encode(text.slice(0, 3000)), tok.encode(text.slice(0, 3000)));
  const fromTxt = WordPieceTokenizer.fromVocabText(tok.vocabText());
  assert.deepEqual(fromTxt.encode(text.slice(0, 3000)), tok.encode(text.slice(0, 3000)));
});

test('trainWordPiece keeps case by default (as the CLI and the BPE wordpiece variant); lowercase: true makes it uncased', () => {
  const corpus = 'Hello hello HELLO world World '.repeat(20);
  const cased = trainWordPiece(corpus, { vocabSize: 60 });
  assert.equal(cased.lowercase, false);
  assert.equal(cased.decode(cased.encode('Hello World')), 'Hello World');
  const uncased = trainWordPiece(corpus, { vocabSize: 60, lowercase: true });
  assert.equal(uncased.lowercase, true);
  assert.equal(uncased.decode(uncased.encode('Hello World')), 'hello world');
});

test('a repeated vocabulary token: encode uses its last id (as BERT); tokenizer.json export refuses (it holds one id per token), vocab.txt keeps every id', () => {
  const vocab = ['[PAD]', '[UNK]', 'a', '##b', 'a', 'c'];
  const tok = new WordPieceTokenizer(vocab);
  assert.deepEqual(tok.encode('ab c'), [4, 3, 5]);
  assert.throws(() => toHuggingFaceJson(tok), /lists "a" twice \(ids 2 and 4\).*would lose id 2.*vocab\.txt/);
  const fromTxt = WordPieceTokenizer.fromVocabText(tok.vocabText());
  assert.deepEqual(fromTxt.encode('ab c'), [4, 3, 5]);
  // Without the repeat the export loads back to the same ids.
  const plain = new WordPieceTokenizer(['[PAD]', '[UNK]', 'a', '##b', 'c']);
  assert.deepEqual(loadHuggingFaceTokenizer(toHuggingFaceJson(plain)).encode('ab c'), plain.encode('ab c'));
});
