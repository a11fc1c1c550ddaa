/**
 * Embedding lookup (seed 003's lookup table): out[…, :] = weight[ids[…], :].
 * The gradient scatter-adds rows back into the table (repeated ids accumulate).
 *
 * `scaleGradByFreq` (PyTorch's scale_grad_by_freq) divides each row's summed
 * gradient by how often its id occurs in `ids`. That is a training heuristic,
 * not a derivative: it changes the reverse-mode gradient only, and the
 * forward-mode tangent stays the plain lookup of the weight's tangent, as in
 * PyTorch (whose embedding JVP is the lookup itself).
 */
import { kernels, type FloatArray } from '../backend/index.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { apply1, defineOp } from './op.js';
import { requireFloat, requireInt } from './util.js';
import { rejectUnknownOptions } from '../options.js';

export interface EmbeddingLookupOptions {
  /** Divide each row's gradient by the number of times its id occurs in `ids` (default false). */
  scaleGradByFreq?: boolean;
}

interface EmbeddingAttrs { scaleGradByFreq: boolean }

const embeddingOp = defineOp<EmbeddingAttrs>({
  name: 'embedding',
  forward: ([weight, ids]) => {
    const [rows, dim] = weight.shape;
    const out = emptyTensor([...ids.shape, dim], weight.dtype);
    kernels.embeddingForward(weight.data as FloatArray, ids.data as Int32Array, out.data as FloatArray, dim, rows);
    return out;
  },
  vjp: ({ inputs: [weight, ids], attrs }, [g]) => {
    if (!g) return [null, null];
    const gWeight = emptyTensor(weight.shape, weight.dtype);
    kernels.embeddingBackward(ids.data as Int32Array, g.data as FloatArray, gWeight.data as FloatArray, weight.shape[1]);
    if (attrs.scaleGradByFreq) divideRowsByFrequency(gWeight, ids);
    return [gWeight, null];
  },
  jvp: ({ inputs: [, ids] }, [t]) => [t ? embedding(t, ids) : null],
});

/** gWeight[r, :] /= (occurrences of r in ids), for every row that occurs (in place, on a fresh gradient). */
function divideRowsByFrequency(gWeight: Tensor, ids: Tensor): void {
  const [rows, dim] = gWeight.shape;
  const counts = new Int32Array(rows);
  for (const id of ids.data) if (id >= 0 && id < rows) counts[id]++;
  const data = gWeight.data;
  for (let r = 0; r < rows; r++) {
    if (counts[r] <= 1) continue;
    for (let j = r * dim; j < (r + 1) * dim; j++) data[j] /= counts[r];
  }
}

/** Look up rows of a (numEmbeddings, dim) table for int32 ids of any shape → (…ids, dim). */
export function embedding(weight: Tensor, ids: Tensor, options: EmbeddingLookupOptions = {}): Tensor {
  rejectUnknownOptions('embedding', options, ['scaleGradByFreq']);
  requireFloat('embedding', weight, 'weight');
  requireInt('embedding', ids, 'ids');
  if (weight.ndim !== 2) throw new ShapeError(`embedding: weight must be 2-D (numEmbeddings, dim), got ${formatShape(weight.shape)}`);
  return apply1(embeddingOp, [weight, ids], { scaleGradByFreq: options.scaleGradByFreq ?? false });
}
