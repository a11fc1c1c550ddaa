/**
 * nn module options against PyTorch (test/fixtures/modules-options.json,
 * written by scripts/fixtures/modules_options.py): Conv1d groups, padding
 * modes and unbatched input; LSTM projSize; recurrent layers and cells with no
 * initial state (W_hh gets a zero gradient); MultiheadAttention kdim/vdim,
 * addBiasKV, addZeroAttn; Embedding maxNorm/normType/scaleGradByFreq. Each
 * record's config holds the lmkit constructor args and option bag verbatim.
 * Then gradcheck in both modes, the decided behaviour for fully masked
 * attention rows, and the rejection of unknown or invalid options.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import { Generator, Tensor, type FloatDType } from '../../src/index.js';
import { describeEachBackend } from '../backend/backends.js';
import { assertClose, readFixture, toTensor, TOLERANCE } from '../helpers/fixtures.js';
import { checkModuleCase, type Built, type ModuleCase } from '../helpers/module-fixtures.js';
import { checkModule } from '../helpers/module-gradcheck.js';

const cases = readFixture<{ cases: ModuleCase[] }>('modules-options.json').cases;

type Options = Record<string, unknown>;
const argsOf = (c: ModuleCase): number[] => (c.config as { args: number[] }).args;
const optionsOf = (c: ModuleCase, dtype: FloatDType): Options => ({ ...(c.config as { options: Options }).options, dtype });

const builders: Record<string, (c: ModuleCase, dtype: FloatDType) => Built> = {
  Conv1d: (c, dtype) => {
    const [cin, cout, k] = argsOf(c);
    const m = new lm.Conv1d(cin, cout, k, optionsOf(c, dtype));
    return { module: m, run: (x) => ({ output: m.forward(x.input) }) };
  },
  LSTM: (c, dtype) => {
    const [inputSize, hiddenSize] = argsOf(c);
    const m = new lm.LSTM(inputSize, hiddenSize, optionsOf(c, dtype));
    return { module: m, run: (x) => { const r = m.forward(x.input, x.h0 ?? null, x.c0 ?? null); return { output: r.output, hN: r.hN, cN: r.cN }; } };
  },
  RNN: (c, dtype) => {
    const m = new lm.RNN(argsOf(c)[0], argsOf(c)[1], optionsOf(c, dtype));
    return { module: m, run: (x) => { const r = m.forward(x.input); return { output: r.output, hN: r.hN }; } };
  },
  GRU: (c, dtype) => {
    const m = new lm.GRU(argsOf(c)[0], argsOf(c)[1], optionsOf(c, dtype));
    return { module: m, run: (x) => { const r = m.forward(x.input); return { output: r.output, hN: r.hN }; } };
  },
  RNNCell: (c, dtype) => {
    const m = new lm.RNNCell(argsOf(c)[0], argsOf(c)[1], optionsOf(c, dtype));
    return { module: m, run: (x) => ({ h: m.forward(x.input) }) };
  },
  GRUCell: (c, dtype) => {
    const m = new lm.GRUCell(argsOf(c)[0], argsOf(c)[1], optionsOf(c, dtype));
    return { module: m, run: (x) => ({ h: m.forward(x.input) }) };
  },
  LSTMCell: (c, dtype) => {
    const m = new lm.LSTMCell(argsOf(c)[0], argsOf(c)[1], optionsOf(c, dtype));
    return { module: m, run: (x) => m.forward(x.input) };
  },
  MultiheadAttention: (c, dtype) => {
    const m = new lm.MultiheadAttention(argsOf(c)[0], argsOf(c)[1], optionsOf(c, dtype));
    return {
      module: m,
      run: (x) => {
        const r = m.forward(x.query, x.key, x.value, { attnMask: x.attnMask ?? null, keyPaddingMask: x.keyPaddingMask ?? null, needWeights: true });
        return { output: r.output, weights: r.weights as Tensor };
      },
    };
  },
  Embedding: (c, dtype) => {
    const m = new lm.Embedding(argsOf(c)[0], argsOf(c)[1], optionsOf(c, dtype));
    // The weight after the pass: maxNorm rewrites looked-up rows in place.
    return { module: m, run: (x) => ({ output: m.forward(x.input), weight: m.weight.detach() }) };
  },
};

const named = (name: string): ModuleCase => {
  const c = cases.find((x) => x.name === name);
  assert.ok(c, `no fixture case ${name}`);
  return c;
};
const loaded = (c: ModuleCase): Built => {
  const built = builders[c.module](c, 'float64');
  built.module.loadStateDict(Object.fromEntries(Object.entries(c.parameters).map(([k, t]) => [k, toTensor(t)])));
  return built;
};

describeEachBackend((backend) => {

  test('the fixture covers every module the harness knows', () => {
    assert.deepEqual([...new Set(cases.map((c) => c.module))].sort(), Object.keys(builders).sort());
    assert.ok(cases.length >= 35);
  });
  for (const c of cases) {
    test(`${c.name} float64`, () => checkModuleCase(c, builders[c.module](c, 'float64'), 'float64'));
    test(`${c.name} float32`, () => checkModuleCase(c, builders[c.module](c, 'float32'), 'float32'));
  }
  test('the parameter order matches PyTorch named_parameters()', () => {
    for (const c of cases) {
      const { module } = builders[c.module](c, 'float64');
      assert.deepEqual(module.namedParameters().map(([n]) => n), Object.keys(c.parameters), c.name);
    }
  });
});

describe('functional forms against the same records', () => {
  test('conv1d accepts an unbatched (Cin, L) input, with and without groups', () => {
    for (const name of ['Conv1d_unbatched', 'Conv1d_unbatched_groups']) {
      const c = named(name);
      const { padding = 0, dilation = 1, groups = 1 } = (c.config as { options: { padding?: number; dilation?: number; groups?: number } }).options;
      const x = toTensor(c.inputs.input).requiresGrad_();
      const weight = toTensor(c.parameters.weight).requiresGrad_();
      const y = lm.conv1d(x, weight, toTensor(c.parameters.bias), { padding, dilation, groups });
      assertClose(y, c.outputs.output, TOLERANCE.float64, `${name} output`);
      lm.sum(lm.mul(y, toTensor(c.upstream.output))).backward();
      assertClose(x.grad as Tensor, c.grads.inputs.input, TOLERANCE.float64, `${name} d/dx`);
      assertClose(weight.grad as Tensor, c.grads.parameters.weight, TOLERANCE.float64, `${name} d/dweight`);
    }
  });

  test('isCausal with extra keys equals the explicit causal mask: bias_k and the zero key stay visible', () => {
    const c = named('MultiheadAttention_all_options_self_causal');
    const { module, run } = loaded(c);
    assert.ok(module instanceof lm.MultiheadAttention);
    const [q, k, v] = ['query', 'key', 'value'].map((key) => toTensor(c.inputs[key]));
    const r = module.forward(q, k, v, { isCausal: true, needWeights: true });
    const expected = run({ query: q, key: k, value: v, attnMask: toTensor(c.inputs.attnMask) });
    assertClose(r.output, c.outputs.output, TOLERANCE.float64, 'output');
    assertClose(r.weights as Tensor, expected.weights, TOLERANCE.float64, 'weights');
    assertClose(r.weights as Tensor, c.outputs.weights, TOLERANCE.float64, 'weights vs PyTorch');
  });

  test('scaleGradByFreq scales only the reverse-mode gradient; the forward-mode tangent is the plain lookup (as PyTorch)', () => {
    const weight = lm.randn([4, 2], { dtype: 'float64', generator: new Generator(1) });
    const ids = lm.tensor([1, 1, 3, 1], { dtype: 'int32' });
    const tangent = lm.randn([4, 2], { dtype: 'float64', generator: new Generator(2) });
    const [, scaled] = lm.jvp((w) => lm.embedding(w, ids, { scaleGradByFreq: true }), [weight], [tangent]);
    const [, plain] = lm.jvp((w) => lm.embedding(w, ids), [weight], [tangent]);
    assert.deepEqual(Array.from(scaled.data), Array.from(plain.data));
    const w = weight.detach().requiresGrad_();
    lm.sum(lm.embedding(w, ids, { scaleGradByFreq: true })).backward();
    assert.deepEqual(Array.from((w.grad as Tensor).data), [0, 0, 1, 1, 0, 0, 1, 1], 'id 1 occurs 3 times: 3/3; id 3 once');
  });
});

const dtype = 'float64' as const;
const randn = (shape: number[], seed: number, scale = 1): Tensor => lm.mul(lm.randn(shape, { dtype, generator: new Generator(seed) }), scale);

describe('gradcheck of the new options, both modes', () => {
  test('Conv1d: groups, every padding mode, unbatched', () => {
    for (const paddingMode of ['zeros', 'reflect', 'replicate', 'circular'] as const) {
      const m = new lm.Conv1d(4, 2, 3, { groups: 2, padding: 2, paddingMode, dtype, generator: new Generator(3) });
      checkModule(m, [randn([2, 4, 4], 4)], (x) => m.forward(x));
    }
    const same = new lm.Conv1d(2, 4, 2, { groups: 2, padding: 'same', paddingMode: 'reflect', dtype, generator: new Generator(5) });
    checkModule(same, [randn([2, 5], 6)], (x) => same.forward(x));
  });

  test('LSTM with projSize (2 layers, bidirectional, h0 and c0)', () => {
    const m = new lm.LSTM(2, 3, { projSize: 2, numLayers: 2, bidirectional: true, dtype, generator: new Generator(7) });
    checkModule(m, [randn([3, 1, 2], 8), randn([4, 1, 2], 9, 0.5), randn([4, 1, 3], 10, 0.5)], (x, h0, c0) => {
      const r = m.forward(x, h0, c0);
      return [r.output, r.hN, r.cN];
    });
  });

  test('MultiheadAttention: kdim/vdim, addBiasKV and addZeroAttn with a padding mask', () => {
    const m = new lm.MultiheadAttention(4, 2, { kdim: 3, vdim: 5, addBiasKV: true, addZeroAttn: true, batchFirst: true, dtype, generator: new Generator(11) });
    lm.init.normal(m.inProjBias as Tensor, 0, 0.1, { generator: new Generator(12) });
    const padding = lm.tensor([[0, 0, 1], [0, 0, 0]], { dtype: 'int32' });
    checkModule(m, [randn([2, 2, 4], 13), randn([2, 3, 3], 14), randn([2, 3, 5], 15)], (q, k, v) => {
      const r = m.forward(q, k, v, { keyPaddingMask: padding, needWeights: true });
      return [r.output, r.weights as Tensor];
    });
  });

  test('MultiheadAttention: a fully masked row has zero weights and zero gradients, in both modes', () => {
    const m = new lm.MultiheadAttention(4, 2, { batchFirst: true, dtype, generator: new Generator(16) });
    lm.init.normal(m.inProjBias as Tensor, 0, 0.1, { generator: new Generator(17) });
    const mask = lm.tensor([[0, 1, 0], [1, 1, 1]], { dtype: 'int32' }); // query 1 sees no key
    const all = (q: Tensor, k: Tensor, v: Tensor): Tensor[] => {
      const r = m.forward(q, k, v, { attnMask: mask, needWeights: true, averageAttnWeights: false });
      return [r.output, r.weights as Tensor];
    };
    checkModule(m, [randn([1, 2, 4], 18), randn([1, 3, 4], 19), randn([1, 3, 4], 20)], all);
  });
});

describe('fully masked attention rows (decided: zeros, where PyTorch gives NaN)', () => {
  const build = (): lm.MultiheadAttention => new lm.MultiheadAttention(4, 2, { batchFirst: true, dtype, generator: new Generator(21) });
  const padding = lm.tensor([[0, 0, 0], [1, 1, 1]], { dtype: 'int32' }); // batch row 1: every key is padding

  for (const path of ['fused', 'dropout'] as const) {
    test(`${path} path: weights and attention are zero, the output is out_proj's bias, gradients are finite`, () => {
      const m = build();
      lm.init.normal(m.outProj.bias as Tensor, 0, 1, { generator: new Generator(22) });
      if (path === 'fused') m.eval();
      const q = randn([2, 2, 4], 23).requiresGrad_(), kv = randn([2, 3, 4], 24).requiresGrad_();
      // The dropout path with p = 0 in training would take the fused op; a tiny p forces explicit probabilities.
      const r = path === 'dropout'
        ? new lm.MultiheadAttention(4, 2, { batchFirst: true, dropout: 1e-12, dtype, generator: new Generator(21) }).forward(q, kv, kv, { keyPaddingMask: padding, needWeights: true })
        : m.forward(q, kv, kv, { keyPaddingMask: padding, needWeights: true });
      const weights = r.weights as Tensor;
      assert.deepEqual(Array.from(weights.data.subarray(6, 12)), [0, 0, 0, 0, 0, 0], 'batch 1 weights');
      assert.ok(Array.from(weights.data.subarray(0, 6)).every((w) => w > 0), 'batch 0 attends');
      lm.add(lm.sum(r.output), lm.sum(weights)).backward();
      for (const g of [q.grad, kv.grad]) assert.ok((g as Tensor).data.every(Number.isFinite));
      if (path === 'fused') {
        const bias = Array.from((m.outProj.bias as Tensor).data);
        assert.deepEqual(Array.from(r.output.data.subarray(8, 16)), [...bias, ...bias], 'output = bias');
        for (let i = 8; i < 16; i++) assert.equal((q.grad as Tensor).data[i], 0);
      }
    });
  }
});

describe('options: unknown keys are rejected, invalid values named', () => {
  const reject = (build: () => unknown, option: string): void => {
    assert.throws(build, (e: unknown) => e instanceof TypeError && e.message.includes(`'${option}'`) && /known options are /.test(e.message));
  };
  test('every nn module constructor rejects an unknown option key, naming it and listing the known ones', () => {
    const bogus = { bogus: 1 } as object;
    reject(() => new lm.Linear(2, 2, bogus), 'bogus');
    reject(() => new lm.Embedding(3, 2, { sparse: true } as object), 'sparse');
    reject(() => new lm.Conv1d(2, 2, 1, { padding_mode: 'reflect' } as object), 'padding_mode');
    reject(() => new lm.LayerNorm(2, bogus), 'bogus');
    reject(() => new lm.Dropout(0.1, bogus), 'bogus');
    reject(() => new lm.GELU(bogus), 'bogus');
    reject(() => new lm.RNN(2, 2, { projSize: 1 } as object), 'projSize');
    reject(() => new lm.GRU(2, 2, { projSize: 1 } as object), 'projSize');
    reject(() => new lm.LSTM(2, 2, { nonlinearity: 'relu' } as object), 'nonlinearity');
    reject(() => new lm.RNNCell(2, 2, bogus), 'bogus');
    reject(() => new lm.LSTMCell(2, 2, { nonlinearity: 'relu' } as object), 'nonlinearity');
    reject(() => new lm.GRUCell(2, 2, bogus), 'bogus');
    reject(() => new lm.MultiheadAttention(4, 2, { add_bias_kv: true } as object), 'add_bias_kv');
    reject(() => new lm.TransformerBlock(4, 2, bogus), 'bogus');
    reject(() => new lm.LearnedPositionEmbedding(3, 2, bogus), 'bogus');
    reject(() => new lm.SinusoidalPositionEncoding(2, bogus), 'bogus');
    reject(() => lm.conv1d(lm.zeros([1, 1, 3]), lm.zeros([1, 1, 1]), null, { paddingMode: 'reflect' } as object), 'paddingMode');
    reject(() => lm.embedding(lm.zeros([2, 2]), lm.tensor([0], { dtype: 'int32' }), { maxNorm: 1 } as object), 'maxNorm');
  });

  test('the known options of a module are accepted together', () => {
    assert.doesNotThrow(() => new lm.Conv1d(4, 2, 3, { stride: 1, padding: 1, dilation: 1, groups: 2, bias: false, paddingMode: 'circular', dtype, generator: new Generator(1) }));
    assert.doesNotThrow(() => new lm.Embedding(4, 2, { paddingIdx: 0, maxNorm: 1, normType: 1, scaleGradByFreq: true, dtype }));
    assert.doesNotThrow(() => new lm.MultiheadAttention(4, 2, { bias: true, batchFirst: true, dropout: 0, kdim: 3, vdim: 5, addBiasKV: true, addZeroAttn: true, dtype }));
  });

  test('invalid values name the option and the limit', () => {
    assert.throws(() => new lm.Conv1d(3, 4, 2, { groups: 2 }), /groups 2 must divide both inChannels \(3\) and outChannels \(4\)/);
    assert.throws(() => new lm.Conv1d(2, 2, 2, { paddingMode: 'mirror' as 'reflect' }), /paddingMode must be one of 'zeros', 'reflect', 'replicate', 'circular', got 'mirror'/);
    assert.throws(() => new lm.Conv1d(1, 1, 3, { padding: 3, paddingMode: 'reflect' }).forward(lm.zeros([1, 1, 3])), /'reflect' needs padding < input length, got padding 3 for length 3/);
    assert.throws(() => new lm.Conv1d(1, 1, 3, { padding: 4, paddingMode: 'circular' }).forward(lm.zeros([1, 1, 3])), /'circular' needs padding ≤ input length, got padding 4 for length 3/);
    assert.throws(() => new lm.Conv1d(1, 1, 2, { padding: 'same', stride: 2 }), /'same' needs stride 1/);
    assert.throws(() => lm.conv1d(lm.zeros([1, 4, 5]), lm.zeros([2, 3, 1]), null, { groups: 2 }), /groups 2 must divide both the input channels \(4\) and the output channels \(2\)|expects 6/);
    assert.throws(() => lm.conv1d(lm.zeros([1, 4, 5]), lm.zeros([2, 4, 1]), null, { groups: 2 }), /with groups 2 expects 8/);
    assert.throws(() => lm.conv1d(lm.zeros([5]), lm.zeros([1, 1, 1])), /\(N, Cin, L\) or unbatched \(Cin, L\)/);
    assert.throws(() => new lm.LSTM(2, 3, { projSize: 3 }), /projSize must be an integer in \[0, hiddenSize = 3\), got 3/);
    assert.throws(() => new lm.LSTM(2, 3, { projSize: 2 }).forward(lm.zeros([1, 1, 2]), lm.zeros([1, 1, 3]), lm.zeros([1, 1, 3])), /h0 has shape \[1, 1, 3\], expected \[1, 1, 2\] \(numLayers·directions, B, projSize\)/);
    assert.throws(() => new lm.Embedding(3, 2, { maxNorm: -1 }), /maxNorm must be a non-negative number or null, got -1/);
    assert.throws(() => new lm.Embedding(3, 2, { normType: 0 }), /normType must be positive, got 0/);
    assert.throws(() => new lm.MultiheadAttention(4, 2, { kdim: 3 }).forward(lm.zeros([1, 2, 4]), lm.zeros([1, 2, 4]), lm.zeros([1, 2, 4])), /key has shape \[1, 2, 4\], expected \(T, B, 3\)/);
  });
});

describe('edge cases', () => {
  test('Embedding maxNorm renormalizes only looked-up rows, in place, and leaves short rows alone', () => {
    const m = new lm.Embedding(3, 2, { maxNorm: 1, dtype });
    m.weight.data.set([3, 4, 0.3, 0.4, 6, 8]);
    const out = m.forward(lm.tensor([0, 1, 0], { dtype: 'int32' }));
    const scale = 1 / (5 + 1e-7);
    assert.deepEqual(Array.from(m.weight.data), [3 * scale, 4 * scale, 0.3, 0.4, 6, 8]);
    assert.deepEqual(Array.from(out.data), [3 * scale, 4 * scale, 0.3, 0.4, 3 * scale, 4 * scale]);
  });

  test('RNN cells without a state give weight_hh a zero gradient, not none', () => {
    for (const cell of [new lm.RNNCell(2, 3), new lm.GRUCell(2, 3), new lm.LSTMCell(2, 3)]) {
      const out = cell.forward(lm.ones([1, 2]));
      lm.sum(out instanceof Tensor ? out : lm.add(out.h, out.c)).backward();
      const grad = cell.namedParameters().find(([n]) => n === 'weight_hh')?.[1].grad;
      assert.ok(grad && grad.data.every((g) => g === 0), `${cell.constructor.name}`);
    }
  });
});
