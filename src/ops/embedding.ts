/**
 * Embedding lookup (seed 003's lookup table): out[…, :] = weight[ids[…], :].
 * The gradient scatter-adds rows back into the table (repeated ids accumulate).
 */
import { kernels, type FloatArray } from '../backend/index.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { apply1, defineOp } from './op.js';
import { requireFloat, requireInt } from './util.js';

const embeddingOp = defineOp<null>({
  name: 'embedding',
  forward: ([weight, ids]) => {
    const [rows, dim] = weight.shape;
    const out = emptyTensor([...ids.shape, dim], weight.dtype);
    kernels.embeddingForward(weight.data as FloatArray, ids.data as Int32Array, out.data as FloatArray, dim, rows);
    return out;
  },
  vjp: ({ inputs: [weight, ids] }, [g]) => {
    if (!g) return [null, null];
    const gWeight = emptyTensor(weight.shape, weight.dtype);
    kernels.embeddingBackward(ids.data as Int32Array, g.data as FloatArray, gWeight.data as FloatArray, weight.shape[1]);
    return [gWeight, null];
  },
  jvp: ({ inputs: [, ids] }, [t]) => [t ? embedding(t, ids) : null],
});

/** Look up rows of a (numEmbeddings, dim) table for int32 ids of any shape → (…ids, dim). */
export function embedding(weight: Tensor, ids: Tensor): Tensor {
  requireFloat('embedding', weight, 'weight');
  requireInt('embedding', ids, 'ids');
  if (weight.ndim !== 2) throw new ShapeError(`embedding: weight must be 2-D (numEmbeddings, dim), got ${formatShape(weight.shape)}`);
  return apply1(embeddingOp, [weight, ids], null);
}
