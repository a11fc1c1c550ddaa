/**
 * gradcheck (JAX's check_grads, PyTorch's gradcheck): compare both modes with
 * float64 central differences, element by element, and check the adjoint
 * identity ⟨vjp(u), v⟩ = ⟨u, jvp(v)⟩ for random u, v — which ties the two
 * modes to each other even where finite differences are loose.
 */
import { noGrad } from './mode.js';
import { Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { jvp, vjp } from './functional.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Check forward mode too (default true). */
  checkForward?: boolean;
  /** Check reverse mode too (default true). */
  checkReverse?: boolean;
  seed?: number;
}

export class GradcheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GradcheckError';
  }
}

type Fn = (...inputs: Tensor[]) => Tensor;

/** Throws GradcheckError with the first mismatch; returns true otherwise. Float inputs must be float64. */
export function gradcheck(f: Fn, inputs: readonly Tensor[], options: GradcheckOptions = {}): true {
  const eps = options.eps ?? 1e-6, atol = options.atol ?? 1e-5, rtol = options.rtol ?? 1e-3;
  const differentiable = inputs.map((x) => x.dtype !== 'int32');
  inputs.forEach((x, i) => {
    if (differentiable[i] && x.dtype !== 'float64') {
      throw new TypeError(`gradcheck: input ${i} is ${x.dtype}; finite differences need float64 (use .double())`);
    }
  });
  const evaluate = (xs: Tensor[]): Tensor => noGrad(() => f(...xs));
  const base = inputs.map((x) => x.detach());
  const output = evaluate(base);
  const outSize = output.size;
  const close = (a: number, b: number): boolean => Math.abs(a - b) <= atol + rtol * Math.abs(b) || (Number.isNaN(a) && Number.isNaN(b));
  // Numerical Jacobian columns, one input element at a time.
  const numeric: Float64Array[] = inputs.map((x) => new Float64Array(outSize * x.size));
  inputs.forEach((x, i) => {
    if (!differentiable[i]) return;
    const data = x.data.slice();
    for (let j = 0; j < x.size; j++) {
      const plus = data.slice(); plus[j] += eps;
      const minus = data.slice(); minus[j] -= eps;
      const withValue = (d: typeof data): Tensor[] => base.map((b, k) => (k === i ? new Tensor(d, x.shape) : b));
      const yPlus = evaluate(withValue(plus)), yMinus = evaluate(withValue(minus));
      for (let r = 0; r < outSize; r++) numeric[i][r * x.size + j] = (yPlus.data[r] - yMinus.data[r]) / (2 * eps);
    }
  });
  const where = (mode: string, i: number, r: number, j: number, got: number, want: number): GradcheckError =>
    new GradcheckError(`gradcheck (${mode} mode): d output[${r}] / d input ${i}[${j}] = ${got}, finite differences give ${want}`);
  if (options.checkReverse ?? true) {
    for (let r = 0; r < outSize; r++) {
      const u = new Tensor(new Float64Array(outSize), output.shape);
      u.data[r] = 1;
      const [, grads] = vjp(f, base, u);
      const list = grads instanceof Tensor ? [grads] : grads;
      inputs.forEach((x, i) => {
        if (!differentiable[i]) return;
        for (let j = 0; j < x.size; j++) {
          const got = list[i].data[j], want = numeric[i][r * x.size + j];
          if (!close(got, want)) throw where('reverse', i, r, j, got, want);
        }
      });
    }
  }
  if (options.checkForward ?? true) {
    inputs.forEach((x, i) => {
      if (!differentiable[i]) return;
      for (let j = 0; j < x.size; j++) {
        const tangents = base.map((b) => new Tensor(new Float64Array(b.size), b.shape));
        tangents[i].data[j] = 1;
        const [, column] = jvp(f, base, tangents);
        for (let r = 0; r < outSize; r++) {
          const got = column.data[r], want = numeric[i][r * x.size + j];
          if (!close(got, want)) throw where('forward', i, r, j, got, want);
        }
      }
    });
  }
  // Adjoint identity with random directions.
  if ((options.checkForward ?? true) && (options.checkReverse ?? true)) {
    const g = new Generator(options.seed ?? 0);
    const u = new Tensor(Float64Array.from({ length: outSize }, () => g.normal()), output.shape);
    const vs = base.map((b) => new Tensor(Float64Array.from({ length: b.size }, () => g.normal()), b.shape));
    const [, jv] = jvp(f, base, vs);
    const [, grads] = vjp(f, base, u);
    const list = grads instanceof Tensor ? [grads] : grads;
    let left = 0, right = 0;
    for (let r = 0; r < outSize; r++) right += u.data[r] * jv.data[r];
    inputs.forEach((x, i) => { if (differentiable[i]) for (let j = 0; j < x.size; j++) left += list[i].data[j] * vs[i].data[j]; });
    if (!close(left, right)) throw new GradcheckError(`gradcheck: ⟨vjp(u), v⟩ = ${left} but ⟨u, jvp(v)⟩ = ${right}`);
  }
  return true;
}
