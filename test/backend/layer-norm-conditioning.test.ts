// float32 LayerNorm on ill-conditioned rows (values sharing a large offset: mean 50,
// std 0.005; mean 1e4, std 0.1) must be at least as accurate as PyTorch's float32
// LayerNorm, both measured against the float64 LayerNorm of the same float32 inputs
// (test/fixtures/layer-norm-conditioning.json, scripts/fixtures/layer_norm_conditioning.py).
// Every backend, and the native addon with each instruction set this CPU has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.js';
import { decodeNumber, readFixture, type FixtureTensor } from '../helpers/fixtures.js';
import { forEachNativeIsa, testBackends } from './backends.js';

interface ConditioningCase {
  name: string;
  rows: number;
  cols: number;
  eps: number;
  /** x, then weight and bias when the case is affine. */
  inputs: FixtureTensor[];
  reference: FixtureTensor;
  torchFloat32MaxError: number;
}

const cases = readFixture<{ cases: ConditioningCase[] }>('layer-norm-conditioning.json').cases;

const float32 = (t: FixtureTensor): Float32Array => Float32Array.from(t.data.map(decodeNumber));

/** Largest |backend's float32 LayerNorm − float64 reference| over the case. */
function maxError(backend: Backend, c: ConditioningCase): number {
  const [x, weight, bias] = c.inputs.map(float32);
  const out = new Float32Array(c.rows * c.cols);
  backend.layerNormForward(x, weight ?? null, bias ?? null, out, new Float32Array(c.rows), new Float32Array(c.rows), c.rows, c.cols, c.eps);
  const reference = c.reference.data.map(decodeNumber);
  let worst = 0;
  for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i] - reference[i]));
  return worst;
}

function checkCases(label: string, backend: Backend): void {
  for (const c of cases) {
    const error = maxError(backend, c);
    assert.ok(error <= c.torchFloat32MaxError, `${label} ${c.name}: max |error| ${error} exceeds PyTorch float32's ${c.torchFloat32MaxError}`);
  }
}

test('the fixture holds ill-conditioned cases where PyTorch float32 loses digits', () => {
  assert.equal(cases.length, 4);
  for (const c of cases) assert.ok(c.torchFloat32MaxError > 1e-4, `${c.name}: ${c.torchFloat32MaxError}`);
});

for (const backend of testBackends()) {
  test(`${backend.name}: float32 layerNorm on ill-conditioned rows is within PyTorch float32's error`, () => {
    checkCases(backend.name, backend);
  });
}

// Last in this file: switching the addon's instruction set re-initialises it (see forEachNativeIsa).
test('native: float32 layerNorm on ill-conditioned rows is within PyTorch float32\'s error with every instruction set', () => {
  forEachNativeIsa((isa, backend) => checkCases(`native ${isa}`, backend));
});
