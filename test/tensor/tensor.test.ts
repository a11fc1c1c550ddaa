import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import { tensor } from '../../src/index.js';

describe('creation', () => {
  test('nested arrays, dtypes and shapes', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
    assert.equal(tensor(3, { dtype: 'float64' }).item(), 3);
    assert.throws(() => tensor([[1, 2], [3]]), /ragged/);
  });
  test('zeros, ones, full, eye, arange, linspace', () => {
    assert.deepEqual(lm.zeros([2]).toArray(), [0, 0]);
    assert.deepEqual(lm.ones([2], { dtype: 'int32' }).toArray(), [1, 1]);
    assert.deepEqual(lm.full([2], 7).toArray(), [7, 7]);
    assert.deepEqual(lm.eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
    assert.deepEqual(lm.arange(2, 8, 2).toArray(), [2, 4, 6]);
    assert.equal(lm.arange(5).dtype, 'int32');
    assert.deepEqual(lm.linspace(0, 1, 5, { dtype: 'float64' }).toArray(), [0, 0.25, 0.5, 0.75, 1]);
  });
  test('seeded random tensors are reproducible and well distributed', () => {
    const a = lm.randn([1000], { dtype: 'float64', generator: new lm.Generator(42) });
    const b = lm.randn([1000], { dtype: 'float64', generator: new lm.Generator(42) });
    assert.deepEqual(a.toArray(), b.toArray());
    const mean = lm.mean(a).item(), sd = lm.std(a).item();
    assert.ok(Math.abs(mean) < 0.1 && Math.abs(sd - 1) < 0.1, `mean ${mean} std ${sd}`);
    lm.manualSeed(7);
    const r1 = lm.rand([3]).toArray();
    lm.manualSeed(7);
    assert.deepEqual(lm.rand([3]).toArray(), r1);
    const ints = lm.randint(0, 3, [3000], { generator: new lm.Generator(1) });
    const counts = [0, 0, 0];
    for (const v of ints.data) counts[v]++;
    assert.ok(counts.every((c) => c > 900 && c < 1100), `counts ${counts}`);
  });
  test('generator state round-trips for exact resume', () => {
    const g = new lm.Generator(5);
    g.normal();
    const state = JSON.parse(JSON.stringify(g.getState())) as number[];
    const expected = [g.random(), g.normal(), g.normal()];
    const h = new lm.Generator(0).setState(state);
    assert.deepEqual([h.random(), h.normal(), h.normal()], expected);
  });
});

describe('errors name the op and both shapes', () => {
  test('broadcast mismatch', () => {
    assert.throws(() => lm.add(lm.zeros([2, 3]), lm.zeros([4])), /add: shapes \[2, 3\] and \[4\] cannot be broadcast/);
  });
  test('matmul inner dims', () => {
    assert.throws(() => lm.matmul(lm.zeros([2, 3]), lm.zeros([4, 5])), /matmul: inner dimensions differ: \[2, 3\] @ \[4, 5\]/);
  });
  test('float ops on int32 tensors', () => {
    assert.throws(() => lm.exp(lm.arange(3)), /exp: input must be a float tensor/);
  });
  test('out-of-range indices', () => {
    assert.throws(() => lm.embedding(lm.zeros([3, 2]), tensor([0, 3], { dtype: 'int32' })), /3/);
    assert.throws(() => lm.gather(lm.zeros([2, 2]), 1, tensor([[0], [2]], { dtype: 'int32' })), /out of range/);
    assert.throws(() => lm.crossEntropy(lm.zeros([2, 3]), tensor([0, 5], { dtype: 'int32' })), /target 5 is out of range for 3 classes/);
  });
  test('reshape to a wrong size', () => {
    assert.throws(() => lm.reshape(lm.zeros([2, 3]), [4, 2]), /reshape: shape \[4, 2\] is invalid for a tensor of shape \[2, 3\]/);
  });
});

describe('toString', () => {
  test('reads like PyTorch', () => {
    assert.equal(tensor([[1, 2], [3, 4]]).toString(), 'tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]])');
    assert.equal(tensor([1, 2], { dtype: 'int32' }).toString(), 'tensor([1, 2], dtype=int32)');
    assert.match(lm.zeros([2000]).toString(), /\.\.\./);
  });
});

describe('views and movement', () => {
  test('reshape shares storage; slicing the leading dim is zero-copy', () => {
    const x = lm.arange(12, undefined, 1, { dtype: 'float32' });
    const r = lm.reshape(x, [3, 4]);
    assert.equal(r.data.buffer, x.data.buffer);
    const s = lm.slice(r, 0, 1, 2);
    assert.equal(s.data.buffer, x.data.buffer);
    assert.deepEqual(s.toArray(), [[4, 5, 6, 7]]);
  });
  test('stepped and negative slices follow Python', () => {
    const x = lm.arange(10);
    assert.deepEqual(lm.slice(x, 0, -3).toArray(), [7, 8, 9]);
    assert.deepEqual(lm.slice(x, 0, 1, 100, 3).toArray(), [1, 4, 7]);
  });
  test('matmul with transpose flags equals matmul of explicit transposes', () => {
    const g = new lm.Generator(3);
    const a = lm.randn([5, 4], { dtype: 'float64', generator: g }), b = lm.randn([6, 5], { dtype: 'float64', generator: g });
    const flagged = lm.matmulT(a, b, true, true);
    const explicit = lm.matmul(lm.transpose(a), lm.transpose(b));
    flagged.data.forEach((v, i) => assert.ok(Math.abs(v - explicit.data[i]) < 1e-12));
  });
});
