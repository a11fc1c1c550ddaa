/**
 * The arithmetic ops add, sub, mul, div and neg, with NumPy/PyTorch
 * broadcasting. Gradients flowing back to a broadcast input are summed over the
 * stretched dims (`sumToShape`). The gradients of the other ops are written
 * with these, so they build on nothing but ./broadcast.ts and ./untracked.ts.
 */
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { sumToShape } from './broadcast.js';
import { apply1, defineOp } from './op.js';
import { binaryForward, unaryForward } from './untracked.js';
import { asTensor, type TensorLike } from './util.js';

/** Sum of two nullable tangents (null = zero). */
export function addTangents(x: Tensor | null, y: Tensor | null): Tensor | null {
  if (!x) return y;
  if (!y) return x;
  return add(x, y);
}

/** A tangent must have the output's shape (a tangent of a broadcast input is stretched). */
export function broadcastTangent(t: Tensor | null, y: Tensor): Tensor | null {
  if (!t || (t.ndim === y.ndim && t.shape.every((d, i) => d === y.shape[i]))) return t;
  return binaryForward('add', t, emptyTensor(y.shape, t.dtype));
}

/** Both operands as tensors: a number takes its dtype from the tensor operand. */
export function liftOperands(a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (a instanceof Tensor) return [a, asTensor(b, a)];
  if (b instanceof Tensor) return [asTensor(a, b), b];
  throw new TypeError('binary op: at least one operand must be a Tensor');
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

const negOp = defineOp<null>({
  name: 'neg',
  forward: ([x]) => unaryForward('neg', x),
  vjp: (_ctx, [g]) => [g ? neg(g) : null],
  jvp: (_ctx, [t]) => [t ? neg(t) : null],
});

export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = liftOperands(a, b);
  return apply1(addOp, [x, y], null);
}
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = liftOperands(a, b);
  return apply1(subOp, [x, y], null);
}
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = liftOperands(a, b);
  return apply1(mulOp, [x, y], null);
}
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = liftOperands(a, b);
  return apply1(divOp, [x, y], null);
}
export const neg = (x: Tensor): Tensor => apply1(negOp, [x], null);
