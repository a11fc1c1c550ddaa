/**
 * The remaining binary elementwise ops — pow, maximum / minimum and the
 * comparisons — with NumPy/PyTorch broadcasting. Their gradients use log and
 * where, which is why they sit above the arithmetic ops (./arithmetic.ts) that
 * log and where are themselves differentiated with.
 */
import type { BinaryOpName } from '../backend/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, addTangents, broadcastTangent, liftOperands, mul, sub } from './arithmetic.js';
import { sumToShape } from './broadcast.js';
import { where } from './indexing.js';
import { apply1, defineOp } from './op.js';
import { log } from './unary.js';
import { binaryForward } from './untracked.js';
import { asTensor, type TensorLike } from './util.js';

// add, sub, mul and div are binary ops too; they live in ./arithmetic.ts with neg.
export { add, div, mul, sub } from './arithmetic.js';

// y = a^b:  ∂y/∂a = b·a^(b−1),  ∂y/∂b = y·log a (taken as 0 where y = 0, as PyTorch does at a = 0).
function powPartials(a: Tensor, b: Tensor, y: Tensor): [Tensor, Tensor] {
  const dA = mul(b, binaryForward('pow', a, sub(b, 1)));
  const dB = where(binaryForward('eq', y, asTensor(0, y)), asTensor(0, y), mul(y, log(a)));
  return [dA, dB];
}

const powOp = defineOp<null>({
  name: 'pow',
  forward: ([a, b]) => binaryForward('pow', a, b),
  vjp: ({ inputs: [a, b], outputs: [y] }, [g]) => {
    if (!g) return [null, null];
    const [dA, dB] = powPartials(a, b, y);
    return [sumToShape(mul(g, dA), a.shape), b.requiresGrad ? sumToShape(mul(g, dB), b.shape) : null];
  },
  jvp: ({ inputs: [a, b], outputs: [y] }, [ta, tb]) => {
    const [dA, dB] = powPartials(a, b, y);
    return [broadcastTangent(addTangents(ta && mul(ta, dA), tb && mul(tb, dB)), y)];
  },
});

// max/min route the gradient to the selected input; ties split it evenly (PyTorch ≥ 1.7).
function selectionWeights(op: 'maximum' | 'minimum', a: Tensor, b: Tensor): [Tensor, Tensor] {
  const wins = binaryForward(op === 'maximum' ? 'gt' : 'lt', a, b);
  const ties = binaryForward('eq', a, b);
  const wa = add(wins, mul(ties, 0.5));
  const wb = sub(1, wa);
  return [wa, wb];
}

function selectionOp(op: 'maximum' | 'minimum') {
  return defineOp<null>({
    name: op,
    forward: ([a, b]) => binaryForward(op, a, b),
    vjp: ({ inputs: [a, b] }, [g]) => {
      if (!g) return [null, null];
      const [wa, wb] = selectionWeights(op, a, b);
      return [sumToShape(mul(g, wa), a.shape), sumToShape(mul(g, wb), b.shape)];
    },
    jvp: ({ inputs: [a, b], outputs: [y] }, [ta, tb]) => {
      const [wa, wb] = selectionWeights(op, a, b);
      return [broadcastTangent(addTangents(ta && mul(ta, wa), tb && mul(tb, wb)), y)];
    },
  });
}
const maximumOp = selectionOp('maximum');
const minimumOp = selectionOp('minimum');

/** Elementwise power with a tensor exponent (for a number exponent `powScalar` is faster). */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = liftOperands(a, b);
  return apply1(powOp, [x, y], null);
}
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = liftOperands(a, b);
  return apply1(maximumOp, [x, y], null);
}
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = liftOperands(a, b);
  return apply1(minimumOp, [x, y], null);
}

/** Comparisons return int32 tensors of 0/1 (lmkit has no bool dtype); they are not differentiable. */
export function eq(a: TensorLike, b: TensorLike): Tensor { return compare('eq', a, b); }
export function ne(a: TensorLike, b: TensorLike): Tensor { return compare('ne', a, b); }
export function lt(a: TensorLike, b: TensorLike): Tensor { return compare('lt', a, b); }
export function le(a: TensorLike, b: TensorLike): Tensor { return compare('le', a, b); }
export function gt(a: TensorLike, b: TensorLike): Tensor { return compare('gt', a, b); }
export function ge(a: TensorLike, b: TensorLike): Tensor { return compare('ge', a, b); }

function compare(op: BinaryOpName, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = liftOperands(a, b);
  return binaryForward(op, x, y);
}

