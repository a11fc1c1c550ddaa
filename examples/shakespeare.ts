/**
 * The main job (`npm start`): train language models on the bundled tiny-shakespeare,
 * report held-out perplexity, and print samples. Today these are the n-gram models
 * (seed 000: condition on the last n−1 tokens, learn by counting, sample by rolling
 * a weighted die per context); the GPT run replaces them when the neural-LM issue lands.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { evaluatePerplexity, generate, Generator, trainNgram, UNK_ID, type NgramModel } from '../src/index.js';
import { createProgress, formatTable } from '../src/node/index.js';

const seed = Number(process.argv.find((a) => a.startsWith('--seed='))?.slice(7) ?? 1);
const text = readFileSync(fileURLToPath(new URL('../../data/tinyshakespeare.txt', import.meta.url)), 'utf8');
// nanoGPT's split: the first 90% for training, the last 10% held out (cut at a line boundary).
const cut = text.lastIndexOf('\n', Math.floor(text.length * 0.9)) + 1;
const train = text.slice(0, cut), held = text.slice(cut);
console.log(`tiny-shakespeare: ${text.length} characters, ${train.length} for training, ${held.length} held out`);

function trainWithProgress(label: string, unit: 'word' | 'char', order: number): NgramModel {
  const bar = createProgress(`${label} counting`, 1, { unit: 'tokens' });
  const start = performance.now();
  const { model } = trainNgram(train, {
    order, smoothing: 'mkn', unit: { kind: unit },
    // Character alphabets are too small to estimate unigram discounts from count-of-counts: use lmplz's fallback.
    ...(unit === 'char' ? { discountFallback: [0.5, 1, 1.5] } : {}),
    onProgress: (done, total) => bar.update(done, { total }),
  });
  bar.stop();
  console.log(`${label}: ${model.ngramCounts().reduce((a, b) => a + b, 0)} n-grams in ${((performance.now() - start) / 1000).toFixed(2)} s`);
  return model;
}

function heldOutIds(model: NgramModel, unit: 'word' | 'char'): number[][] {
  if (unit === 'char') return [Array.from(held, (c) => model.vocab.id(c))];
  return held.split('\n').filter((l) => l.trim()).map((l) => l.trim().split(/\s+/).map((w) => model.vocab.id(w)));
}

const rows: (string | number)[][] = [];
const samples: string[] = [];
for (const [label, unit, order] of [['word 5-gram', 'word', 5], ['char 8-gram', 'char', 8]] as const) {
  const model = trainWithProgress(label, unit, order);
  const report = evaluatePerplexity(model, heldOutIds(model, unit), { unknownToken: UNK_ID });
  rows.push([label, report.tokens, report.oovs, report.perplexity, report.perplexityExcludingOovs, report.crossEntropyBits]);
  const prompt = unit === 'char' ? Array.from('ROMEO:\n', (c) => model.vocab.id(c)) : [model.vocab.id('ROMEO:')];
  const parts: string[] = [];
  const generator = new Generator(seed);
  for (let line = 0; line < (unit === 'char' ? 1 : 8); line++) {
    const { tokens } = generate(model, line === 0 ? prompt : [], { maxTokens: unit === 'char' ? 300 : 30, temperature: 1, generator });
    const all = line === 0 ? [...prompt, ...tokens] : tokens;
    parts.push(all.filter((id) => id !== model.endToken).map((id) => model.vocab.word(id)).join(unit === 'char' ? '' : ' '));
  }
  samples.push(`--- ${label} sample (seed ${seed}) ---\n${parts.join('\n')}`);
}
console.log(`\nheld-out evaluation (last 10% of the text):\n${formatTable(['model', 'tokens', 'OOVs', 'perplexity', 'ppl excl. OOVs', 'bits/token'], rows)}\n`);
console.log(samples.join('\n\n'));
