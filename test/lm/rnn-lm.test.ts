/**
 * RNN-LM: configuration and its errors, parameter names, shapes and
 * initialization, the forward pass's checks, gradients against finite
 * differences (float64 gradcheck, both autodiff modes) for every cell,
 * dropout, truncated BPTT (values carried, gradients cut), and learning
 * (each cell overfits a short string). PyTorch equality is in
 * rnn-lm-pytorch.test.ts, the LanguageModel adapter in rnn-lm-language-model.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AdamW, Generator, RNNLM, RNNLMConfigError, Tensor, add, functionalCall, gradcheck, mul, resolveRNNLMConfig, rnnLMConfigToJSON, sum,
  type RNNLMCell, type RNNLMConfigInput, type RNNState,
} from '../../src/index.js';

const CELLS: readonly RNNLMCell[] = ['lstm', 'gru', 'rnn'];
const GATES: Record<RNNLMCell, number> = { rnn: 1, lstm: 4, gru: 3 };
const ids = (rows: number[][]): Tensor => new Tensor(Int32Array.from(rows.flat()), [rows.length, rows[0].length]);

describe('RNN-LM config', () => {
  test('defaults (word_language_model\'s LSTM, 1 layer, no dropout, untied); embeddingSize defaults to hiddenSize; plain JSON', () => {
    const config = resolveRNNLMConfig({ vocabSize: 7, hiddenSize: 5 });
    assert.deepEqual(config, { vocabSize: 7, hiddenSize: 5, embeddingSize: 5, cell: 'lstm', numLayers: 1, dropout: 0, nonlinearity: 'tanh', tieWeights: false });
    const full = resolveRNNLMConfig({ vocabSize: 7, cell: 'rnn', embeddingSize: 3, hiddenSize: 5, numLayers: 2, dropout: 0.25, nonlinearity: 'relu' });
    const json = JSON.parse(JSON.stringify(rnnLMConfigToJSON(full))) as RNNLMConfigInput;
    assert.deepEqual(json, { vocabSize: 7, cell: 'rnn', embeddingSize: 3, hiddenSize: 5, numLayers: 2, dropout: 0.25, nonlinearity: 'relu', tieWeights: false });
    assert.deepEqual(new RNNLM(json).config, full);
  });

  test('bad configs: every problem at once, each saying what to change', () => {
    const bad = (input: object, pattern: RegExp): void => {
      assert.throws(() => new RNNLM(input as RNNLMConfigInput), (err: Error) => err instanceof RNNLMConfigError && pattern.test(err.message), String(pattern));
    };
    const base = { vocabSize: 7, hiddenSize: 5 };
    bad({ ...base, embeddingSize: 4, tieWeights: true }, /tieWeights needs embeddingSize === hiddenSize.*got embeddingSize 4 and hiddenSize 5: make them equal or set tieWeights: false/);
    bad({ ...base, cell: 'transformer' }, /cell must be 'lstm', 'gru' or 'rnn' \(Elman\), got "transformer"/);
    bad({ ...base, cell: 'lstm', nonlinearity: 'relu' }, /nonlinearity 'relu' applies only to cell 'rnn'.*LSTM has fixed sigmoid\/tanh gates.*remove nonlinearity or set cell: 'rnn'/);
    bad({ ...base, cell: 'gru', nonlinearity: 'sigmoid' }, /nonlinearity 'sigmoid' applies only to cell 'rnn'/);
    bad({ ...base, cell: 'rnn', nonlinearity: 'gelu' }, /nonlinearity must be 'tanh', 'relu' or 'sigmoid'/);
    bad({ ...base, dropout: 1 }, /dropout must be a probability in \[0, 1\), got 1/);
    bad({ ...base, dropout: -0.1 }, /dropout must be a probability in \[0, 1\), got -0\.1/);
    bad({ ...base, numLayers: 0 }, /numLayers must be a positive integer, got 0/);
    bad({ ...base, embeddingSize: 2.5 }, /embeddingSize must be a positive integer, got 2\.5/);
    bad({ ...base, tieWeights: 'yes' }, /tieWeights must be true or false/);
    bad({ ...base, nhid: 200 }, /unknown key 'nhid' \(lmkit calls it 'hiddenSize'\)/);
    bad({ hiddenSize: 5 }, /vocabSize is required/);
    // A missing hiddenSize is one problem, not also a missing embeddingSize.
    assert.throws(() => new RNNLM({ vocabSize: 7 } as RNNLMConfigInput), (err: Error) => /hiddenSize is required/.test(err.message) && !/embeddingSize/.test(err.message));
    assert.throws(() => new RNNLM({ vocabSize: 0, hiddenSize: 5, dropout: 2, cell: 'x' } as unknown as RNNLMConfigInput), /vocabSize.*\n.*cell.*\n.*dropout/s);
    assert.throws(() => resolveRNNLMConfig(null as unknown as RNNLMConfigInput), /expected an object/);
  });
});

describe('RNN-LM parameters and initialization', () => {
  test('names and layouts are word_language_model\'s; numParameters counts them', () => {
    for (const cell of CELLS) {
      const V = 11, E = 3, H = 4, G = GATES[cell] * H;
      const model = new RNNLM({ vocabSize: V, cell, embeddingSize: E, hiddenSize: H, numLayers: 2 });
      const shapes = Object.fromEntries(model.namedParameters().map(([n, p]) => [n, [...p.shape]]));
      assert.deepEqual(shapes, {
        'encoder.weight': [V, E],
        'rnn.weight_ih_l0': [G, E], 'rnn.weight_hh_l0': [G, H], 'rnn.bias_ih_l0': [G], 'rnn.bias_hh_l0': [G],
        'rnn.weight_ih_l1': [G, H], 'rnn.weight_hh_l1': [G, H], 'rnn.bias_ih_l1': [G], 'rnn.bias_hh_l1': [G],
        'decoder.weight': [V, H], 'decoder.bias': [V],
      }, cell);
      assert.deepEqual(Object.keys(shapes), Object.keys(model.stateDict()), 'state dict in the same order');
      const recurrent = G * (E + H) + G * (H + H) + 4 * G;
      assert.equal(model.numParameters(), V * E + recurrent + V * H + V);
    }
  });

  test('tied weights: one Parameter, listed once, saved under both names, counted once', () => {
    const model = new RNNLM({ vocabSize: 9, hiddenSize: 4, tieWeights: true });
    assert.equal(model.decoder.weight, model.encoder.weight);
    const names = model.namedParameters().map(([n]) => n);
    assert.ok(names.includes('encoder.weight') && !names.includes('decoder.weight'), names.join(', '));
    const state = model.stateDict();
    assert.equal(state['decoder.weight'].data, state['encoder.weight'].data, 'same storage');
    const untied = new RNNLM({ vocabSize: 9, hiddenSize: 4 });
    assert.equal(untied.numParameters() - model.numParameters(), 9 * 4);
  });

  test('init: encoder/decoder U(−0.1, 0.1), decoder bias 0, recurrent U(±1/√H); seeded and reproducible', () => {
    const H = 16;
    const model = new RNNLM({ vocabSize: 500, embeddingSize: 32, hiddenSize: H }, { generator: new Generator(3) });
    const range = (t: Tensor): [number, number, number] => {
      let lo = Infinity, hi = -Infinity, s2 = 0;
      for (const v of t.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); s2 += v * v; }
      return [lo, hi, Math.sqrt(s2 / t.size)];
    };
    for (const t of [model.encoder.weight, model.decoder.weight]) {
      const [lo, hi, rms] = range(t);
      assert.ok(lo >= -0.1 && hi <= 0.1 && lo < -0.099 && hi > 0.099, `[${lo}, ${hi}]`);
      assert.ok(Math.abs(rms - 0.1 / Math.sqrt(3)) < 0.003, `rms ${rms} vs U(−0.1, 0.1)'s ${0.1 / Math.sqrt(3)}`);
    }
    assert.ok((model.decoder.bias as Tensor).data.every((v) => v === 0));
    const [lo, hi] = range(model.stateDict()['rnn.weight_hh_l0']);
    assert.ok(lo >= -1 / Math.sqrt(H) && hi <= 1 / Math.sqrt(H) && hi - lo > 1.9 / Math.sqrt(H), `[${lo}, ${hi}]`);
    const again = new RNNLM({ vocabSize: 500, embeddingSize: 32, hiddenSize: H }, { generator: new Generator(3) });
    const other = new RNNLM({ vocabSize: 500, embeddingSize: 32, hiddenSize: H }, { generator: new Generator(4) });
    for (const [name, t] of Object.entries(model.stateDict())) {
      assert.deepEqual(again.stateDict()[name].data, t.data, `${name} reproducible`);
      if (name !== 'decoder.bias') assert.notDeepEqual(other.stateDict()[name].data, t.data, `${name} depends on the seed`);
    }
  });
});

describe('RNN-LM forward', () => {
  const model = new RNNLM({ vocabSize: 6, cell: 'lstm', embeddingSize: 3, hiddenSize: 4, numLayers: 2 }, { generator: new Generator(1) });
  const x = ids([[1, 2, 3], [4, 5, 0]]);

  test('shapes; no targets → no loss; a null state is the zero state; the loss ignores −1 targets', () => {
    const { logits, loss, state } = model.forward(x);
    assert.deepEqual(logits.shape, [2, 3, 6]);
    assert.equal(loss, null);
    assert.deepEqual(state.h.shape, [2, 2, 4]);
    assert.deepEqual((state.c as Tensor).shape, [2, 2, 4]);
    const zero = model.forward(x, null, model.initialState(2));
    assert.deepEqual(zero.logits.data, logits.data);
    // Mean over the non-ignored positions only: −(1/2)(log p(2 | 1) + log p(0 | 4 5 0)).
    const { loss: partial } = model.forward(x, ids([[2, -1, -1], [-1, -1, 0]]));
    const logProb = (b: number, t: number, target: number): number => {
      const row = Array.from(logits.data.slice((b * 3 + t) * 6, (b * 3 + t + 1) * 6));
      const max = Math.max(...row);
      return row[target] - max - Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    };
    assert.ok(Math.abs((partial as Tensor).item() + (logProb(0, 0, 2) + logProb(1, 2, 0)) / 2) < 1e-6);
  });

  test('errors name the op, the shapes and what to change', () => {
    assert.throws(() => model.forward(new Tensor(new Float32Array([1, 2]), [1, 2])), /RNNLM\.forward: idx must be an int32 tensor of token ids, got float32/);
    assert.throws(() => model.forward(new Tensor(Int32Array.from([1, 2]), [2])), /idx has shape \[2\], expected \(B, T\) \(reshape a single sequence to \[1, T\]\)/);
    assert.throws(() => model.forward(ids([[1, 6]])), /token id 6 at \[0, 1\] is outside the vocabulary 0…5/);
    assert.throws(() => model.forward(ids([[1, -1]])), /token id -1 at \[0, 1\]/);
    assert.throws(() => model.forward(x, ids([[1, 2]])), /targets have shape \[1, 2\], expected \[2, 3\] like idx/);
    assert.throws(() => model.forward(x, ids([[1, 2, 3], [4, 5, 7]])), /target 7 at \[1, 2\] is outside the vocabulary 0…5 \(use -1 to ignore a position\)/);
    assert.throws(() => model.forward(x, new Tensor(new Float32Array(6), [2, 3])), /targets must be an int32 tensor/);
    const one = model.initialState(1);
    assert.throws(() => model.forward(x, null, one), /state\.h has shape \[2, 1, 4\], expected \[2, 2, 4\] \(numLayers, B, hiddenSize\) for idx with B = 2/);
    assert.throws(() => model.forward(x, null, { h: model.initialState(2).h }), /an LSTM state needs the cell state c/);
    const gru = new RNNLM({ vocabSize: 6, cell: 'gru', hiddenSize: 4 });
    assert.throws(() => gru.forward(ids([[1]]), null, { h: gru.initialState(1).h, c: gru.initialState(1).h }), /a GRU state has only h, but this one has c too/);
    const gru64 = new RNNLM({ vocabSize: 6, cell: 'gru', hiddenSize: 4 }, { dtype: 'float64' });
    assert.throws(() => gru64.forward(ids([[1]]), null, gru.initialState(1)), /state\.h is float32 but the model is float64; make the state with model\.initialState\(B\)/);
    assert.throws(() => model.initialState(0), /batchSize must be a positive integer/);
  });
});

describe('RNN-LM gradients (float64 gradcheck, reverse and forward mode)', () => {
  for (const cell of CELLS) {
    test(`${cell}: d(loss + ⟨u, h_T⟩) / d every parameter and the initial state`, () => {
      const model = new RNNLM({ vocabSize: 4, cell, embeddingSize: 2, hiddenSize: 3, numLayers: 2 }, { dtype: 'float64', generator: new Generator(7) });
      const named = model.namedParameters();
      const x = ids([[0, 3, 1], [2, 1, 3]]), y = ids([[3, -1, 2], [1, 0, 0]]);
      const g = new Generator(11);
      const random = (shape: number[], scale: number): Tensor => new Tensor(Float64Array.from({ length: shape.reduce((a, b) => a * b) }, () => g.normal(0, scale)), shape);
      const h0 = random([2, 2, 3], 0.5), c0 = random([2, 2, 3], 0.5), u = random([2, 2, 3], 1);
      const stateInputs = cell === 'lstm' ? [h0, c0] : [h0];
      const f = (...inputs: Tensor[]): Tensor => {
        const replacements = Object.fromEntries(named.map(([name], i) => [name, inputs[i]]));
        const [h, c] = inputs.slice(named.length);
        const state: RNNState = c ? { h, c } : { h };
        return functionalCall(model, replacements, () => {
          const out = model.forward(x, y, state);
          // The final state feeds the next chunk when it is not detached: check its gradient path too.
          return add(out.loss as Tensor, sum(mul(out.state.h, u)));
        });
      };
      assert.equal(gradcheck(f, [...named.map(([, p]) => p.detach()), ...stateInputs], { atol: 1e-7, rtol: 1e-5 }), true);
    });
  }

  test('rnn with relu and a tied decoder: the tied weight gets both contributions', () => {
    const model = new RNNLM({ vocabSize: 4, cell: 'rnn', nonlinearity: 'relu', hiddenSize: 3, tieWeights: true }, { dtype: 'float64', generator: new Generator(8) });
    const x = ids([[0, 3, 1, 2]]), y = ids([[3, 1, 2, 0]]);
    const f = (w: Tensor): Tensor => functionalCall(model, { 'encoder.weight': w }, () => model.forward(x, y).loss as Tensor);
    assert.equal(gradcheck(f, [model.encoder.weight.detach()], { atol: 1e-7, rtol: 1e-5 }), true);
  });
});

describe('RNN-LM dropout (Zaremba et al. 2014: embeddings, between layers, top outputs)', () => {
  const config = { vocabSize: 6, hiddenSize: 8, numLayers: 2 } as const;
  const x = ids([[1, 2, 3, 4], [5, 0, 1, 2]]);

  test('eval mode is the dropout-free model; training mode drops, reproducibly from the seeded generator', () => {
    const generator = new Generator(5);
    const dropped = new RNNLM({ ...config, dropout: 0.5 }, { generator });
    const plain = new RNNLM(config);
    plain.loadStateDict(dropped.stateDict());
    dropped.eval();
    assert.deepEqual(dropped.forward(x).logits.data, plain.forward(x).logits.data);
    dropped.train();
    const saved = generator.getState();
    const a = dropped.forward(x).logits.data;
    const b = dropped.forward(x).logits.data;
    assert.notDeepEqual(a, plain.forward(x).logits.data);
    assert.notDeepEqual(a, b, 'fresh masks per call');
    generator.setState(saved);
    assert.deepEqual(dropped.forward(x).logits.data, a, 'same generator state, same masks');
  });

  test('a single layer still drops (embeddings and outputs, not only between layers)', () => {
    const dropped = new RNNLM({ ...config, numLayers: 1, dropout: 0.5 }, { generator: new Generator(6) });
    const trainLogits = dropped.forward(x).logits.data;
    dropped.eval();
    assert.notDeepEqual(trainLogits, dropped.forward(x).logits.data);
  });
});

describe('truncated BPTT', () => {
  for (const cell of CELLS) {
    test(`${cell}: two chunks with the carried state = one forward over both; backward stops at the boundary`, () => {
      const model = new RNNLM({ vocabSize: 8, cell, embeddingSize: 3, hiddenSize: 4, numLayers: 2 }, { dtype: 'float64', generator: new Generator(9) });
      // Chunk 1 uses tokens 0–3 only, chunk 2 tokens 4–7 only: an embedding row of 0–3 can get a
      // gradient from chunk 2's loss only through the state carried across the boundary.
      const first = [[0, 1, 2, 3], [3, 2, 1, 0]], second = [[4, 5, 6], [7, 6, 5]], targets = ids([[5, 6, 7], [6, 5, 4]]);
      const whole = model.forward(ids(first.map((row, b) => [...row, ...second[b]])));
      // Chunk 1 starts from a leaf initial state, to see whether any gradient reaches it.
      const h0 = model.initialState(2).h.requiresGrad_();
      const c0 = cell === 'lstm' ? model.initialState(2).c?.requiresGrad_() : undefined;
      const chunk1 = model.forward(ids(first), null, c0 ? { h: h0, c: c0 } : { h: h0 });
      const chunk2 = model.forward(ids(second), targets, model.detachState(chunk1.state));
      const V = 8;
      for (let b = 0; b < 2; b++) {
        const tail = whole.logits.data.slice((b * 7 + 4) * V, (b * 7 + 7) * V);
        const carried = chunk2.logits.data.slice(b * 3 * V, (b + 1) * 3 * V);
        tail.forEach((v, i) => assert.ok(Math.abs(v - carried[i]) < 1e-12, `row ${b} logit ${i}: ${v} vs ${carried[i]}`));
      }
      whole.state.h.data.forEach((v, i) => assert.ok(Math.abs(v - chunk2.state.h.data[i]) < 1e-12));
      if (cell === 'lstm') (whole.state.c as Tensor).data.forEach((v, i) => assert.ok(Math.abs(v - (chunk2.state.c as Tensor).data[i]) < 1e-12));

      const embeddingGrad = (loss: Tensor): Float64Array => {
        model.zeroGrad();
        loss.backward();
        return model.encoder.weight.grad?.data as Float64Array;
      };
      const cut = embeddingGrad(chunk2.loss as Tensor);
      for (let row = 0; row < 4; row++) for (let j = 0; j < 3; j++) assert.equal(cut[row * 3 + j], 0, `token ${row} of chunk 1 gets no gradient`);
      assert.ok(cut.slice(12).some((v) => v !== 0), 'chunk 2 tokens do');
      assert.equal(h0.grad, null, 'nothing reaches chunk 1\'s initial state');
      // Control: the same loss through the attached state does reach chunk 1 (so the checks above can fail).
      const attached = model.forward(ids(second), targets, chunk1.state);
      assert.ok(Math.abs((attached.loss as Tensor).item() - (chunk2.loss as Tensor).item()) < 1e-12, 'same value either way');
      assert.ok(embeddingGrad(attached.loss as Tensor).slice(0, 12).some((v) => v !== 0));
      assert.ok(h0.grad && Array.from((h0.grad as Tensor).data).some((v) => v !== 0));
      // detachState keeps the values and shares storage.
      const detached = model.detachState(chunk1.state);
      assert.equal(detached.h.data, chunk1.state.h.data);
      assert.ok(!detached.h.requiresGrad && chunk1.state.h.requiresGrad);
    });
  }
});

describe('learning', () => {
  for (const cell of CELLS) {
    test(`${cell}: overfits a 30-character string to loss < 0.1 with AdamW`, () => {
      const text = 'the quick brown fox jumps over';
      const vocab = [...new Set(text)].sort();
      const encoded = Array.from(text, (ch) => vocab.indexOf(ch));
      const T = encoded.length - 1;
      const model = new RNNLM({ vocabSize: vocab.length, cell, embeddingSize: 16, hiddenSize: 32 }, { generator: new Generator(42) });
      const optimizer = new AdamW(model.parameters(), { lr: 2e-2, weightDecay: 0 });
      const x = ids([encoded.slice(0, T)]), y = ids([encoded.slice(1)]);
      const first = (model.forward(x, y).loss as Tensor).item();
      let loss = Infinity, steps = 0;
      for (; steps < 300 && loss >= 0.1; steps++) {
        optimizer.zeroGrad();
        const l = model.forward(x, y).loss as Tensor;
        l.backward();
        optimizer.step();
        loss = l.item();
      }
      assert.ok(Math.abs(first - Math.log(vocab.length)) < 0.1, `starts near ln(${vocab.length}) = ${Math.log(vocab.length).toFixed(3)}, got ${first}`);
      assert.ok(loss < 0.1, `${cell}: loss ${loss} after ${steps} steps`);
      // Greedy decoding through the LanguageModel adapter reproduces the text from its first character.
      const lm = model.asLanguageModel();
      let state = lm.advance(lm.initialState(), encoded[0]);
      let decoded = text[0];
      for (let i = 1; i < text.length; i++) {
        const logProbs = lm.nextLogProbs(state);
        const next = logProbs.indexOf(Math.max(...logProbs));
        decoded += vocab[next];
        state = lm.advance(state, next);
      }
      assert.equal(decoded, text);
    });
  }
});
