/**
 * Generation and scoring on a real KV-cached model (a tiny random GPT): beam
 * search branches states freely, so every hypothesis' log-probability must equal
 * rescoring its tokens from scratch; rankChoices branches from one prompt state;
 * and sliding-window perplexity equals an oracle built from plain, uncached
 * forward passes over each token's window.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GPT, Generator, Tensor, init, noGrad } from '../../src/index.js';
import { beamSearch } from '../../src/lm/beam-search.js';
import { generate } from '../../src/lm/generate.js';
import { rankChoices } from '../../src/lm/rank.js';
import { evaluateTokens } from '../../src/lm/perplexity.js';
import { scoreContinuation } from '../../src/lm/score.js';

const V = 13;
const BLOCK = 8;

function tinyGPT(seed: number): GPT {
  const generator = new Generator(seed);
  const model = new GPT({ vocabSize: V, blockSize: BLOCK, nLayer: 2, nHead: 2, nEmbd: 8 }, { dtype: 'float64', generator });
  // Wider weights than the 0.02 init, so the distributions are far from uniform.
  for (const [, p] of model.namedParameters()) init.normal(p, 0, 0.5, { generator });
  return model;
}

/** ln p(token | context) from one full forward over `context` (the oracle; context length ≤ blockSize). */
function oracleLogProb(model: GPT, context: readonly number[], token: number): number {
  const logits = noGrad(() => model.forward(new Tensor(Int32Array.from(context), [1, context.length])).logits);
  const last = Array.from(logits.data.subarray((context.length - 1) * V, context.length * V));
  const max = Math.max(...last);
  const logZ = max + Math.log(last.reduce((s, x) => s + Math.exp(x - max), 0));
  return last[token] - logZ;
}

test('beam search on a KV-cached GPT: each hypothesis rescored from scratch gives its log-probability', () => {
  const lm = tinyGPT(1).asLanguageModel({ endToken: 12 });
  const prompt = [3, 1, 4];
  const hyps = beamSearch(lm, prompt, { beamWidth: 4, maxTokens: 4, numReturn: 4, lengthPenalty: 0.7 });
  assert.equal(hyps.length, 4);
  for (const h of hyps) {
    const tokens = h.finished ? [...h.tokens, 12] : h.tokens;
    const rescored = scoreContinuation(lm, prompt, tokens).logProb;
    assert.ok(Math.abs(rescored - h.logProb) < 1e-10, `${tokens}: ${h.logProb} vs ${rescored}`);
    assert.deepEqual(Array.from(h.state.tokens), [...prompt, ...h.tokens]);
  }
  for (let i = 1; i < hyps.length; i++) assert.ok(hyps[i - 1].score >= hyps[i].score);
  const [one] = beamSearch(lm, prompt, { beamWidth: 1, maxTokens: 6, lengthPenalty: 0 });
  assert.deepEqual(one.tokens, generate(lm, prompt, { maxTokens: 6, temperature: 0 }).tokens);
});

test('rankChoices on a GPT: branching from the shared prompt state equals scoring each choice alone', () => {
  const lm = tinyGPT(2).asLanguageModel();
  const prompt = [5, 6, 7];
  const choices = [[1], [2, 3], [4, 4, 4], [9, 0]];
  const r = rankChoices(lm, prompt, choices, { normalize: 'token' });
  choices.forEach((c, i) => {
    const alone = scoreContinuation(lm, prompt, c).logProb;
    assert.ok(Math.abs(r.choices[i].logProb - alone) < 1e-10);
  });
});

test('sliding-window perplexity on a GPT equals uncached forwards over each token\'s window', () => {
  const model = tinyGPT(3);
  const lm = model.asLanguageModel();
  const g = new Generator(9);
  const ids = Array.from({ length: 23 }, () => g.randint(0, V));
  for (const stride of [BLOCK, 3]) {
    let want = 0;
    for (let t = 1; t < ids.length; t++) {
      // HF's loop with windows of blockSize + 1 tokens: context t (first window), then between blockSize + 1 − stride and blockSize.
      const c = t <= BLOCK ? t : BLOCK + 1 - stride + ((t - BLOCK - 1) % stride);
      want += oracleLogProb(model, ids.slice(t - c, t), ids[t]);
    }
    const r = evaluateTokens(lm, ids, { contextLength: BLOCK, stride, skipFirstToken: true });
    assert.equal(r.tokens, ids.length - 1);
    assert.ok(Math.abs(r.logProb - want) < 1e-9, `stride ${stride}: ${r.logProb} vs ${want}`);
  }
});
