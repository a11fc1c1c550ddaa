/**
 * The remaining binary elementwise ops — pow, maximum / minimum and the
 * comparisons — with NumPy/PyTorch broadcasting. Their gradients use log and
 * where, which is why they sit above the arithmetic ops (./arithmetic.ts) that
 * log and where are themselves differentiated with.
 */
import type { BinaryOpName } from '../backend/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { addTangents, broadcastTangent, liftOperands, mul, sub } from './arithmetic.js';
import { sumToShape } from './broadcast.js';
import { where } from './indexing.js';
import { apply1, defineOp } from './op.js';
import { log } from './unary.js';
import { binaryForward } from './untracked.js';
import { asTensor, type TensorLike } from './util.js';

// add, sub, mul and div are binary ops too; they live in ./arithmetic.ts with neg.
export { add, div, mul, sub } from './arithmetic.js';

/**
 * y = a^b:  ∂y/∂a = b·a^(b−1),  ∂y/∂b = y·log a, with PyTorch 1.13's masks
 * (pow_backward_self / pow_backward_exponent): ∂y/∂a is 0 where b = 0 (not
 * 0·0^(−1) = NaN at a = 0), and ∂y/∂b is 0 where a = 0 and b ≥ 0 (not 1·log 0
 * = −∞). Elsewhere the formulas stand, so a negative base gives ∂y/∂b = NaN
 * (log of a negative number) and 0^b with b < 0 gives ∓∞, as in torch.
 */
function powPartials(a: Tensor, b: Tensor, y: Tensor): [Tensor, Tensor] {
  const zero = asTensor(0, y);
  const dA = where(binaryForward('eq', b, zero), zero, mul(b, binaryForward('pow', a, sub(b, 1))));
  const zeroBase = binaryForward('mul', binaryForward('eq', a, zero), binaryForward('ge', b, zero));
  const dB = where(zeroBase, zero, mul(y, log(a)));
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

/**
 * The weights of maximum/minimum's JVP: 1 for the selected input, ½ each at
 * ties (PyTorch ≥ 1.7). Where either input is NaN the result is NaN and the
 * tangent comes from b alone (wa = 0, wb = 1), as torch 1.13's forward AD does.
 */
function selectionWeights(op: 'maximum' | 'minimum', a: Tensor, b: Tensor): [Tensor, Tensor] {
  const wins = binaryForward(op === 'maximum' ? 'gt' : 'lt', a, b);
  const wa = binaryForward('add', wins, halfWhereTied(a, b));
  const wb = binaryForward('sub', asTensor(1, wa), wa);
  return [wa, wb];
}

/** ½ where a = b, else 0, in a's float dtype (the comparison itself is int32). */
function halfWhereTied(a: Tensor, b: Tensor): Tensor {
  return binaryForward('mul', binaryForward('eq', a, b), asTensor(0.5, a));
}

/**
 * The weights of maximum/minimum's VJP: each input gets the gradient unless it
 * loses the comparison, halved at ties — torch 1.13's rule (grad masked where
 * a < b for a, where a > b for b). A NaN loses no comparison, so where either
 * input is NaN both receive the full gradient (unlike the JVP above).
 */
function backwardWeights(op: 'maximum' | 'minimum', a: Tensor, b: Tensor): [Tensor, Tensor] {
  const ties = halfWhereTied(a, b);
  const one = asTensor(1, a);
  const aLoses = binaryForward(op === 'maximum' ? 'lt' : 'gt', a, b);
  const bLoses = binaryForward(op === 'maximum' ? 'gt' : 'lt', a, b);
  return [binaryForward('sub', binaryForward('sub', one, aLoses), ties), binaryForward('sub', binaryForward('sub', one, bLoses), ties)];
}

function selectionOp(op: 'maximum' | 'minimum') {
  return defineOp<null>({
    name: op,
    forward: ([a, b]) => binaryForward(op, a, b),
    vjp: ({ inputs: [a, b] }, [g]) => {
      if (!g) return [null, null];
      const [wa, wb] = backwardWeights(op, a, b);
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

