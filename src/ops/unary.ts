/**
 * Unary elementwise ops. Each is one record: the kernel, and the local derivative
 * f'(x) written with ops — the VJP multiplies the upstream gradient by it, the JVP
 * the tangent (for elementwise maps the Jacobian is diagonal, so both rules are
 * the same product; seed 002's primal/tangent trace uses exactly these).
 */
import type { UnaryOpName } from '../backend/backend.js';
import { kernels } from '../backend/index.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { mul } from './arithmetic.js';
import { apply1, defineOp, type OpDefinition } from './op.js';
import { binaryForward, unaryForward } from './untracked.js';
import { requireFloat, scalarLike, zerosLikeTensor } from './util.js';

// neg is a unary op too; it lives in ./arithmetic.ts, whose gradients use it.
export { neg } from './arithmetic.js';

type Derivative = (x: Tensor, y: Tensor) => Tensor;

/** Define a differentiable unary op from its kernel name and derivative. */
function elementwise(name: UnaryOpName, derivative: Derivative): (x: Tensor) => Tensor {
  const op: OpDefinition<null> = defineOp<null>({
    name,
    forward: ([x]) => {
      requireFloat(name, x);
      return unaryForward(name, x);
    },
    vjp: ({ inputs: [x], outputs: [y] }, [g]) => [g ? mul(g, derivative(x, y)) : null],
    jvp: ({ inputs: [x], outputs: [y] }, [t]) => [t ? mul(t, derivative(x, y)) : null],
  });
  return (x: Tensor) => apply1(op, [x], null);
}

/**
 * Piecewise-constant maps (sign, floor, ceil, round): tracked ops whose
 * derivative is zero, so backward() through them alone gives a zero gradient
 * and forward mode a zero tangent, as PyTorch's (derivatives.yaml: zeros_like).
 */
function piecewiseConstant(name: UnaryOpName): (x: Tensor) => Tensor {
  const op: OpDefinition<null> = defineOp<null>({
    name,
    forward: ([x]) => unaryForward(name, x),
    vjp: ({ inputs: [x] }, [g]) => [g ? zerosLikeTensor(x) : null],
    jvp: ({ inputs: [x] }, [t]) => [t ? zerosLikeTensor(x) : null],
  });
  return (x: Tensor) => apply1(op, [x], null);
}

const constant = (x: Tensor, c: number): Tensor => scalarLike(c, x);

/** d/dx eˣ = eˣ = y */
export const exp = elementwise('exp', (_x, y) => y);
/** d/dx log x = 1/x */
export const log = elementwise('log', (x) => unaryForward('reciprocal', x));
/** d/dx √x = 1/(2√x) */
export const sqrt = elementwise('sqrt', (_x, y) => binaryForward('div', constant(y, 0.5), y));
/** d/dx x^(−1/2) = −½ x^(−3/2) = −½ y / x */
export const rsqrt = elementwise('rsqrt', (x, y) => binaryForward('mul', constant(y, -0.5), binaryForward('div', y, x)));
/** d/dx |x| = sign x (0 at 0, as PyTorch) */
export const abs = elementwise('abs', (x) => unaryForward('sign', x));
/** d/dx sin x = cos x */
export const sin = elementwise('sin', (x) => unaryForward('cos', x));
/** d/dx cos x = −sin x */
export const cos = elementwise('cos', (x) => unaryForward('neg', unaryForward('sin', x)));
/** d/dx σ(x) = σ(x)(1 − σ(x)) (seed 004) */
export const sigmoid = elementwise('sigmoid', (_x, y) => binaryForward('mul', y, binaryForward('sub', constant(y, 1), y)));
/** d/dx tanh x = 1 − tanh² x */
export const tanh = elementwise('tanh', (_x, y) => binaryForward('sub', constant(y, 1), unaryForward('square', y)));
/** d/dx relu x = 1[x > 0] */
export const relu = elementwise('relu', (x) => unaryForward('step', x));
/** d/dx erf x = 2/√π · e^(−x²) */
export const erf = elementwise('erf', (x) => binaryForward('mul', constant(x, 2 / Math.sqrt(Math.PI)), unaryForward('exp', unaryForward('neg', unaryForward('square', x)))));
/** d/dx eˣ − 1 = eˣ */
export const expm1 = elementwise('expm1', (x) => unaryForward('exp', x));
/** d/dx log(1 + x) = 1/(1 + x) */
export const log1p = elementwise('log1p', (x) => unaryForward('reciprocal', binaryForward('add', x, constant(x, 1))));
/** d/dx 1/x = −1/x² = −y² */
export const reciprocal = elementwise('reciprocal', (_x, y) => unaryForward('neg', unaryForward('square', y)));
/** d/dx x² = 2x */
export const square = elementwise('square', (x) => binaryForward('mul', x, constant(x, 2)));

export const sign = piecewiseConstant('sign');
export const floor = piecewiseConstant('floor');
export const ceil = piecewiseConstant('ceil');
export const round = piecewiseConstant('round');

interface ClampAttrs { min: number; max: number }
/**
 * clamp(x) = min(max(x, lo), hi), as torch.clamp: with lo > hi every (non-NaN)
 * element becomes hi, which is the kernel's clamp into [hi, hi]. d/dx = 1 where
 * lo ≤ x ≤ hi, 0 elsewhere — everywhere 0 when lo > hi, as in PyTorch.
 */
const clampOp = defineOp<ClampAttrs>({
  name: 'clamp',
  forward: ([x], { min, max }) => {
    const out = emptyTensor(x.shape, x.dtype);
    kernels.clamp(x.data, Math.min(min, max), max, out.data);
    return out;
  },
  vjp: ({ inputs: [x], attrs }, [g]) => [g ? mul(g, insideMask(x, attrs)) : null],
  jvp: ({ inputs: [x], attrs }, [t]) => [t ? mul(t, insideMask(x, attrs)) : null],
});

function insideMask(x: Tensor, { min, max }: ClampAttrs): Tensor {
  const out = emptyTensor(x.shape, x.dtype);
  const d = x.data, o = out.data;
  for (let i = 0; i < d.length; i++) o[i] = d[i] >= min && d[i] <= max ? 1 : 0;
  return out;
}

/** Clamp into [min, max]; either bound may be omitted. With min > max the result is max everywhere, as torch.clamp's. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  return apply1(clampOp, [x], { min: min ?? -Infinity, max: max ?? Infinity });
}

// d/dx xᵉ = e·x^(e−1)
const powScalarOp = defineOp<{ exponent: number }>({
  name: 'powScalar',
  forward: ([x], { exponent }) => {
    const out = emptyTensor(x.shape, x.dtype);
    kernels.powScalar(x.data, exponent, out.data);
    return out;
  },
  vjp: ({ inputs: [x], attrs }, [g]) => [g ? mul(g, powDerivative(x, attrs.exponent)) : null],
  jvp: ({ inputs: [x], attrs }, [t]) => [t ? mul(t, powDerivative(x, attrs.exponent)) : null],
});

function powDerivative(x: Tensor, exponent: number): Tensor {
  if (exponent === 0) return scalarLike(0, x);
  const out = emptyTensor(x.shape, x.dtype);
  kernels.powScalar(x.data, exponent - 1, out.data);
  kernels.affine(out.data, exponent, 0, out.data);
  return out;
}

/** x raised to a number. */
export function powScalar(x: Tensor, exponent: number): Tensor {
  requireFloat('powScalar', x);
  return apply1(powScalarOp, [x], { exponent });
}
