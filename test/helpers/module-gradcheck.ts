/**
 * gradcheck of a module: reverse mode and forward mode each against central
 * finite differences, plus the adjoint identity (src/autograd/gradcheck.ts).
 * The inputs and every parameter are differentiated at once: parameters are
 * swapped in with functionalCall, so the module code runs unchanged.
 */
import assert from 'node:assert/strict';
import * as lm from '../../src/index.js';
import type { GradcheckOptions, Module, Tensor } from '../../src/index.js';

/** gradcheck of (inputs, parameters) ↦ all outputs flattened into one vector. */
export function checkModule(module: Module, inputs: Tensor[], run: (...inputs: Tensor[]) => Tensor | Tensor[], options: GradcheckOptions = {}): void {
  const params = module.namedParameters();
  const f = (...all: Tensor[]): Tensor => {
    const xs = all.slice(0, inputs.length);
    const swapped = new Map(params.map(([name], i) => [name, all[inputs.length + i]]));
    return lm.functionalCall(module, swapped, () => {
      const out = run(...xs);
      return lm.cat((Array.isArray(out) ? out : [out]).map((t) => lm.reshape(t, [-1])), 0);
    });
  };
  const values = params.map(([, p]) => p.detach());
  // Guard against a vacuous pass (a parameter that is not swapped in has zero numeric AND analytic gradient):
  // changing any one parameter must change the output.
  const base = lm.noGrad(() => f(...inputs, ...values));
  values.forEach((value, i) => {
    const moved = values.map((v, j) => (j === i ? lm.add(v, 0.5) : v));
    const out = lm.noGrad(() => f(...inputs, ...moved));
    assert.ok(out.data.some((y, k) => y !== base.data[k]), `parameter ${params[i][0]} does not reach the output`);
  });
  lm.gradcheck(f, [...inputs, ...values], options);
}
