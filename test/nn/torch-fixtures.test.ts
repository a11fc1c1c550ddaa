/**
 * Every nn module against PyTorch (test/fixtures/modules.json, written by
 * scripts/fixtures/modules.py): build the module from the case's config, load
 * PyTorch's state dict with `loadStateDict` (strict — which proves the names,
 * shapes and layouts match), run forward, and compare every output; then
 * backpropagate Σ_o sum(out_o ⊙ upstream_o) and compare the gradient of every
 * float input and every parameter. In float64 (tight) and float32.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import { Module, Tensor, type FloatDType } from '../../src/index.js';
import { assertClose, readFixture, toTensor, TOLERANCE } from '../helpers/fixtures.js';
import { checkModuleCase, type Built, type Inputs, type ModuleCase } from '../helpers/module-fixtures.js';
import { describeEachBackend } from '../backend/backends.js';

type Config = Record<string, unknown>;

/** Seed 000's network: a = Linear1(x), z = σ(a), b = Linear2(z), ŷ = softmax(b), J = mean −log ŷ_y. */
class SeedMlp extends Module {
  linear1: lm.Linear;
  sigmoid = new lm.Sigmoid();
  linear2: lm.Linear;
  softmax = new lm.Softmax(-1);

  constructor(inputSize: number, hiddenSize: number, outputSize: number, dtype: FloatDType) {
    super();
    this.linear1 = new lm.Linear(inputSize, hiddenSize, { dtype });
    this.linear2 = new lm.Linear(hiddenSize, outputSize, { dtype });
  }

  forward(x: Tensor, target: Tensor): { probs: Tensor; loss: Tensor } {
    const probs = this.softmax.forward(this.linear2.forward(this.sigmoid.forward(this.linear1.forward(x))));
    // CrossEntropy module of seed 000: J = −yᵀ log ŷ, averaged over the batch.
    const loss = lm.nllLoss(lm.log(probs), target, { reduction: 'mean' });
    return { probs, loss };
  }
}

const num = (v: unknown): number => v as number;
const optional = (inputs: Inputs, key: string): Tensor | null => inputs[key] ?? null;

const builders: Record<string, (c: Config, dtype: FloatDType) => Built> = {
  Linear: (c, dtype) => {
    const m = new lm.Linear(num(c.inFeatures), num(c.outFeatures), { bias: c.bias as boolean, dtype });
    return { module: m, run: (x) => ({ output: m.forward(x.input) }) };
  },
  Embedding: (c, dtype) => {
    const m = new lm.Embedding(num(c.numEmbeddings), num(c.embeddingDim), { paddingIdx: (c.paddingIdx as number | undefined) ?? null, dtype });
    return { module: m, run: (x) => ({ output: m.forward(x.input) }) };
  },
  Conv1d: (c, dtype) => {
    const m = new lm.Conv1d(num(c.inChannels), num(c.outChannels), num(c.kernelSize), {
      stride: num(c.stride), padding: c.padding as number | 'same', dilation: num(c.dilation), bias: c.bias as boolean, dtype,
    });
    return { module: m, run: (x) => ({ output: m.forward(x.input) }) };
  },
  LayerNorm: (c, dtype) => {
    const m = new lm.LayerNorm(c.normalizedShape as number[], { eps: num(c.eps), elementwiseAffine: c.elementwiseAffine as boolean, dtype });
    return { module: m, run: (x) => ({ output: m.forward(x.input) }) };
  },
  RNN: (c, dtype) => {
    const m = new lm.RNN(num(c.inputSize), num(c.hiddenSize), { ...recurrentOptions(c), nonlinearity: c.nonlinearity as lm.RNNNonlinearity, dtype });
    return { module: m, run: (x) => { const r = m.forward(x.input, optional(x, 'h0')); return { output: r.output, hN: r.hN }; } };
  },
  GRU: (c, dtype) => {
    const m = new lm.GRU(num(c.inputSize), num(c.hiddenSize), { ...recurrentOptions(c), dtype });
    return { module: m, run: (x) => { const r = m.forward(x.input, optional(x, 'h0')); return { output: r.output, hN: r.hN }; } };
  },
  LSTM: (c, dtype) => {
    const m = new lm.LSTM(num(c.inputSize), num(c.hiddenSize), { ...recurrentOptions(c), dtype });
    return { module: m, run: (x) => { const r = m.forward(x.input, optional(x, 'h0'), optional(x, 'c0')); return { output: r.output, hN: r.hN, cN: r.cN }; } };
  },
  MultiheadAttention: (c, dtype) => {
    const m = new lm.MultiheadAttention(num(c.embedDim), num(c.numHeads), { batchFirst: c.batchFirst as boolean, bias: c.bias as boolean, dropout: num(c.dropout), dtype });
    return {
      module: m,
      run: (x) => {
        const r = m.forward(x.query, x.key, x.value, { attnMask: optional(x, 'attnMask'), keyPaddingMask: optional(x, 'keyPaddingMask'), needWeights: true });
        return { output: r.output, weights: r.weights as Tensor };
      },
    };
  },
  TransformerBlock: (c, dtype) => {
    const m = new lm.TransformerBlock(num(c.embedDim), num(c.numHeads), {
      ffDim: num(c.ffDim), norm: c.norm as lm.TransformerNorm, causal: c.causal as boolean,
      activation: c.activation as lm.TransformerActivation, layerNormEps: num(c.layerNormEps), dropout: num(c.dropout), dtype,
    });
    return { module: m, run: (x) => ({ output: m.forward(x.input) }) };
  },
  SeedMlp: (c, dtype) => {
    const m = new SeedMlp(num(c.inputSize), num(c.hiddenSize), num(c.outputSize), dtype);
    return { module: m, run: (x) => m.forward(x.input, x.target) };
  },
};

function recurrentOptions(c: Config): lm.RecurrentOptions {
  return { numLayers: num(c.numLayers), bidirectional: c.bidirectional as boolean, batchFirst: c.batchFirst as boolean, bias: c.bias as boolean };
}

const cases = readFixture<{ cases: ModuleCase[] }>('modules.json').cases;

function checkCase(c: ModuleCase, dtype: FloatDType): void {
  const builder = builders[c.module];
  assert.ok(builder, `no builder for module ${c.module}`);
  checkModuleCase(c, builder(c.config, dtype), dtype);
}

// Every suite below runs once per available backend (js, and native / wasm when
// they load): the same PyTorch references for every set of kernels.
describeEachBackend((backend) => {

  describe('nn modules against PyTorch (modules.json)', () => {
    test('the fixture covers every module the harness knows', () => {
      const modules = new Set(cases.map((c) => c.module));
      assert.deepEqual([...modules].sort(), Object.keys(builders).sort());
      assert.ok(cases.length >= 35);
    });

    for (const c of cases) {
      test(`${c.name} float64`, () => checkCase(c, 'float64'));
      test(`${c.name} float32`, () => checkCase(c, 'float32'));
    }

    test('the parameter order matches PyTorch named_parameters()', () => {
      for (const c of cases) {
        const { module } = builders[c.module](c.config, 'float64');
        assert.deepEqual(module.namedParameters().map(([n]) => n), Object.keys(c.parameters), c.name);
      }
    });

    test('single-tensor self-attention (one in-projection GEMM) gets the summed q/k/v gradients', () => {
      for (const c of cases.filter((x) => x.module === 'MultiheadAttention' && x.name.includes('self'))) {
        const { module, run } = builders.MultiheadAttention(c.config, 'float64');
        module.loadStateDict(Object.fromEntries(Object.entries(c.parameters).map(([k, t]) => [k, toTensor(t)])));
        const x = toTensor(c.inputs.query).requiresGrad_();
        const outputs = run({ ...Object.fromEntries(Object.entries(c.inputs).map(([k, t]) => [k, toTensor(t)])), query: x, key: x, value: x });
        for (const [k, expected] of Object.entries(c.outputs)) assertClose(outputs[k], expected, TOLERANCE.float64, `${c.name} ${k}`);
        lm.add(lm.sum(lm.mul(outputs.output, toTensor(c.upstream.output))), lm.sum(lm.mul(outputs.weights, toTensor(c.upstream.weights)))).backward();
        const g = c.grads.inputs;
        const summed = lm.add(lm.add(toTensor(g.query), toTensor(g.key)), toTensor(g.value));
        assertClose(x.grad as Tensor, summed, TOLERANCE.float64, `${c.name} d/dx`);
      }
    });
  });
});
