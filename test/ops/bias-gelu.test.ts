/**
 * biasGelu(x, b) folds the bias of the Linear before a GELU into the GELU kernel.
 * It must equal gelu(add(x, b)) — the composition checked against PyTorch's
 * fixtures — bit for bit, forward and backward (the bias gradient summed over
 * rows), on every backend, and pass gradcheck in both modes on float64.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import { Generator, Tensor } from '../../src/index.js';
import { getBackend, setBackend } from '../../src/backend/index.js';
import { testBackends } from '../backend/backends.js';

function valueAndGrads(f: (x: Tensor, b: Tensor) => Tensor, x: Tensor, b: Tensor, weights: Tensor): Float64Array[] {
  const xs = x.detach().requiresGrad_(), bs = b.detach().requiresGrad_();
  const out = f(xs, bs);
  lm.sum(lm.mul(out, weights)).backward();
  return [out, xs.grad as Tensor, bs.grad as Tensor].map((t) => Float64Array.from(t.data));
}

for (const backend of testBackends()) {
  test(`${backend.name}: biasGelu equals gelu(x + b), forward and backward, bit for bit`, () => {
    const previous = getBackend().name;
    setBackend(backend.name);
    try {
      const generator = new Generator(3);
      for (const [shape, approximate] of [[[768, 512], 'none'], [[3, 5, 7], 'tanh'], [[2, 4097], 'none'], [[1, 1], 'none']] as const) {
        for (const dtype of ['float32', 'float64'] as const) {
          const x = lm.randn([...shape], { generator, dtype, std: 2 });
          const b = lm.randn([shape[shape.length - 1]], { generator, dtype });
          const w = lm.randn([...shape], { generator, dtype });
          const fused = valueAndGrads((xs, bs) => lm.biasGelu(xs, bs, approximate), x, b, w);
          const composed = valueAndGrads((xs, bs) => lm.gelu(lm.add(xs, bs), approximate), x, b, w);
          ['output', 'x.grad', 'bias.grad'].forEach((name, i) => assert.deepEqual(fused[i], composed[i], `${name} ${dtype} ${shape.join('×')} ${approximate}`));
        }
      }
    } finally {
      setBackend(previous);
    }
  });
}

test('biasGelu: gradcheck (reverse and forward mode) on float64', () => {
  const generator = new Generator(4);
  const x = lm.randn([3, 4], { generator, dtype: 'float64' }), b = lm.randn([4], { generator, dtype: 'float64' });
  for (const approximate of ['none', 'tanh'] as const) {
    assert.equal(lm.gradcheck((xs, bs) => lm.biasGelu(xs, bs, approximate), [x, b]), true);
  }
});

test('biasGelu: a bias that does not match the last dim is an error naming both shapes', () => {
  assert.throws(() => lm.biasGelu(lm.zeros([2, 3]), lm.zeros([2])), /biasGelu: bias has shape \[2\], expected \[3\] to match the last dim of x \[2, 3\]/);
  assert.throws(() => lm.biasGelu(lm.zeros([2, 3]), lm.zeros([3], { dtype: 'float64' })), /biasGelu: x is float32 but bias is float64/);
});
