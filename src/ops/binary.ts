/**
 * Binary elementwise ops with NumPy/PyTorch broadcasting. Gradients flowing back
 * to a broadcast input are summed over the stretched dims (`sumToShape`).
 */
import type { BinaryOpName } from '../backend/backend.js';
import { kernels } from '../backend/index.js';
import { promote, type DType } from '../tensor/dtype.js';
import { broadcastShapes, broadcastStrides } from '../tensor/shape.js';
import { emptyTensor, outputTensor, Tensor } from '../tensor/tensor.js';
import { apply1, defineOp } from './op.js';
import { sumToShape } from './reduce.js';
import { log, neg } from './unary.js';
import { asTensor, type TensorLike } from './util.js';
import { where } from './indexing.js';

function resultDtype(op: BinaryOpName, a: DType, b: DType): DType {
  if (op === 'eq' || op === 'ne' || op === 'lt' || op === 'le' || op === 'gt' || op === 'ge') return 'int32';
  const t = promote(a, b);
  // True division and real powers of integers give floats, as in PyTorch.
  if (t === 'int32' && op === 'div') return 'float32';
  return t;
}

function binaryForward(op: BinaryOpName, a: Tensor, b: Tensor): Tensor {
  const shape = a.ndim === b.ndim && a.shape.every((d, i) => d === b.shape[i]) ? a.shape : broadcastShapes(op, a.shape, b.shape);
  const out = outputTensor(shape, resultDtype(op, a.dtype, b.dtype));
  kernels.binary(op, a.data, broadcastStrides(a.shape, shape), b.data, broadcastStrides(b.shape, shape), out.data, shape);
  return out;
}

/** Sum of two nullable tangents (null = zero). */
function addTangents(x: Tensor | null, y: Tensor | null): Tensor | null {
  if (!x) return y;
  if (!y) return x;
  return add(x, y);
}

const addOp = defineOp<null>({
  name: 'add',
  forward: ([a, b]) => binaryForward('add', a, b),
  vjp: ({ inputs: [a, b] }, [g]) => (g ? [sumToShape(g, a.shape), sumToShape(g, b.shape)] : [null, null]),
  jvp: ({ outputs: [y] }, [ta, tb]) => [broadcastTangent(addTangents(ta, tb), y)],
});

const subOp = defineOp<null>({
  name: 'sub',
  forward: ([a, b]) => binaryForward('sub', a, b),
  vjp: ({ inputs: [a, b] }, [g]) => (g ? [sumToShape(g, a.shape), sumToShape(neg(g), b.shape)] : [null, null]),
  jvp: ({ outputs: [y] }, [ta, tb]) => [broadcastTangent(tb ? addTangents(ta, neg(tb)) : ta, y)],
});

const mulOp = defineOp<null>({
  name: 'mul',
  forward: ([a, b]) => binaryForward('mul', a, b),
  vjp: ({ inputs: [a, b] }, [g]) => (g ? [sumToShape(mul(g, b), a.shape), sumToShape(mul(g, a), b.shape)] : [null, null]),
  jvp: ({ inputs: [a, b], outputs: [y] }, [ta, tb]) => [broadcastTangent(addTangents(ta && mul(ta, b), tb && mul(a, tb)), y)],
});

// y = a / b:  ∂y/∂a = 1/b,  ∂y/∂b = −a/b² = −y/b.
const divOp = defineOp<null>({
  name: 'div',
  forward: ([a, b]) => binaryForward('div', a, b),
  vjp: ({ inputs: [a, b], outputs: [y] }, [g]) =>
    g ? [sumToShape(div(g, b), a.shape), sumToShape(neg(div(mul(g, y), b)), b.shape)] : [null, null],
  jvp: ({ inputs: [, b], outputs: [y] }, [ta, tb]) =>
    [broadcastTangent(addTangents(ta && div(ta, b), tb && neg(div(mul(tb, y), b))), y)],
});

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

/** A tangent must have the output's shape (a tangent of a broadcast input is stretched). */
function broadcastTangent(t: Tensor | null, y: Tensor): Tensor | null {
  if (!t || (t.ndim === y.ndim && t.shape.every((d, i) => d === y.shape[i]))) return t;
  return binaryForward('add', t, emptyTensor(y.shape, t.dtype));
}

export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = lift(a, b);
  return apply1(addOp, [x, y], null);
}
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = lift(a, b);
  return apply1(subOp, [x, y], null);
}
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = lift(a, b);
  return apply1(mulOp, [x, y], null);
}
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = lift(a, b);
  return apply1(divOp, [x, y], null);
}
/** Elementwise power with a tensor exponent (for a number exponent `powScalar` is faster). */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = lift(a, b);
  return apply1(powOp, [x, y], null);
}
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = lift(a, b);
  return apply1(maximumOp, [x, y], null);
}
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = lift(a, b);
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
  const [x, y] = lift(a, b);
  return binaryForward(op, x, y);
}

function lift(a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (a instanceof Tensor) return [a, asTensor(b, a)];
  if (b instanceof Tensor) return [asTensor(a, b), b];
  throw new TypeError('binary op: at least one operand must be a Tensor');
}

/** @internal Broadcasting forward without autograd, for rules that need a constant. */
export { binaryForward };
