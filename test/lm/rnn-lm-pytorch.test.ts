/**
 * RNN-LM against PyTorch (test/fixtures/rnn-lm/rnn-lm.json, written by
 * scripts/fixtures/rnn_lm.py): word_language_model's RNNModel — nn.Embedding →
 * nn.LSTM / nn.GRU / nn.RNN (batch_first, 2 layers) → nn.Linear, some tied — in
 * float64. Its state dict loads into RNNLM with the plain loadStateDict (which
 * proves the names and layouts), and the logits, the loss (with ignored
 * targets), the final h/c, and d loss / d θ for every parameter and for the
 * initial state all match: tightly in float64, to single precision in float32.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RNNLM, Tensor, type DType, type RNNLMConfig, type RNNState } from '../../src/index.js';
import { assertClose, readFixture, toTensor, TOLERANCE, type FixtureTensor } from '../helpers/fixtures.js';

interface RNNLMCase {
  name: string;
  config: RNNLMConfig;
  parameters: Record<string, FixtureTensor>;
  inputs: { idx: FixtureTensor; targets: FixtureTensor; h0?: FixtureTensor; c0?: FixtureTensor };
  outputs: { logits: FixtureTensor; loss: FixtureTensor; hN: FixtureTensor; cN?: FixtureTensor };
  grads: { parameters: Record<string, FixtureTensor>; inputs: { h0?: FixtureTensor; c0?: FixtureTensor } };
}

const fixture = readFixture<{ cases: RNNLMCase[] }>('rnn-lm/rnn-lm.json');


test('the fixture covers every cell, tied weights, and both zero and given initial states', () => {
  const cells = new Set(fixture.cases.map((c) => c.config.cell));
  assert.deepEqual([...cells].sort(), ['gru', 'lstm', 'rnn']);
  assert.ok(fixture.cases.some((c) => c.config.tieWeights) && fixture.cases.some((c) => !c.inputs.h0) && fixture.cases.some((c) => c.inputs.h0));
  assert.ok(fixture.cases.some((c) => c.config.nonlinearity === 'relu'));
});

describe('RNNLM = word_language_model\'s RNNModel (PyTorch)', () => {
  for (const c of fixture.cases) {
    for (const dtype of ['float64', 'float32'] as const) {
      test(`${c.name} (${dtype}): logits, loss, final state and every gradient`, () => {
        const model = new RNNLM(c.config, { dtype });
        const weights = Object.fromEntries(Object.entries(c.parameters).map(([n, t]) => [n, toTensor(t, dtype)]));
        // strict: the state dict has exactly our keys (both names of a tied weight).
        model.loadStateDict(weights);
        if (c.config.tieWeights) assert.equal(model.decoder.weight, model.encoder.weight, 'decoder stays tied to the encoder');
        const tolerance = TOLERANCE[dtype];
        const h0 = c.inputs.h0 && toTensor(c.inputs.h0, dtype).requiresGrad_();
        const c0 = c.inputs.c0 && toTensor(c.inputs.c0, dtype).requiresGrad_();
        const state: RNNState | null = h0 ? (c0 ? { h: h0, c: c0 } : { h: h0 }) : null;
        const ids = (t: FixtureTensor): Tensor => toTensor(t, 'int32' as DType);
        const { logits, loss, state: final } = model.forward(ids(c.inputs.idx), ids(c.inputs.targets), state);
        assertClose(logits, c.outputs.logits, tolerance, `${c.name} logits`);
        assertClose(loss as Tensor, c.outputs.loss, tolerance, `${c.name} loss`);
        assertClose(final.h, c.outputs.hN, tolerance, `${c.name} hN`);
        if (c.outputs.cN) assertClose(final.c as Tensor, c.outputs.cN, tolerance, `${c.name} cN`);
        else assert.equal(final.c, undefined, 'only an LSTM state has c');

        (loss as Tensor).backward();
        const named = new Map(model.namedParameters());
        assert.deepEqual([...named.keys()], Object.keys(c.grads.parameters), 'named parameters in PyTorch\'s order (a tied weight once)');
        for (const [name, expected] of Object.entries(c.grads.parameters)) {
          const grad = named.get(name)?.grad;
          assert.ok(grad, `${name} has a gradient`);
          assertClose(grad, expected, tolerance, `${c.name} d loss / d ${name}`);
        }
        if (c.grads.inputs.h0) assertClose(h0?.grad as Tensor, c.grads.inputs.h0, tolerance, `${c.name} d loss / d h0`);
        if (c.grads.inputs.c0) assertClose(c0?.grad as Tensor, c.grads.inputs.c0, tolerance, `${c.name} d loss / d c0`);
      });
    }
  }
});
