/**
 * Matrix multiplication with broadcasting batch dims, PyTorch's `matmul` rules
 * for 1-D operands, and transposes as kernel flags: `matmulT(a, b, transA, transB)`
 * multiplies op(A)·op(B) reading the stored layout directly, so gradients
 * (dA = dC·Bᵀ, dB = Aᵀ·dC) never copy a transposed operand.
 */
import { kernels } from '../backend/index.js';
import { promote } from '../tensor/dtype.js';
import { broadcastShapes, formatShape, ShapeError, sizeOf } from '../tensor/shape.js';
import { outputTensor, Tensor } from '../tensor/tensor.js';
import { add } from './arithmetic.js';
import { sumToShape } from './broadcast.js';
import { apply1, defineOp, type OpDefinition } from './op.js';
import { reshape, squeeze, unsqueeze } from './shape.js';
import { requireFloat } from './util.js';

interface MatmulAttrs { transA: boolean; transB: boolean }

function matmulForward(a: Tensor, b: Tensor, { transA, transB }: MatmulAttrs): Tensor {
  const ra = a.ndim, rb = b.ndim;
  const m = transA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) {
    throw new ShapeError(`matmul: inner dimensions differ: ${formatShape(a.shape)}${transA ? 'ᵀ' : ''} @ ${formatShape(b.shape)}${transB ? 'ᵀ' : ''} (${k} vs ${kb})`);
  }
  if (ra === 2 && rb === 2 && a.dtype === b.dtype) {
    // The common case (every nn.Linear), without the batch bookkeeping below: per-op overhead matters at small sizes.
    const out = outputTensor([m, n], a.dtype);
    kernels.matmul({ a: a.data as Float32Array, b: b.data as Float32Array, out: out.data as Float32Array, m, n, k, transA, transB });
    return out;
  }
  const batchA = a.shape.slice(0, ra - 2), batchB = b.shape.slice(0, rb - 2);
  const batch = broadcastShapes('matmul', batchA, batchB);
  const dtype = promote(a.dtype, b.dtype);
  const out = outputTensor([...batch, m, n], dtype);
  const x = a.dtype === dtype ? a.data : Float64Array.from(a.data);
  const y = b.dtype === dtype ? b.data : Float64Array.from(b.data);
  const count = sizeOf(batch);
  const sizeA = m * k, sizeB = k * n, sizeC = m * n;
  const nA = sizeOf(batchA), nB = sizeOf(batchB);
  const base = { a: x as Float32Array, b: y as Float32Array, out: out.data as Float32Array, m, n, k, transA, transB };
  if ((nA === count || nA === 1) && (nB === count || nB === 1)) {
    // One kernel call: each operand is either batched like the output or a single matrix (stride 0).
    kernels.matmul({ ...base, batch: count, aBatchStride: nA === 1 ? 0 : sizeA, bBatchStride: nB === 1 ? 0 : sizeB, outBatchStride: sizeC });
    return out;
  }
  // General broadcasting (e.g. (2,1,…) @ (5,…)): walk the batch index and multiply matrix by matrix.
  const rank = batch.length;
  const pos = new Array<number>(rank).fill(0);
  const offA = batchA.length, offB = batchB.length;
  for (let t = 0; t < count; t++) {
    let ia = 0, ib = 0;
    for (let d = 0; d < rank; d++) {
      const da = d - (rank - offA), db = d - (rank - offB);
      if (da >= 0) ia = ia * batchA[da] + (batchA[da] === 1 ? 0 : pos[d]);
      if (db >= 0) ib = ib * batchB[db] + (batchB[db] === 1 ? 0 : pos[d]);
    }
    kernels.matmul({
      ...base,
      a: x.subarray(ia * sizeA, (ia + 1) * sizeA) as Float32Array,
      b: y.subarray(ib * sizeB, (ib + 1) * sizeB) as Float32Array,
      out: out.data.subarray(t * sizeC, (t + 1) * sizeC) as Float32Array,
    });
    for (let d = rank - 1; d >= 0; d--) { if (++pos[d] < batch[d]) break; pos[d] = 0; }
  }
  return out;
}

// C = op(A)·op(B). Stored-layout gradients (derived from dC·op(B)ᵀ and op(A)ᵀ·dC):
//   dA = transA ? op(B)·dCᵀ : dC·op(B)ᵀ        dB = transB ? dCᵀ·op(A) : op(A)ᵀ·dC
const matmulOp: OpDefinition<MatmulAttrs> = defineOp<MatmulAttrs>({
  name: 'matmul',
  forward: ([a, b], attrs) => matmulForward(a, b, attrs),
  vjp: ({ inputs: [a, b], attrs: { transA, transB } }, [g]) => {
    if (!g) return [null, null];
    const gA = a.requiresGrad ? (transA ? matmulT(b, g, transB, true) : matmulT(g, b, false, !transB)) : null;
    const gB = b.requiresGrad ? (transB ? matmulT(g, a, true, transA) : matmulT(a, g, !transA, false)) : null;
    return [gA && sumToShape(gA, a.shape), gB && sumToShape(gB, b.shape)];
  },
  jvp: ({ inputs: [a, b], attrs }, [ta, tb]) => {
    const left = ta ? apply1(matmulOp, [ta, b], attrs) : null;
    const right = tb ? apply1(matmulOp, [a, tb], attrs) : null;
    return [left && right ? add(left, right) : left ?? right];
  },
});

/** op(A)·op(B) for tensors of rank ≥ 2 with broadcast batch dims; op = transpose of the last two dims when flagged. */
export function matmulT(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  requireFloat('matmul', a, 'left operand');
  requireFloat('matmul', b, 'right operand');
  if (a.ndim < 2 || b.ndim < 2) {
    throw new ShapeError(`matmulT: operands need at least 2 dims, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  return apply1(matmulOp, [a, b], { transA, transB });
}

/** PyTorch's `matmul`: 1-D operands are promoted to matrices and the added dim removed afterwards. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`matmul: both operands need at least 1 dim, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  if (a.ndim === 1 && b.ndim === 1) {
    if (a.size !== b.size) throw new ShapeError(`matmul: vectors of different lengths ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
    return reshape(matmulT(unsqueeze(a, 0), unsqueeze(b, 1)), []);
  }
  if (a.ndim === 1) return squeeze(matmulT(unsqueeze(a, 0), b), -2);
  if (b.ndim === 1) return squeeze(matmulT(a, unsqueeze(b, 1)), -1);
  return matmulT(a, b);
}

/**
 * Affine map y = x Wᵀ + b with PyTorch's weight layout (out, in): one GEMM over
 * all leading dims, reading W transposed in place (no copy).
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  requireFloat('linear', x);
  if (weight.ndim !== 2) throw new ShapeError(`linear: weight must be 2-D (out, in), got ${formatShape(weight.shape)}`);
  const [outFeatures, inFeatures] = weight.shape;
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new ShapeError(`linear: input ${formatShape(x.shape)} must end in ${inFeatures} features to match weight ${formatShape(weight.shape)}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outFeatures)) {
    throw new ShapeError(`linear: bias must have shape [${outFeatures}], got ${formatShape(bias.shape)}`);
  }
  const rows = reshape(x, [-1, inFeatures]);
  const y = matmulT(rows, weight, false, true);
  const withBias = bias ? add(y, bias) : y;
  return reshape(withBias, [...x.shape.slice(0, -1), outFeatures]);
}
