// Embedding: out[i] = table[ids[i]]; backward scatter-adds so repeated ids accumulate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '../../src/tensor/random.js';
import { testBackends } from './backends.js';
import { randomArray } from './helpers.js';

for (const backend of testBackends()) {
  test(`${backend.name}: embedding forward copies rows; backward accumulates repeated ids`, () => {
    const generator = new Generator(60);
    const rows = 5;
    const dim = 3;
    const table = randomArray(generator, rows * dim, Float32Array);
    const ids = Int32Array.from([4, 0, 4, 2]);
    const out = new Float32Array(ids.length * dim);
    backend.embeddingForward(table, ids, out, dim, rows);
    for (let i = 0; i < ids.length; i++) {
      for (let d = 0; d < dim; d++) assert.equal(out[i * dim + d], table[ids[i] * dim + d]);
    }
    const gOut = randomArray(generator, ids.length * dim, Float64Array);
    const gTable = new Float64Array(rows * dim).fill(1);
    backend.embeddingBackward(ids, gOut, gTable, dim);
    const expected = new Float64Array(rows * dim).fill(1);
    for (let i = 0; i < ids.length; i++) for (let d = 0; d < dim; d++) expected[ids[i] * dim + d] += gOut[i * dim + d];
    assert.deepEqual(Array.from(gTable), Array.from(expected));
    // float32 gradients: the same sums, each rounded to float32 (values are exact in float32 here).
    const gOut32 = Float32Array.from(gOut);
    const gTable32 = new Float32Array(rows * dim).fill(1);
    backend.embeddingBackward(ids, gOut32, gTable32, dim);
    const expected32 = new Float32Array(rows * dim).fill(1);
    for (let i = 0; i < ids.length; i++) for (let d = 0; d < dim; d++) expected32[ids[i] * dim + d] += gOut32[i * dim + d];
    assert.deepEqual(Array.from(gTable32), Array.from(expected32));
    // Row 4 was used twice: both contributions are there.
    assert.equal(gTable[4 * dim], 1 + gOut[0] + gOut[2 * dim]);
  });

  test(`${backend.name}: embedding of zero ids and of dim 0 is a no-op`, () => {
    backend.embeddingForward(new Float32Array(6), new Int32Array(0), new Float32Array(0), 3, 2);
    backend.embeddingForward(new Float32Array(0), Int32Array.from([1]), new Float32Array(0), 0, 2);
  });

  test(`${backend.name}: embedding names the bad id and the table size`, () => {
    const table = new Float32Array(6);
    assert.throws(
      () => backend.embeddingForward(table, Int32Array.from([0, 2]), new Float32Array(6), 3, 2),
      (error: unknown) => error instanceof RangeError && /id 2 at position 1 is outside the table of 2 rows/.test(error.message),
    );
    assert.throws(() => backend.embeddingForward(table, Int32Array.from([-1]), new Float32Array(3), 3, 2), /id -1 at position 0/);
    assert.throws(() => backend.embeddingBackward(Int32Array.from([7]), new Float32Array(3), new Float32Array(6), 3), /id 7 at position 0 is outside the table of 2 rows/);
  });
}
