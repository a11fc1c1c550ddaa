/**
 * Checking one nn-module record of a PyTorch fixture (modules.json,
 * modules-options.json; format in scripts/fixtures/README.md): load PyTorch's
 * state dict with `loadStateDict` (strict — which proves the names, shapes
 * and layouts match), run forward, compare every output; then backpropagate
 * Σ_o sum(out_o ⊙ upstream_o) and compare the gradient of every float input
 * and every parameter.
 */
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import type { FloatDType, Module, Tensor } from '../../src/index.js';
import { assertClose, toTensor, TOLERANCE, type FixtureTensor } from './fixtures.js';

export interface ModuleCase {
  name: string;
  module: string;
  config: Record<string, unknown>;
  parameters: Record<string, FixtureTensor>;
  inputs: Record<string, FixtureTensor>;
  outputs: Record<string, FixtureTensor>;
  upstream: Record<string, FixtureTensor>;
  grads: { inputs: Record<string, FixtureTensor>; parameters: Record<string, FixtureTensor> };
}

export type Inputs = Record<string, Tensor>;
export type Outputs = Record<string, Tensor>;
/** A module built from a case's config, and how to run it on the case's named inputs. */
export interface Built { module: Module; run(inputs: Inputs): Outputs }

/** Build (done by the caller), load PyTorch's weights, run, backpropagate; compare everything. */
export function checkModuleCase(c: ModuleCase, { module, run }: Built, dtype: FloatDType): void {
  const tolerance = TOLERANCE[dtype];
  // float64 fixture tensors load into float32 modules too (loadStateDict converts).
  module.loadStateDict(Object.fromEntries(Object.entries(c.parameters).map(([k, t]) => [k, toTensor(t, 'float64')])));
  const inputs: Inputs = {};
  for (const [k, t] of Object.entries(c.inputs)) {
    const x = toTensor(t, dtype);
    if (x.dtype !== 'int32') x.requiresGrad = true;
    inputs[k] = x;
  }
  const outputs = run(inputs);
  assert.deepEqual(Object.keys(outputs).sort(), Object.keys(c.outputs).sort(), 'output names');
  for (const [k, expected] of Object.entries(c.outputs)) assertClose(outputs[k], expected, tolerance, `${c.name} (${dtype}) output ${k}`);

  let objective: Tensor | null = null;
  for (const [k, u] of Object.entries(c.upstream)) {
    const term = lm.sum(lm.mul(outputs[k], toTensor(u, dtype)));
    objective = objective ? lm.add(objective, term) : term;
  }
  assert.ok(objective, 'no upstream');
  objective.backward();
  for (const [k, expected] of Object.entries(c.grads.inputs)) {
    const grad = inputs[k].grad;
    assert.ok(grad, `${c.name}: input ${k} got no gradient`);
    assertClose(grad, expected, tolerance, `${c.name} (${dtype}) d/d input ${k}`);
  }
  const params = new Map(module.namedParameters());
  assert.deepEqual([...params.keys()].sort(), Object.keys(c.grads.parameters).sort(), 'parameter names');
  for (const [k, expected] of Object.entries(c.grads.parameters)) {
    const p = params.get(k) as Tensor;
    assert.ok(p.grad, `${c.name}: parameter ${k} got no gradient`);
    assertClose(p.grad, expected, tolerance, `${c.name} (${dtype}) d/d ${k}`);
  }
}
