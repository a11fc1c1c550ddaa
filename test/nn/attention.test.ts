/**
 * MultiheadAttention and TransformerBlock beyond the PyTorch fixtures: mask
 * forms that must agree, layouts, the head-averaged weights, and the seeds'
 * observations — attention is blind to order without position information
 * (swapping x2 and x3 leaves x4′ unchanged), and a causal block's output at t
 * does not depend on later inputs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import { Generator, Tensor } from '../../src/index.js';
import { assertClose, TOLERANCE } from '../helpers/fixtures.js';

const dtype = 'float64' as const;
const randn = (shape: number[], seed: number): Tensor => lm.randn(shape, { dtype, generator: new Generator(seed) });
const tight = TOLERANCE.float64;

function attention(seed: number, batchFirst = true): lm.MultiheadAttention {
  const m = new lm.MultiheadAttention(8, 2, { batchFirst, dtype, generator: new Generator(seed) });
  lm.init.normal(m.inProjBias as Tensor, 0, 0.2, { generator: new Generator(seed + 1) });
  return m;
}

describe('MultiheadAttention', () => {
  test('isCausal, a bool causal mask and an additive −∞ mask give the same result', () => {
    const m = attention(1);
    const x = randn([2, 4, 8], 2);
    const blocked = lm.triu(lm.ones([4, 4], { dtype: 'int32' }), 1);
    const additive = lm.where(blocked, -Infinity, 0);
    const viaFlag = m.forward(x, x, x, { isCausal: true, needWeights: true });
    const viaBool = m.forward(x, x, x, { attnMask: blocked, needWeights: true });
    const viaFloat = m.forward(x, x, x, { attnMask: additive, needWeights: true });
    assertClose(viaBool.output, viaFlag.output, tight, 'bool mask');
    assertClose(viaFloat.output, viaFlag.output, tight, 'float mask');
    assertClose(viaBool.weights as Tensor, viaFlag.weights as Tensor, tight, 'weights');
  });

  test('weights: rows sum to 1, padded keys get 0, the average over heads is the mean of the per-head weights', () => {
    const m = attention(3);
    const q = randn([2, 3, 8], 4), kv = randn([2, 5, 8], 5);
    const padding = lm.tensor([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]], { dtype: 'int32' });
    const averaged = m.forward(q, kv, kv, { keyPaddingMask: padding, needWeights: true }).weights as Tensor;
    const perHead = m.forward(q, kv, kv, { keyPaddingMask: padding, needWeights: true, averageAttnWeights: false }).weights as Tensor;
    assert.deepEqual(perHead.shape, [2, 2, 3, 5]);
    assertClose(averaged, lm.mean(perHead, 1), tight, 'average');
    assertClose(lm.sum(averaged, -1), lm.ones([2, 3], { dtype }), tight, 'rows sum to 1');
    for (let row = 0; row < 3; row++) for (const key of [3, 4]) assert.equal(averaged.data[row * 5 + key], 0);
  });

  test('asking for weights does not change the output; without it weights are null', () => {
    const m = attention(6);
    const x = randn([1, 4, 8], 7);
    const plain = m.forward(x);
    assert.equal(plain.weights, null);
    assertClose(plain.output, m.forward(x, x, x, { needWeights: true }).output, tight, 'output');
  });

  test('sequence-first and unbatched layouts agree with batch-first', () => {
    const batchFirst = attention(8);
    const seqFirst = new lm.MultiheadAttention(8, 2, { dtype });
    seqFirst.loadStateDict(batchFirst.stateDict());
    const x = randn([2, 3, 8], 9);
    const reference = batchFirst.forward(x, x, x, { isCausal: true }).output;
    const xt = lm.transpose(x, 0, 1);
    assertClose(lm.transpose(seqFirst.forward(xt, xt, xt, { isCausal: true }).output, 0, 1), reference, tight, 'sequence-first');
    const first = lm.select(x, 0, 0);
    assertClose(batchFirst.forward(first, first, first, { isCausal: true }).output, lm.select(reference, 0, 0), tight, 'unbatched');
  });

  test('attention pools without regard to order: swapping x2 and x3 leaves x4′ unchanged (seed 000)', () => {
    const m = attention(10);
    const x = randn([1, 4, 8], 11);
    const [x1, x2, x3, x4] = lm.split(x, 1, 1);
    const swapped = lm.cat([x1, x3, x2, x4], 1);
    const out = m.forward(x).output, outSwapped = m.forward(swapped).output;
    assertClose(lm.select(outSwapped, 1, 3), lm.select(out, 1, 3), tight, 'x4′');
    // x2′ and x3′ trade places: each query still sees the same set of keys.
    assertClose(lm.select(outSwapped, 1, 1), lm.select(out, 1, 2), tight, 'x2′ ↔ x3′');
  });

  test('attention dropout acts in training only', () => {
    const m = new lm.MultiheadAttention(8, 2, { batchFirst: true, dropout: 0.5, dtype, generator: new Generator(12) });
    const x = randn([1, 4, 8], 13);
    assert.notDeepEqual(m.forward(x).output.toArray(), m.forward(x).output.toArray());
    m.eval();
    assert.deepEqual(m.forward(x).output.toArray(), m.forward(x).output.toArray());
  });

  test('a per-head (B·numHeads, L, S) mask equal for every head matches the shared (L, S) mask, also with key padding', () => {
    const m = attention(16);
    const x = randn([2, 3, 8], 17);
    const shared = lm.tensor([[0, 1, 1], [0, 0, 1], [1, 0, 0]], { dtype: 'int32' });
    const perHead = lm.expand(lm.unsqueeze(shared, 0), [4, 3, 3]);
    const padding = lm.tensor([[0, 0, 1], [0, 0, 0]], { dtype: 'int32' });
    const a = m.forward(x, x, x, { attnMask: shared, keyPaddingMask: padding, needWeights: true });
    const b = m.forward(x, x, x, { attnMask: perHead, keyPaddingMask: padding, needWeights: true });
    assertClose(b.output, a.output, tight, 'output');
    assertClose(b.weights as Tensor, a.weights as Tensor, tight, 'weights');
  });

  test('mask shapes are checked', () => {
    const m = attention(14);
    const x = randn([2, 3, 8], 15);
    assert.throws(() => m.forward(x, x, x, { attnMask: lm.zeros([3, 4]) }), /attnMask has shape \[3, 4\], expected \(3, 3\) or \(4, 3, 3\)/);
    assert.throws(() => m.forward(x, x, x, { keyPaddingMask: lm.zeros([3, 3]) }), /keyPaddingMask has shape \[3, 3\], expected \[2, 3\]/);
  });
});

describe('TransformerBlock', () => {
  for (const norm of ['pre', 'post'] as const) {
    test(`causal ${norm}-LN block: changing later positions leaves earlier outputs unchanged`, () => {
      const block = new lm.TransformerBlock(8, 2, { norm, causal: true, dtype, generator: new Generator(16) });
      const x = randn([1, 5, 8], 17);
      const changed = lm.cat([lm.slice(x, 1, 0, 3), randn([1, 2, 8], 18)], 1);
      const a = block.forward(x), b = block.forward(changed);
      assertClose(lm.slice(b, 1, 0, 3), lm.slice(a, 1, 0, 3), tight, 'prefix');
      assert.notDeepEqual(lm.slice(b, 1, 3).toArray(), lm.slice(a, 1, 3).toArray());
    });
  }

  test('pre-LN and post-LN are different functions of the same weights; a key padding mask reaches the attention', () => {
    const pre = new lm.TransformerBlock(8, 2, { norm: 'pre', dtype, generator: new Generator(19) });
    const post = new lm.TransformerBlock(8, 2, { norm: 'post', dtype });
    post.loadStateDict(pre.stateDict());
    const x = randn([2, 4, 8], 20);
    assert.notDeepEqual(pre.forward(x).toArray(), post.forward(x).toArray());
    const padding = lm.tensor([[0, 0, 0, 1], [0, 0, 0, 0]], { dtype: 'int32' });
    const masked = pre.forward(x, { keyPaddingMask: padding });
    assertClose(lm.select(masked, 0, 1), lm.select(pre.forward(x), 0, 1), tight, 'unpadded sequence unchanged');
    assert.notDeepEqual(lm.select(masked, 0, 0).toArray(), lm.select(pre.forward(x), 0, 0).toArray());
  });
});
