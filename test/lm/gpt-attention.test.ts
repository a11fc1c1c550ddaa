/**
 * GPT config `attention`: 'fused' (the packed attention kernel, the default) and
 * 'plain' (nanoGPT's op-by-op maths) are the same function. On every backend, a
 * model and its 'plain' twin with the same weights give equal logits, loss and
 * gradients for every parameter, and equal next-token log-probabilities through
 * the KV cache (prefill, token by token, across the blockSize crop). float64
 * agrees to rounding, float32 to single precision. Also: the option's
 * validation and its place in config.json.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GPT, GPTConfigError, Generator, Tensor, gptConfigToJSON, init, resolveGPTConfig,
  type FloatDType, type GPTConfigInput, type GPTLanguageModel, type GPTState,
} from '../../src/index.js';
import { getBackend, setBackend } from '../../src/backend/index.js';
import { testBackends } from '../backend/backends.js';

const CONFIG: GPTConfigInput = { vocabSize: 13, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8 };
const VARIANTS: [string, GPTConfigInput][] = [
  ['pre-norm, learned positions', CONFIG],
  ['post-norm, sinusoidal, untied, no bias, tanh GELU, 4 heads', { ...CONFIG, nHead: 4, norm: 'post', positions: 'sinusoidal', tieWeights: false, bias: false, activation: 'geluTanh' }],
];
/** Allowed |fused − plain|, relative to the largest magnitude compared. */
const TOLERANCE: Record<FloatDType, number> = { float64: 1e-12, float32: 1e-5 };

/** A fused model with weights spread wider than the 0.02 init (attention far from uniform), and its 'plain' twin. */
function twins(config: GPTConfigInput, dtype: FloatDType): { fused: GPT; plain: GPT } {
  const generator = new Generator(3);
  const fused = new GPT(config, { dtype, generator });
  for (const [name, p] of fused.namedParameters()) {
    if (/ln_\d|ln_f/.test(name) && name.endsWith('weight')) init.normal(p, 1, 0.2, { generator });
    else init.normal(p, 0, name.includes('wte') ? 0.8 : 0.4, { generator });
  }
  const plain = new GPT({ ...config, attention: 'plain' }, { dtype });
  plain.loadStateDict(fused.stateDict());
  return { fused, plain };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, label: string): void {
  assert.equal(actual.length, expected.length, label);
  let worst = 0, scale = 0;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  assert.ok(scale > 0, `${label}: all zeros`);
  assert.ok(worst <= tolerance * Math.max(1, scale), `${label}: max |plain − fused| = ${worst} > ${tolerance} × max(1, ${scale})`);
}

const tokensOf = (n: number, seed: number): number[] => {
  const g = new Generator(seed);
  return Array.from({ length: n }, () => g.randint(0, CONFIG.vocabSize));
};
const batch = (rows: number, length: number, seed: number): Tensor => new Tensor(Int32Array.from(tokensOf(rows * length, seed)), [rows, length]);

/** logits, loss and every parameter's gradient of one training forward + backward. */
function step(model: GPT, idx: Tensor, targets: Tensor): { logits: Tensor; loss: number; grads: Map<string, Tensor> } {
  model.zeroGrad();
  const { logits, loss } = model.forward(idx, targets);
  (loss as Tensor).backward();
  const grads = new Map(model.namedParameters().map(([name, p]) => [name, p.grad as Tensor]));
  return { logits, loss: (loss as Tensor).item(), grads };
}

/** Next-token log-probabilities after each token of `tokens`, fed as a prefill of `prefill` tokens then one by one. */
function cachedLogProbs(model: GPT, tokens: number[], prefill: number): Float64Array[] {
  const lm: GPTLanguageModel = model.asLanguageModel();
  let state: GPTState = lm.advanceMany(lm.initialState(), tokens.slice(0, prefill));
  const out = [lm.nextLogProbs(state)];
  for (const t of tokens.slice(prefill)) {
    state = lm.advance(state, t);
    out.push(lm.nextLogProbs(state));
  }
  return out;
}

for (const backend of testBackends()) {
  describe(`${backend.name}: GPT attention 'plain' equals 'fused'`, () => {
    const onBackend = (fn: () => void) => () => {
      const previous = getBackend().name;
      setBackend(backend.name);
      try {
        fn();
      } finally {
        setBackend(previous);
      }
    };
    for (const [name, config] of VARIANTS) {
      for (const dtype of ['float64', 'float32'] as const) {
        test(`${name}, ${dtype}: logits, loss and every parameter's gradient`, onBackend(() => {
          const { fused, plain } = twins(config, dtype);
          for (const [B, T] of [[3, 8], [2, 5], [1, 1]]) {
            const idx = batch(B, T, 10 + T), targets = batch(B, T, 20 + T);
            const a = step(fused, idx, targets), b = step(plain, idx, targets);
            const label = `B=${B} T=${T}`;
            assertClose(b.logits.data, a.logits.data, TOLERANCE[dtype], `logits ${label}`);
            assertClose([b.loss], [a.loss], TOLERANCE[dtype], `loss ${label}`);
            assert.deepEqual([...b.grads.keys()], [...a.grads.keys()]);
            for (const [param, grad] of a.grads) assertClose((b.grads.get(param) as Tensor).data, grad.data, TOLERANCE[dtype], `∂loss/∂${param} ${label}`);
          }
        }));

        test(`${name}, ${dtype}: through the KV cache (prefill, token by token, across the crop)`, onBackend(() => {
          const { fused, plain } = twins(config, dtype);
          const tokens = tokensOf(19, 5); // 19 > 2·blockSize: the cache is cropped and restarted twice
          for (const prefill of [1, 5]) {
            const a = cachedLogProbs(fused, tokens, prefill), b = cachedLogProbs(plain, tokens, prefill);
            a.forEach((expected, i) => assertClose(b[i], expected, TOLERANCE[dtype], `prefill ${prefill}, step ${i}`));
          }
        }));
      }
    }
  });
}

describe('GPT attention option', () => {
  test("attention dropout in training: both options draw the same masks and give the same loss", () => {
    const config = { ...CONFIG, dropout: 0.3 };
    const losses = (['fused', 'plain'] as const).map((attention) => {
      const model = new GPT({ ...config, attention }, { dtype: 'float64', generator: new Generator(9) });
      model.train();
      return (model.forward(batch(2, 8, 1), batch(2, 8, 2)).loss as Tensor).item();
    });
    assert.equal(losses[1], losses[0]);
  });

  test("absent by default (configs compared whole stay as they were), validated, and saved in config.json when set", () => {
    assert.equal('attention' in resolveGPTConfig(CONFIG), false);
    assert.equal(new GPT(CONFIG).transformer.h.at(0).attn.attention, 'fused');
    const plain = resolveGPTConfig({ ...CONFIG, attention: 'plain' });
    const json = JSON.parse(JSON.stringify(gptConfigToJSON(plain))) as GPTConfigInput;
    assert.equal(json.attention, 'plain');
    assert.deepEqual(new GPT(json).config, plain);
    assert.equal('attention' in gptConfigToJSON(resolveGPTConfig(CONFIG)), false);
    assert.throws(
      () => new GPT({ ...CONFIG, attention: 'flash' } as unknown as GPTConfigInput),
      (err: Error) => err instanceof GPTConfigError && /attention must be 'fused' .* or 'plain' .*, got "flash"/.test(err.message),
    );
  });
});
