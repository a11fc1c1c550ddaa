/**
 * Perplexity behaves as expected on Shakespeare: lower on the training text than
 * on held-out text; on the training text it falls as the order grows; held out,
 * Kneser–Ney beats add-one; the per-token sum equals the model's own query.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { evaluatePerplexity } from '../../src/lm/score.js';
import { NgramVocabulary, textToCorpus, trainNgram, UNK_ID, type NgramModel, type Smoothing } from '../../src/lm/ngram/index.js';

const text = readFileSync(fileURLToPath(new URL('../../../data/tinyshakespeare.txt', import.meta.url)), 'utf8');
const allLines = text.split('\n');
const cut = Math.floor(allLines.length * 0.9);
const trainText = allLines.slice(0, cut).join('\n');
const heldText = allLines.slice(cut).join('\n');

function sentences(m: NgramModel, t: string): Int32Array[] {
  const c = textToCorpus(t, { kind: 'word' }, m.vocab as NgramVocabulary, { grow: false, padding: true });
  const out: Int32Array[] = [];
  for (let s = 0; s + 1 < c.starts.length; s++) out.push(c.ids.subarray(c.starts[s], c.starts[s + 1]));
  return out;
}

const ppl = (m: NgramModel, t: string): number => evaluatePerplexity(m, sentences(m, t), { unknownToken: UNK_ID }).perplexity;
const train = (order: number, smoothing: Smoothing): NgramModel => trainNgram(trainText, { order, smoothing }).model;

test('training perplexity < held-out perplexity, and training perplexity falls with the order', () => {
  const trainSample = allLines.slice(0, 2000).join('\n');
  let previous = Infinity;
  for (const order of [1, 2, 3, 4]) {
    const m = train(order, 'mkn');
    const onTrain = ppl(m, trainSample);
    const onHeld = ppl(m, heldText);
    assert.ok(onTrain < onHeld, `order ${order}: train ${onTrain} vs held-out ${onHeld}`);
    assert.ok(onTrain < previous, `order ${order}: train perplexity ${onTrain} should fall (was ${previous})`);
    previous = onTrain;
  }
});

test('held out, Kneser-Ney (modified and plain) beats Witten-Bell beats add-one', () => {
  const held = (s: Smoothing): number => ppl(train(3, s), heldText);
  const mkn = held('mkn');
  const kn = held('kn');
  const wb = held('wb');
  const laplace = held('addk');
  assert.ok(mkn < wb && kn < wb, `mkn ${mkn}, kn ${kn}, wb ${wb}`);
  assert.ok(wb < laplace, `wb ${wb}, add-one ${laplace}`);
});

test('OOVs are reported separately and per-token scores add up to the sentence score', () => {
  const m = train(3, 'mkn');
  const r = evaluatePerplexity(m, sentences(m, heldText), { unknownToken: UNK_ID });
  assert.ok(r.oovs > 0);
  assert.ok(r.perplexityExcludingOovs < r.perplexity);
  // The word unit splits 'ROMEO:' as the word tokenizer does: ROMEO :
  const words = ['ROMEO', ':', 'zzzunseen', 'is', 'here', '</s>'];
  let state = m.initialState();
  let total = 0;
  for (const w of words) {
    const id = m.vocab.id(w);
    total += m.log10Prob(state, id);
    state = m.advance(state, id);
  }
  const seq = sentences(m, 'ROMEO: zzzunseen is here')[0];
  const got = evaluatePerplexity(m, [seq], { unknownToken: UNK_ID });
  assert.ok(Math.abs(got.log10Prob - total) < 1e-9);
  assert.equal(got.oovs, 1);
  assert.equal(got.tokens, 6);
});
