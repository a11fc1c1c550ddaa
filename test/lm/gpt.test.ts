/**
 * GPT: configuration and its errors, parameter names and initialization
 * (nanoGPT's), the forward pass's checks and loss, gradients against finite
 * differences (float64 gradcheck, both autodiff modes), every architecture
 * variant, determinism, and learning (overfitting a short string).
 * PyTorch equality is in gpt-pytorch.test.ts, the KV cache in gpt-kv-cache.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AdamW, GPT, GPTConfigError, Generator, Tensor, functionalCall, gptConfigToJSON, gradcheck, logSoftmax, resolveGPTConfig,
  type GPTConfigInput,
} from '../../src/index.js';

const TINY: GPTConfigInput = { vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 2, nEmbd: 4 };
const ids = (rows: number[][]): Tensor => new Tensor(Int32Array.from(rows.flat()), [rows.length, rows[0].length]);

describe('GPT config', () => {
  test('defaults are nanoGPT\'s and the config is plain JSON', () => {
    const config = resolveGPTConfig(TINY);
    assert.deepEqual(config, { ...TINY, dropout: 0, bias: true, norm: 'pre', positions: 'learned', tieWeights: true, activation: 'gelu', layerNormEps: 1e-5 });
    const json = JSON.parse(JSON.stringify(gptConfigToJSON(config))) as GPTConfigInput;
    assert.deepEqual(new GPT(json).config, config);
  });

  test('bad configs: every problem at once, each saying what to change', () => {
    const bad = (input: object, pattern: RegExp): void => {
      assert.throws(() => new GPT(input as GPTConfigInput), (err: Error) => err instanceof GPTConfigError && pattern.test(err.message));
    };
    bad({ ...TINY, nEmbd: 10, nHead: 4 }, /nEmbd 10 is not divisible by nHead 4.*change nHead to a divisor of 10 \(e\.g\. 1, 2, 5, 10\) or nEmbd to a multiple of 4 \(e\.g\. 12\)/);
    bad({ ...TINY, blockSize: 0 }, /blockSize must be a positive integer, got 0/);
    bad({ ...TINY, vocabSize: -3 }, /vocabSize must be a positive integer, got -3/);
    bad({ ...TINY, nLayer: 1.5 }, /nLayer must be a positive integer, got 1\.5/);
    bad({ ...TINY, dropout: 1 }, /dropout must be a probability in \[0, 1\), got 1/);
    bad({ ...TINY, norm: 'middle' }, /norm must be 'pre' \(GPT-2\) or 'post'/);
    bad({ ...TINY, positions: 'rotary' }, /positions must be 'learned'/);
    bad({ ...TINY, activation: 'relu' }, /activation must be 'gelu'.*'geluTanh'/);
    bad({ ...TINY, n_layer: 2 }, /unknown key 'n_layer' \(lmkit calls it 'nLayer'/);
    bad({ vocabSize: 5, blockSize: 4, nLayer: 1, nEmbd: 4 }, /nHead is required/);
    assert.throws(() => new GPT({ ...TINY, blockSize: 0, dropout: -1 }), /blockSize.*\n.*dropout/s);
  });
});

describe('GPT parameters and initialization', () => {
  test('names are nanoGPT\'s; the tied head is one Parameter listed once, saved under both names', () => {
    const model = new GPT({ ...TINY, nLayer: 2 });
    const layer = (i: number): string[] => ['ln_1.weight', 'ln_1.bias', 'attn.c_attn.weight', 'attn.c_attn.bias', 'attn.c_proj.weight', 'attn.c_proj.bias',
      'ln_2.weight', 'ln_2.bias', 'mlp.c_fc.weight', 'mlp.c_fc.bias', 'mlp.c_proj.weight', 'mlp.c_proj.bias'].map((n) => `transformer.h.${i}.${n}`);
    const params = ['transformer.wte.weight', 'transformer.wpe.weight', ...layer(0), ...layer(1), 'transformer.ln_f.weight', 'transformer.ln_f.bias'];
    assert.deepEqual(model.namedParameters().map(([n]) => n), params);
    const state = model.stateDict();
    assert.deepEqual(Object.keys(state).sort(), [...params, 'lm_head.weight'].sort());
    assert.equal(state['lm_head.weight'].data, state['transformer.wte.weight'].data, 'same storage');
    assert.equal(model.lmHead.weight, model.transformer.wte.weight);
    const shapes = Object.fromEntries(Object.entries(state).map(([n, t]) => [n, [...t.shape]]));
    assert.deepEqual(shapes['transformer.h.1.attn.c_attn.weight'], [12, 4]); // nn.Linear (out, in)
    assert.deepEqual(shapes['transformer.h.1.mlp.c_fc.weight'], [16, 4]);
    assert.deepEqual(shapes['transformer.wpe.weight'], [4, 4]);
    const untied = new GPT({ ...TINY, tieWeights: false, bias: false, positions: 'sinusoidal', norm: 'post' });
    const names = untied.namedParameters().map(([n]) => n);
    assert.ok(names.includes('lm_head.weight') && !names.some((n) => n.endsWith('.bias') || n.includes('wpe') || n.includes('ln_f')), names.join(', '));
  });

  test('numParameters: nanoGPT\'s count, with and without position embeddings', () => {
    const c = { vocabSize: 11, blockSize: 7, nLayer: 3, nHead: 2, nEmbd: 6 };
    const C = c.nEmbd;
    const perLayer = 2 * C + (3 * C * C + 3 * C) + (C * C + C) + 2 * C + (4 * C * C + 4 * C) + (4 * C * C + C);
    const total = c.vocabSize * C + c.blockSize * C + c.nLayer * perLayer + 2 * C;
    const model = new GPT(c);
    assert.equal(model.numParameters(), total);
    assert.equal(model.numParameters({ excludePositionEmbeddings: true }), total - c.blockSize * C);
    assert.equal(new GPT({ ...c, tieWeights: false }).numParameters(), total + c.vocabSize * C);
  });

  test('init: N(0, 0.02²), residual projections N(0, (0.02/√(2·nLayer))²), zero biases, LayerNorm ones', () => {
    const nLayer = 3;
    const model = new GPT({ vocabSize: 300, blockSize: 64, nLayer, nHead: 4, nEmbd: 64 }, { generator: new Generator(5) });
    const std = (t: Tensor): number => {
      let s = 0, s2 = 0;
      for (const v of t.data) { s += v; s2 += v * v; }
      const mean = s / t.size;
      return Math.sqrt(s2 / t.size - mean * mean);
    };
    const state = model.stateDict();
    const near = (name: string, want: number): void => {
      const got = std(state[name]);
      assert.ok(Math.abs(got / want - 1) < 0.05, `${name}: std ${got}, want ${want}`);
    };
    near('transformer.wte.weight', 0.02);
    near('transformer.wpe.weight', 0.02);
    near('transformer.h.1.attn.c_attn.weight', 0.02);
    near('transformer.h.1.mlp.c_fc.weight', 0.02);
    near('transformer.h.1.attn.c_proj.weight', 0.02 / Math.sqrt(2 * nLayer));
    near('transformer.h.2.mlp.c_proj.weight', 0.02 / Math.sqrt(2 * nLayer));
    assert.ok(state['transformer.h.0.attn.c_attn.bias'].data.every((v) => v === 0));
    assert.ok(state['transformer.h.0.ln_2.weight'].data.every((v) => v === 1));
    assert.ok(state['transformer.ln_f.bias'].data.every((v) => v === 0));
  });

  test('deterministic: the same seed gives the same weights, another seed others', () => {
    const weights = (seed: number): number[] => Array.from(new GPT(TINY, { generator: new Generator(seed) }).parameters().flatMap((p) => Array.from(p.data)));
    assert.deepEqual(weights(3), weights(3));
    assert.notDeepEqual(weights(3), weights(4));
  });
});

describe('GPT forward', () => {
  test('logits (B, T, V); loss = mean cross-entropy over non-ignored targets (−1 skipped)', () => {
    const model = new GPT({ ...TINY, blockSize: 6 }, { dtype: 'float64', generator: new Generator(2) });
    const idx = ids([[1, 2, 3, 4, 0, 1], [4, 4, 0, 2, 1, 3]]);
    const targets = ids([[2, 3, -1, 0, 1, 2], [4, 0, 2, 1, 3, -1]]);
    const { logits, loss } = model.forward(idx, targets);
    assert.deepEqual([...logits.shape], [2, 6, 5]);
    const logProbs = logSoftmax(logits, -1).data;
    let sum = 0, count = 0;
    targets.data.forEach((t, i) => { if (t >= 0) { sum -= logProbs[i * 5 + t]; count++; } });
    assert.ok(Math.abs((loss as Tensor).item() - sum / count) < 1e-12);
    assert.equal(model.forward(idx).loss, null);
    // Causality: changing a later token never changes earlier logits.
    const changed = model.forward(ids([[1, 2, 3, 0, 0, 1], [4, 4, 0, 2, 1, 3]])).logits;
    assert.deepEqual(Array.from(changed.data.subarray(0, 3 * 5)), Array.from(logits.data.subarray(0, 3 * 5)));
    assert.notDeepEqual(Array.from(changed.data.subarray(3 * 5, 4 * 5)), Array.from(logits.data.subarray(3 * 5, 4 * 5)));
  });

  test('bad input: clear errors', () => {
    const model = new GPT(TINY);
    assert.throws(() => model.forward(ids([[1, 2, 3, 4, 0]])), /sequence length 5 exceeds blockSize 4; crop the input to its last 4 tokens/);
    assert.throws(() => model.forward(new Tensor(new Float32Array([1, 2]), [1, 2])), /idx must be an int32 tensor of token ids, got float32/);
    assert.throws(() => model.forward(new Tensor(new Int32Array([1, 2]), [2])), /idx has shape \[2\], expected \(B, T\)/);
    assert.throws(() => model.forward(ids([[1, 2], [3, 5]])), /token id 5 at \[1, 1\] is outside the vocabulary 0…4/);
    assert.throws(() => model.forward(ids([[1, 2]]), ids([[1, 2, 3]])), /targets have shape \[1, 3\], expected \[1, 2\]/);
    assert.throws(() => model.forward(ids([[1, 2]]), ids([[1, 7]])), /target 7 at \[0, 1\] is outside the vocabulary 0…4 \(use -1 to ignore/);
    assert.throws(() => model.forward(ids([[1, 2]]), new Tensor(new Float32Array([1, 2]), [1, 2])), /targets must be an int32 tensor/);
  });

  test('every variant (norm × positions × bias × tying × activation) constructs, runs forward and backward', () => {
    for (const norm of ['pre', 'post'] as const) {
      for (const positions of ['learned', 'sinusoidal'] as const) {
        for (const bias of [true, false]) {
          for (const tieWeights of [true, false]) {
            const config = { ...TINY, norm, positions, bias, tieWeights, activation: bias ? 'gelu' : 'geluTanh' } as const;
            const model = new GPT(config, { generator: new Generator(1) });
            const { logits, loss } = model.forward(ids([[0, 1, 2, 3], [3, 2, 1, 0]]), ids([[1, 2, 3, 4], [2, 1, 0, -1]]));
            assert.deepEqual([...logits.shape], [2, 4, 5]);
            (loss as Tensor).backward();
            const label = JSON.stringify(config);
            assert.ok(Number.isFinite((loss as Tensor).item()), label);
            for (const [name, p] of model.namedParameters()) assert.ok(p.grad && p.grad.data.every(Number.isFinite), `${label}: ${name} has a finite gradient`);
          }
        }
      }
    }
  });

  test('dropout: active only in training mode, drawn from the model\'s generator', () => {
    const run = (seed: number, training: boolean): number[] => {
      const model = new GPT({ ...TINY, dropout: 0.3 }, { generator: new Generator(seed) });
      model.train(training);
      return Array.from(model.forward(ids([[0, 1, 2, 3]])).logits.data);
    };
    assert.deepEqual(run(1, true), run(1, true), 'reproducible from the seed');
    assert.notDeepEqual(run(1, true), run(1, false), 'dropout changes training-mode outputs');
    const evalModel = new GPT({ ...TINY, dropout: 0.3 }, { generator: new Generator(1) }).eval();
    const x = ids([[0, 1, 2, 3]]);
    assert.deepEqual(Array.from(evalModel.forward(x).logits.data), Array.from(evalModel.forward(x).logits.data), 'eval is deterministic');
  });
});

describe('GPT gradients against finite differences (float64, reverse and forward mode)', () => {
  const cases: [string, GPTConfigInput, string[]][] = [
    ['pre-norm, tied, learned', TINY, ['transformer.wte.weight', 'transformer.wpe.weight', 'transformer.h.0.attn.c_attn.weight', 'transformer.h.0.ln_1.weight', 'transformer.h.0.mlp.c_proj.bias', 'transformer.ln_f.bias']],
    ['post-norm, untied, sinusoidal, tanh GELU', { ...TINY, norm: 'post', tieWeights: false, positions: 'sinusoidal', activation: 'geluTanh' }, ['lm_head.weight', 'transformer.h.0.attn.c_proj.weight', 'transformer.h.0.ln_2.bias', 'transformer.h.0.mlp.c_fc.weight']],
  ];
  for (const [name, config, params] of cases) {
    test(name, () => {
      const model = new GPT(config, { dtype: 'float64', generator: new Generator(9) });
      // Wider weights than the init so the loss is sensitive to every parameter.
      for (const p of model.parameters()) for (let i = 0; i < p.size; i++) p.data[i] += 0.3 * Math.sin(7 * i + p.size);
      const idx = ids([[0, 3, 1, 4], [2, 2, 4, 1]]);
      const targets = ids([[3, 1, 4, 2], [2, -1, 1, 0]]);
      const named = new Map(model.namedParameters());
      for (const param of params) {
        const p = named.get(param) as Tensor;
        const loss = (w: Tensor): Tensor => functionalCall(model, { [param]: w }, () => model.forward(idx, targets).loss as Tensor);
        assert.equal(gradcheck(loss, [p.detach()], { atol: 1e-7, rtol: 1e-5 }), true, param);
      }
    });
  }
});

test('learns: overfits a 30-character string to loss < 0.1 with AdamW', () => {
  const text = 'the quick brown fox jumps over';
  const vocab = [...new Set(text)].sort();
  const encoded = Array.from(text, (ch) => vocab.indexOf(ch));
  const T = encoded.length - 1;
  const model = new GPT({ vocabSize: vocab.length, blockSize: 32, nLayer: 2, nHead: 2, nEmbd: 32 }, { generator: new Generator(1337) });
  const optimizer = new AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0 });
  const x = ids([encoded.slice(0, T)]), y = ids([encoded.slice(1)]);
  let loss = Infinity;
  const first = (model.forward(x, y).loss as Tensor).item();
  for (let step = 0; step < 150 && loss >= 0.1; step++) {
    optimizer.zeroGrad();
    const l = model.forward(x, y).loss as Tensor;
    l.backward();
    optimizer.step();
    loss = l.item();
  }
  assert.ok(first > 2, `starts near ln(${vocab.length}) = ${Math.log(vocab.length).toFixed(2)}, got ${first}`);
  assert.ok(loss < 0.1, `loss after training ${loss}`);
  // Greedy continuation through the cached LanguageModel reproduces the text.
  const lm = model.eval().asLanguageModel();
  let state = lm.advance(lm.initialState(), encoded[0]);
  let out = vocab[encoded[0]];
  for (let i = 1; i < text.length; i++) {
    const lp = lm.nextLogProbs(state);
    const next = lp.indexOf(Math.max(...lp));
    out += vocab[next];
    state = lm.advance(state, next);
  }
  assert.equal(out, text);
});
