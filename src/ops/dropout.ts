/**
 * Dropout (Srivastava et al. 2014), inverted: in training each element is kept
 * with probability 1 − p and scaled by 1/(1 − p), so evaluation is the identity.
 * The mask is drawn from the seeded generator.
 */
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { allocate } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { mul } from './arithmetic.js';
import { requireFloat } from './util.js';

export function dropout(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: probability must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  requireFloat('dropout', x);
  const mask = allocate(x.dtype, x.size);
  if (p < 1) {
    const scale = 1 / (1 - p);
    for (let i = 0; i < mask.length; i++) mask[i] = generator.random() >= p ? scale : 0;
  }
  return mul(x, new Tensor(mask, x.shape));
}
