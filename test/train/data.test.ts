/** Data helpers: seeded shuffling, mini-batches, padding with masks. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { batchCount, batches, Generator, manualSeed, padSequences, permutation, shuffle, tensor } from '../../src/index.js';

const isPermutationOf = (values: ArrayLike<number>, n: number): boolean =>
  values.length === n && [...Array.from(values)].sort((a, b) => a - b).every((v, i) => v === i);

describe('seeded shuffling', () => {
  test('permutation: a permutation, the same for the same seed, different for another', () => {
    const a = permutation(50, { generator: new Generator(1) });
    const b = permutation(50, { generator: new Generator(1) });
    const c = permutation(50, { generator: new Generator(2) });
    assert.ok(isPermutationOf(a, 50));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.deepEqual(permutation(0), new Int32Array(0));
    assert.throws(() => permutation(-1), /permutation: n must be an integer ≥ 0, got -1/);
  });

  test('without a generator, manualSeed makes it reproducible', () => {
    manualSeed(123);
    const a = permutation(20);
    const words = shuffle(['a', 'b', 'c', 'd', 'e']);
    manualSeed(123);
    assert.deepEqual(permutation(20), a);
    assert.deepEqual(shuffle(['a', 'b', 'c', 'd', 'e']), words);
  });

  test('shuffle is in place and uniform over the 6 orders of 3 items (χ² check)', () => {
    const generator = new Generator(5);
    const counts = new Map<string, number>();
    const trials = 6000;
    for (let i = 0; i < trials; i++) {
      const order = shuffle([0, 1, 2], { generator }).join('');
      counts.set(order, (counts.get(order) ?? 0) + 1);
    }
    assert.equal(counts.size, 6);
    const expected = trials / 6;
    const chiSquare = [...counts.values()].reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 5 degrees of freedom: P(χ² > 20.5) ≈ 0.001.
    assert.ok(chiSquare < 20.5, `χ² = ${chiSquare}`);
  });
});

describe('batches', () => {
  const collect = (it: Iterable<Int32Array>): number[][] => [...it].map((b) => Array.from(b));

  test('in order: consecutive slices, the last one shorter', () => {
    assert.deepEqual(collect(batches(7, 3)), [[0, 1, 2], [3, 4, 5], [6]]);
    assert.deepEqual(collect(batches(7, 3, { dropLast: true })), [[0, 1, 2], [3, 4, 5]]);
    assert.deepEqual(collect(batches(6, 3, { dropLast: true })), [[0, 1, 2], [3, 4, 5]]);
    assert.deepEqual(collect(batches(0, 3)), []);
    assert.deepEqual([batchCount(7, 3), batchCount(7, 3, true), batchCount(6, 3, true)], [3, 2, 2]);
  });

  test('shuffled: every example exactly once, deterministic per seed, new order per epoch', () => {
    const generator = new Generator(99);
    const epoch1 = collect(batches(10, 4, { shuffle: true, generator }));
    const epoch2 = collect(batches(10, 4, { shuffle: true, generator }));
    assert.deepEqual(epoch1.map((b) => b.length), [4, 4, 2]);
    assert.ok(isPermutationOf(epoch1.flat(), 10));
    assert.ok(isPermutationOf(epoch2.flat(), 10));
    assert.notDeepEqual(epoch1, epoch2);
    // Same seed ⇒ same batches: the order is the generator's permutation, cut into slices.
    const replay = new Generator(99);
    assert.deepEqual(collect(batches(10, 4, { shuffle: true, generator: replay })), epoch1);
    assert.deepEqual(epoch2.flat(), Array.from(permutation(10, { generator: new Generator(99).setState(replay.getState()) })));
  });

  test('shuffled with dropLast drops the tail of the permutation', () => {
    const batchesDropped = collect(batches(10, 4, { shuffle: true, dropLast: true, generator: new Generator(3) }));
    const order = Array.from(permutation(10, { generator: new Generator(3) }));
    assert.deepEqual(batchesDropped, [order.slice(0, 4), order.slice(4, 8)]);
  });

  test('bad arguments fail at the call', () => {
    assert.throws(() => batches(10, 0), /batches: batchSize must be an integer ≥ 1, got 0/);
    assert.throws(() => batches(2.5, 1), /batches: n \(number of examples\) must be an integer ≥ 0, got 2.5/);
  });
});

describe('padSequences', () => {
  const rows = (t: { shape: readonly number[]; data: ArrayLike<number> }): number[][] => {
    const [b, w] = t.shape;
    return Array.from({ length: b }, (_, i) => Array.from(t.data).slice(i * w, (i + 1) * w));
  };

  test('right padding with zeros (seed 003), mask and lengths', () => {
    const { ids, mask, lengths } = padSequences([[5, 6, 7], [8], [9, 10]]);
    assert.equal(ids.dtype, 'int32');
    assert.deepEqual(ids.shape, [3, 3]);
    assert.deepEqual(rows(ids), [[5, 6, 7], [8, 0, 0], [9, 10, 0]]);
    assert.equal(mask.dtype, 'float32');
    assert.deepEqual(rows(mask), [[1, 1, 1], [1, 0, 0], [1, 1, 0]]);
    assert.deepEqual(Array.from(lengths.data), [3, 1, 2]);
    assert.equal(lengths.dtype, 'int32');
  });

  test('left padding and a custom pad id', () => {
    const { ids, mask } = padSequences([[5, 6, 7], [8]], { side: 'left', padValue: -1 });
    assert.deepEqual(rows(ids), [[5, 6, 7], [-1, -1, 8]]);
    assert.deepEqual(rows(mask), [[1, 1, 1], [0, 0, 1]]);
  });

  test('maxLength pads up to it and truncates past it, from either end', () => {
    const sequences = [[1, 2, 3, 4, 5], [6, 7]];
    assert.deepEqual(rows(padSequences(sequences, { maxLength: 4 }).ids), [[1, 2, 3, 4], [6, 7, 0, 0]]);
    assert.deepEqual(rows(padSequences(sequences, { maxLength: 3, truncation: 'left' }).ids), [[3, 4, 5], [6, 7, 0]]);
    assert.deepEqual(rows(padSequences(sequences, { maxLength: 3, side: 'left', truncation: 'left' }).ids), [[3, 4, 5], [0, 6, 7]]);
    const wide = padSequences(sequences, { maxLength: 6 });
    assert.deepEqual(wide.ids.shape, [2, 6]);
    assert.deepEqual(Array.from(padSequences(sequences, { maxLength: 3 }).lengths.data), [3, 2]);
  });

  test('accepts typed arrays and 1-D tensors; empty input and empty sequences', () => {
    const { ids } = padSequences([Int32Array.of(4, 5), tensor([6], { dtype: 'int32' }), []]);
    assert.deepEqual(rows(ids), [[4, 5], [6, 0], [0, 0]]);
    const empty = padSequences([]);
    assert.deepEqual(empty.ids.shape, [0, 0]);
    assert.deepEqual(padSequences([], { maxLength: 4 }).mask.shape, [0, 4]);
  });

  test('bad input names the sequence and position', () => {
    assert.throws(() => padSequences([[1, 2], [3, 4.5]]), /padSequences: sequences\[1\]\[1\] = 4.5 is not an int32 id/);
    assert.throws(() => padSequences([tensor([[1, 2]], { dtype: 'int32' })]), /padSequences: sequences\[0\] must be a 1-D tensor, got shape \[1, 2\]/);
    assert.throws(() => padSequences([[1]], { maxLength: -2 }), /padSequences: maxLength must be an integer ≥ 0, got -2/);
    assert.throws(() => padSequences([[1]], { padValue: 0.5 }), /padSequences: padValue must be an int32 integer, got 0.5/);
  });
});
