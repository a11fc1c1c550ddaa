/**
 * Activations with fused kernels: GELU (exact erf form and tanh approximation,
 * Hendrycks & Gimpel 2016), alone or with the preceding bias folded in, and
 * softmax and log-softmax over any dim (rows are shifted by their max, so ±1000
 * stay finite). Softmax's Jacobian is symmetric,
 * so its JVP and VJP are the same kernel: y ⊙ (v − Σ v·y).
 */
import type { GeluApproximation } from '../backend/backend.js';
import { kernels, type FloatArray } from '../backend/index.js';
import { formatShape, normalizeDim, ShapeError } from '../tensor/shape.js';
import { emptyTensor, outputTensor, Tensor } from '../tensor/tensor.js';
import { add, mul, sub } from './arithmetic.js';
import { sum, sumToShape } from './broadcast.js';
import { apply1, defineOp } from './op.js';
import { transpose } from './shape.js';
import { exp } from './unary.js';
import { requireFloat, zerosLikeTensor } from './util.js';

// gelu'(x) (of x + bias) applied to a vector: one kernel call serves both VJP (g) and JVP (t).
function geluDerivativeTimes(x: Tensor, v: Tensor, approximate: GeluApproximation, bias: Tensor | null = null): Tensor {
  const out = outputTensor(x.shape, x.dtype);
  kernels.geluBackward(x.data as FloatArray, v.data as FloatArray, out.data as FloatArray, approximate, (bias?.data ?? null) as FloatArray | null);
  return out;
}

const geluOp = defineOp<{ approximate: GeluApproximation }>({
  name: 'gelu',
  forward: ([x], { approximate }) => {
    const out = outputTensor(x.shape, x.dtype);
    kernels.geluForward(x.data as FloatArray, out.data as FloatArray, approximate);
    return out;
  },
  vjp: ({ inputs: [x], attrs }, [g]) => [g ? geluDerivativeTimes(x, g, attrs.approximate) : null],
  jvp: ({ inputs: [x], attrs }, [t]) => [t ? geluDerivativeTimes(x, t, attrs.approximate) : null],
});

/** GELU: x·Φ(x) (`approximate: 'tanh'` uses 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))) as GPT-2 does). */
export function gelu(x: Tensor, approximate: GeluApproximation = 'none'): Tensor {
  requireFloat('gelu', x);
  if (approximate !== 'none' && approximate !== 'tanh') throw new RangeError(`gelu: approximate must be 'none' or 'tanh', got '${approximate}'`);
  return apply1(geluOp, [x], { approximate });
}

const biasGeluOp = defineOp<{ approximate: GeluApproximation }>({
  name: 'biasGelu',
  forward: ([x, bias], { approximate }) => {
    const out = outputTensor(x.shape, x.dtype);
    kernels.geluForward(x.data as FloatArray, out.data as FloatArray, approximate, bias.data as FloatArray);
    return out;
  },
  // d/d(x + b) is gelu'(x + b)·g; the bias collects it over every row.
  vjp: ({ inputs: [x, bias], attrs }, [g]) => {
    if (!g) return [null, null];
    const pre = geluDerivativeTimes(x, g, attrs.approximate, bias);
    return [pre, bias.requiresGrad ? sumToShape(pre, bias.shape) : null];
  },
  jvp: ({ inputs: [x, bias], attrs }, [tx, tb]) => {
    const t = tx && tb ? add(tx, tb) : tx ?? (tb ? add(zerosLikeTensor(x), tb) : null);
    return [t ? geluDerivativeTimes(x, t, attrs.approximate, bias) : null];
  },
});

/**
 * GELU(x + bias) with `bias` broadcast along the last dim — the bias of the
 * Linear before a GELU folded into the GELU kernel (one pass instead of an add
 * and a GELU, forward and backward), as Megatron-LM's bias_gelu fusion does.
 */
export function biasGelu(x: Tensor, bias: Tensor, approximate: GeluApproximation = 'none'): Tensor {
  requireFloat('biasGelu', x);
  requireFloat('biasGelu', bias, 'bias');
  if (approximate !== 'none' && approximate !== 'tanh') throw new RangeError(`biasGelu: approximate must be 'none' or 'tanh', got '${approximate}'`);
  if (bias.ndim !== 1 || x.ndim < 1 || bias.shape[0] !== x.shape[x.ndim - 1]) {
    throw new ShapeError(`biasGelu: bias has shape ${formatShape(bias.shape)}, expected [${x.ndim < 1 ? '…' : x.shape[x.ndim - 1]}] to match the last dim of x ${formatShape(x.shape)}`);
  }
  if (bias.dtype !== x.dtype) throw new TypeError(`biasGelu: x is ${x.dtype} but bias is ${bias.dtype}`);
  return apply1(biasGeluOp, [x, bias], { approximate });
}

/** Apply a last-dim row kernel along any dim by moving that dim last and back. */
function alongDim(x: Tensor, dim: number, lastDim: (x: Tensor) => Tensor): Tensor {
  const d = normalizeDim('softmax', dim, Math.max(1, x.ndim));
  if (x.ndim === 0 || d === x.ndim - 1) return lastDim(x);
  return transpose(lastDim(transpose(x, d, -1)), d, -1);
}

function rows(x: Tensor): [number, number] {
  const cols = x.ndim === 0 ? 1 : x.shape[x.ndim - 1];
  return [cols === 0 ? 0 : x.size / cols, cols];
}

function softmaxTimes(y: Tensor, v: Tensor): Tensor {
  const out = emptyTensor(y.shape, y.dtype);
  const [r, c] = rows(y);
  kernels.softmaxBackward(y.data as FloatArray, v.data as FloatArray, out.data as FloatArray, r, c);
  return out;
}

const softmaxOp = defineOp<null>({
  name: 'softmax',
  forward: ([x]) => {
    const out = emptyTensor(x.shape, x.dtype);
    const [r, c] = rows(x);
    kernels.softmaxForward(x.data as FloatArray, out.data as FloatArray, r, c);
    return out;
  },
  vjp: ({ outputs: [y] }, [g]) => [g ? softmaxTimes(y, g) : null],
  jvp: ({ outputs: [y] }, [t]) => [t ? softmaxTimes(y, t) : null],
});

// log-softmax: VJP gx = g − softmax·Σg; JVP tx ↦ t − Σ softmax·t (the Jacobian I − 1·softmaxᵀ is not symmetric).
const logSoftmaxOp = defineOp<null>({
  name: 'logSoftmax',
  forward: ([x]) => {
    const out = emptyTensor(x.shape, x.dtype);
    const [r, c] = rows(x);
    kernels.logSoftmaxForward(x.data as FloatArray, out.data as FloatArray, r, c);
    return out;
  },
  vjp: ({ outputs: [y] }, [g]) => {
    if (!g) return [null];
    const out = emptyTensor(y.shape, y.dtype);
    const [r, c] = rows(y);
    kernels.logSoftmaxBackward(y.data as FloatArray, g.data as FloatArray, out.data as FloatArray, r, c);
    return [out];
  },
  jvp: ({ outputs: [y] }, [t]) => [t ? sub(t, sum(mul(exp(y), t), -1, true)) : null],
});

/** Softmax along `dim` (default: last). */
export function softmax(x: Tensor, dim = -1): Tensor {
  requireFloat('softmax', x);
  return alongDim(x, dim, (v) => apply1(softmaxOp, [v], null));
}

/** log(softmax(x)) computed stably along `dim` (default: last). */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  requireFloat('logSoftmax', x);
  return alongDim(x, dim, (v) => apply1(logSoftmaxOp, [v], null));
}
