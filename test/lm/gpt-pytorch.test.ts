/**
 * GPT against PyTorch (test/fixtures/gpt2/, written by scripts/fixtures/gpt2.py):
 *  - a hand-written re-implementation of Hugging Face's GPT2LMHeadModel (Conv1D
 *    weights (in, out), gelu_new, tied lm_head): its safetensors files (float32
 *    with the prefixed names and mask buffers; float16 with GPT2Model names and a
 *    tied lm_head copy) load through GPT.fromGPT2 and give PyTorch's logits and loss;
 *  - nanoGPT's model.py (nn.Linear layout, exact GELU) in float64, generalised
 *    to post-norm / sinusoidal / untied / no-bias: our native names load with the
 *    plain loadStateDict, and logits, loss and every parameter gradient match.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  GPT, GPT2WeightsError, Tensor, gptConfigFromGPT2, gptConfigToGPT2, inferGPT2Config, parseSafetensors, serializeSafetensors,
  type GPT2HFConfig, type GPTConfig,
} from '../../src/index.js';
import { assertClose, readFixture, toTensor, TOLERANCE, type FixtureTensor } from '../helpers/fixtures.js';

const fixtureBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../../test/fixtures/gpt2/${name}`, import.meta.url)));
const readWeights = (name: string): Map<string, Tensor> => parseSafetensors(fixtureBytes(name), name).tensors;
const ids32 = (t: FixtureTensor): Tensor => toTensor(t, 'int32');

interface Gpt2Fixture {
  ids: FixtureTensor;
  targets: FixtureTensor;
  shortIds: FixtureTensor;
  cases: { file: string; logits: FixtureTensor; loss: number; shortLogits: FixtureTensor }[];
}
interface NanoCase {
  name: string;
  config: GPTConfig;
  file: string;
  ids: FixtureTensor;
  targets: FixtureTensor;
  logits: FixtureTensor;
  loss: number;
  grads: Record<string, FixtureTensor>;
}

const gpt2 = readFixture<Gpt2Fixture>('gpt2/gpt2-tiny.json');
const hfConfig = readFixture<GPT2HFConfig>('gpt2/gpt2-tiny.config.json');
const nano = readFixture<{ cases: NanoCase[] }>('gpt2/nanogpt.json');

describe('Hugging Face GPT-2 weights (Conv1D layout)', () => {
  for (const fixture of gpt2.cases) {
    for (const dtype of ['float32', 'float64'] as const) {
      test(`${fixture.file} → GPT.fromGPT2 (${dtype}) gives PyTorch's logits and loss`, () => {
        const model = GPT.fromGPT2(readWeights(fixture.file), { hfConfig, dtype });
        assert.equal(model.config.activation, 'geluTanh');
        assert.equal(model.config.tieWeights, true);
        assert.equal(model.lmHead.weight, model.transformer.wte.weight, 'lm_head stays tied to wte');
        model.eval();
        const { logits, loss } = model.forward(ids32(gpt2.ids), ids32(gpt2.targets));
        // float64 math on the stored values, like the reference; float32 needs single-precision tolerance.
        const tolerance = dtype === 'float64' ? { atol: 1e-9, rtol: 1e-9 } : TOLERANCE.float32;
        assertClose(logits, fixture.logits, tolerance, `${fixture.file} logits`);
        assert.ok(Math.abs((loss as Tensor).item() - fixture.loss) <= (dtype === 'float64' ? 1e-10 : 1e-5), `loss ${(loss as Tensor).item()} vs ${fixture.loss}`);
        assertClose(model.forward(ids32(gpt2.shortIds)).logits, fixture.shortLogits, tolerance, `${fixture.file} short logits`);
      });
    }
  }

  test('the fixture logits are far from uniform (the comparison has teeth)', () => {
    const data = gpt2.cases[0].logits.data as number[];
    const spread = Math.max(...data) - Math.min(...data);
    assert.ok(spread > 5, `logit spread ${spread}`);
  });

  test('config is inferred from shapes; nHead from config.json or an explicit override', () => {
    const weights = readWeights('gpt2-tiny.f32.safetensors');
    const config = inferGPT2Config(weights, { config: { nHead: 4 } });
    assert.deepEqual(
      { vocabSize: config.vocabSize, blockSize: config.blockSize, nLayer: config.nLayer, nEmbd: config.nEmbd, nHead: config.nHead, bias: config.bias, tieWeights: config.tieWeights, activation: config.activation },
      { vocabSize: 50, blockSize: 16, nLayer: 2, nEmbd: 16, nHead: 4, bias: true, tieWeights: true, activation: 'geluTanh' },
    );
    assert.throws(() => inferGPT2Config(weights), /number of heads cannot be read from the weight shapes.*nHead/s);
    assert.deepEqual(gptConfigFromGPT2(hfConfig), {
      norm: 'pre', positions: 'learned', bias: true, vocabSize: 50, blockSize: 16, nEmbd: 16, nLayer: 2, nHead: 4, layerNormEps: 1e-5, tieWeights: true, activation: 'geluTanh',
    });
    assert.throws(() => gptConfigFromGPT2({ ...hfConfig, activation_function: 'relu' }), /activation_function 'relu' is not supported/);
  });

  test('a config.json that does not match the weights: every mismatched key with both shapes', () => {
    const weights = readWeights('gpt2-tiny.f32.safetensors');
    assert.throws(() => GPT.fromGPT2(weights, { hfConfig: { ...hfConfig, n_embd: 32, n_layer: 3 } }), (err: Error) => {
      assert.ok(err instanceof GPT2WeightsError);
      assert.match(err.message, /transformer\.wte\.weight: checkpoint has \[50, 16\], config expects \[50, 32\]/);
      assert.match(err.message, /transformer\.h\.0\.attn\.c_attn\.weight: checkpoint has \[16, 48\], config expects \[32, 96\]/);
      assert.match(err.message, /transformer\.h\.1\.mlp\.c_proj\.weight: checkpoint has \[64, 16\], config expects \[128, 32\]/);
      assert.match(err.message, /missing keys: h\.2\.ln_1\.weight \[32\]/);
      return true;
    });
    // Fewer layers in the config than in the file: the extra keys are named.
    assert.throws(() => GPT.fromGPT2(weights, { hfConfig: { ...hfConfig, n_layer: 1 } }), /unexpected keys: transformer\.h\.1\.ln_1\.weight \[16\]/);
    // A weight stored in Linear layout (out, in) where Conv1D (in, out) is expected.
    const swapped = new Map(weights);
    swapped.set('transformer.h.0.mlp.c_fc.weight', new Tensor(new Float32Array(64 * 16), [64, 16]));
    assert.throws(() => GPT.fromGPT2(swapped, { hfConfig }), /h\.0\.mlp\.c_fc\.weight: checkpoint has \[64, 16\], config expects \[16, 64\]/);
    // An lm_head that differs from wte cannot be tied.
    const untied = new Map(weights);
    untied.set('lm_head.weight', new Tensor(new Float32Array(50 * 16).fill(0.5), [50, 16]));
    assert.throws(() => GPT.fromGPT2(untied, { hfConfig }), /lm_head\.weight' differs from wte\.weight but the config ties them/);
    const model = GPT.fromGPT2(untied, { hfConfig: { ...hfConfig, tie_word_embeddings: false } });
    assert.notEqual(model.lmHead.weight, model.transformer.wte.weight);
    assert.equal(model.lmHead.weight.data[0], 0.5);
  });

  test('export back to Hugging Face layout: same names, shapes and values as the file; safetensors round trip', () => {
    const weights = readWeights('gpt2-tiny.f32.safetensors');
    const model = GPT.fromGPT2(weights, { hfConfig });
    const exported = model.toGPT2StateDict();
    const fileKeys = [...weights.keys()].filter((k) => !/\.attn\.(bias|masked_bias)$/.test(k)).sort();
    assert.deepEqual([...exported.keys()].sort(), fileKeys);
    for (const key of fileKeys) {
      const a = exported.get(key) as Tensor, b = weights.get(key) as Tensor;
      assert.deepEqual([...a.shape], [...b.shape], key);
      assert.deepEqual(Array.from(a.data), Array.from(b.data), key);
    }
    const withHead = model.toGPT2StateDict({ prefix: false, includeTiedHead: true });
    assert.ok(withHead.has('lm_head.weight') && withHead.has('h.0.attn.c_attn.weight') && !withHead.has('transformer.wte.weight'));
    // Through bytes and back into a fresh model.
    const bytes = serializeSafetensors(exported);
    const again = GPT.fromGPT2(parseSafetensors(bytes).tensors, { hfConfig: gptConfigToGPT2(model.config) });
    const ids = ids32(gpt2.shortIds);
    assert.deepEqual(Array.from(again.forward(ids).logits.data), Array.from(model.forward(ids).logits.data));
    assert.equal(gptConfigToGPT2(model.config).activation_function, 'gelu_new');
  });

  test('export refuses architectures GPT-2 cannot represent', () => {
    const post = new GPT({ vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4, norm: 'post' });
    assert.throws(() => post.toGPT2StateDict(), /GPT-2 is a Pre-LN model; this model has norm: 'post'/);
    const sinusoidal = new GPT({ vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4, positions: 'sinusoidal' });
    assert.throws(() => gptConfigToGPT2(sinusoidal.config), /learned position embeddings/);
    assert.throws(() => gptConfigToGPT2({ ...sinusoidal.config, positions: 'learned', bias: false }), /always has biases/);
  });
});

describe('nanoGPT layout (native names), float64', () => {
  for (const c of nano.cases) {
    test(`${c.name}: loadStateDict, logits, loss and every gradient equal PyTorch's`, () => {
      const model = new GPT(c.config, { dtype: 'float64' });
      const weights = readWeights(c.file);
      model.loadStateDict(weights); // strict: the names and (out, in) layouts are nanoGPT's
      const stateKeys = Object.keys(model.stateDict()).sort();
      assert.deepEqual(stateKeys, [...weights.keys()].sort(), 'state dict keys are exactly nanoGPT\'s');
      const { logits, loss } = model.forward(ids32(c.ids), ids32(c.targets));
      assertClose(logits, c.logits, { atol: 1e-10, rtol: 1e-9 }, `${c.name} logits`);
      const l = loss as Tensor;
      assert.ok(Math.abs(l.item() - c.loss) < 1e-11, `loss ${l.item()} vs ${c.loss}`);
      l.backward();
      const params = new Map(model.namedParameters());
      assert.deepEqual([...params.keys()].sort(), Object.keys(c.grads).sort(), 'parameter names (tied weight listed once, as named_parameters)');
      for (const [name, want] of Object.entries(c.grads)) {
        const grad = (params.get(name) as Tensor).grad;
        assert.ok(grad, `${name} has a gradient`);
        assertClose(grad, want, { atol: 1e-10, rtol: 1e-8 }, `${c.name} d loss / d ${name}`);
      }
    });
  }
});
