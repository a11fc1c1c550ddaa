/**
 * Position embeddings. Sinusoidal encodings against seed 002's formula computed
 * directly with Math.sin/Math.cos:
 *   PE(pos, 2i) = sin(pos / 10000^(2i/d)),   PE(pos, 2i+1) = cos(pos / 10000^(2i/d)).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import { Generator, Tensor } from '../../src/index.js';
import { assertClose, TOLERANCE } from '../helpers/fixtures.js';

function formula(length: number, dim: number, offset = 0): Tensor {
  const data = new Float64Array(length * dim);
  for (let p = 0; p < length; p++) {
    for (let c = 0; c < dim; c++) {
      const i = Math.floor(c / 2);
      const angle = (p + offset) / Math.pow(10000, (2 * i) / dim);
      data[p * dim + c] = c % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return new Tensor(data, [length, dim]);
}

describe('SinusoidalPositionEncoding', () => {
  test('matches the formula for even and odd dims, with offsets, and grows its cache consistently', () => {
    for (const dim of [6, 5, 16]) {
      const pe = new lm.SinusoidalPositionEncoding(dim, { dtype: 'float64' });
      assertClose(pe.forward(7), formula(7, dim), TOLERANCE.float64, `d=${dim}`);
      assertClose(pe.forward(3, 200), formula(3, dim, 200), { atol: 1e-9, rtol: 1e-9 }, `d=${dim} offset 200`);
    }
    const pe = new lm.SinusoidalPositionEncoding(4);
    assert.equal(pe.forward(2).dtype, 'float32');
    assert.equal(pe.numParameters(), 0);
    assert.equal(pe.forward(2).requiresGrad, false);
  });

  test('positions beyond maxLength are an error', () => {
    const pe = new lm.SinusoidalPositionEncoding(4, { maxLength: 8 });
    assert.throws(() => pe.forward(4, 6), /positions 6…9 exceed maxLength 8/);
  });
});

describe('LearnedPositionEmbedding', () => {
  test('returns rows offset…offset+T−1 of its table; only those rows receive gradient', () => {
    const pe = new lm.LearnedPositionEmbedding(6, 3, { dtype: 'float64', generator: new Generator(1) });
    assert.deepEqual(pe.namedParameters().map(([n]) => n), ['weight']);
    const rows = pe.forward(2, 3);
    assert.deepEqual(Array.from(rows.data), Array.from(pe.weight.data.subarray(9, 15)));
    lm.sum(rows).backward();
    assert.deepEqual(Array.from((pe.weight.grad as Tensor).data), [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    assert.throws(() => pe.forward(4, 3), /exceed maxLength 6/);
  });

  test('initialized N(0, 0.02²) by default (GPT-2)', () => {
    const pe = new lm.LearnedPositionEmbedding(100, 100, { generator: new Generator(2) });
    const std = Math.sqrt(lm.mean(lm.square(pe.weight)).item());
    assert.ok(Math.abs(std - 0.02) < 0.001, `std ${std}`);
  });
});
