/**
 * Token streams and batches: targets are inputs shifted by one; BPTT lanes are
 * contiguous across consecutive chunks (so a carried hidden state continues the
 * right text); too-short data is refused with what to change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BpttBatches, randomWindows, requireBatchable } from '../../src/train/batching.js';
import { splitTrainVal } from '../../src/train/tokens.js';
import { Generator } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

const ramp = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

test('splitTrainVal: the first 90% trains, the contiguous tail validates (nanoGPT)', () => {
  const { train, val } = splitTrainVal(ramp(1000));
  assert.equal(train.length, 900);
  assert.equal(val[0], 900);
  assert.equal(val.length, 100);
  assert.throws(() => splitTrainVal(ramp(10), 1), /trainFraction must be in \(0, 1\)/);
});

test('randomWindows: each target row is its input row shifted by one; starts cover [0, len − T − 1]', () => {
  const ids = ramp(20);
  const generator = new Generator(3);
  const starts = new Set<number>();
  for (let i = 0; i < 400; i++) {
    const { inputs, targets } = randomWindows(ids, 2, 5, generator);
    assert.deepEqual(inputs.shape, [2, 5]);
    for (let b = 0; b < 2; b++) {
      const start = inputs.data[b * 5];
      starts.add(start);
      for (let t = 0; t < 5; t++) {
        assert.equal(inputs.data[b * 5 + t], start + t);
        assert.equal(targets.data[b * 5 + t], start + t + 1);
      }
    }
  }
  // len 20, T 5: the last window starts at 14 so its last target (19) exists.
  assert.deepEqual([...starts].sort((a, b) => a - b), Array.from({ length: 15 }, (_, i) => i));
});

test('BpttBatches: lanes are contiguous chunk to chunk, wrap with reset, and the cursor resumes', () => {
  const ids = ramp(41); // (41 − 1) / 2 lanes = 20 tokens per lane; T = 6 → 3 chunks per pass
  const stream = new BpttBatches(ids, 2, 6);
  assert.equal(stream.laneLength, 20);
  assert.equal(stream.chunksPerEpoch, 3);
  const first = stream.next();
  assert.equal(first.reset, true);
  assert.deepEqual([...first.inputs.data], [0, 1, 2, 3, 4, 5, 20, 21, 22, 23, 24, 25]);
  assert.deepEqual([...first.targets.data], [1, 2, 3, 4, 5, 6, 21, 22, 23, 24, 25, 26]);
  const second = stream.next();
  assert.equal(second.reset, false);
  assert.deepEqual([...second.inputs.data], [6, 7, 8, 9, 10, 11, 26, 27, 28, 29, 30, 31]);
  stream.next();
  assert.equal(stream.next().reset, true); // wrapped
  const resumed = new BpttBatches(ids, 2, 6);
  resumed.cursor = 1;
  assert.deepEqual([...resumed.next().inputs.data], [...second.inputs.data]);
});

test('data shorter than one batch → an error that says how long it is and what to change', () => {
  assert.throws(() => requireBatchable(10, 4, 64, 'training split', 'random'), /training split has 10 tokens, but one window of blockSize 64 needs 65 — use a smaller --block-size, or more data/);
  assert.throws(() => new BpttBatches(ramp(100), 4, 50, 'training split'), /100 tokens, but one batch of 4 lanes × 50 steps needs 201 — use a smaller --block-size or --batch-size/);
});

test('BpttBatches and randomWindows take a 1-D int32 tensor as they take an Int32Array; other streams are refused by name', () => {
  const ids = ramp(41);
  const fromTensor = new BpttBatches(new Tensor(ids.slice(), [41]), 2, 6);
  const fromArray = new BpttBatches(ids, 2, 6);
  for (let i = 0; i < 4; i++) assert.deepEqual([...fromTensor.next().targets.data], [...fromArray.next().targets.data]);
  const windows = randomWindows(new Tensor(ids.slice(), [41]), 3, 5, new Generator(7));
  assert.deepEqual([...windows.inputs.data], [...randomWindows(ids, 3, 5, new Generator(7)).inputs.data]);
  assert.throws(() => new BpttBatches(new Tensor(new Float32Array(41), [41]), 2, 6), /BpttBatches: expected token ids as an Int32Array or a 1-D int32 tensor, got a float32 tensor of shape \[41\]/);
  assert.throws(() => new BpttBatches(new Tensor(ids.slice(), [1, 41]), 2, 6), /int32 tensor of shape \[1, 41\]/);
  assert.throws(() => new BpttBatches([1, 2, 3] as unknown as Int32Array, 2, 6), /got Array/);
});
