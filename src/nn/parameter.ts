/**
 * A Parameter is a Tensor that a Module owns and an optimizer updates: a leaf
 * with `requiresGrad` on (PyTorch's `nn.Parameter`). Modules discover their
 * parameters by looking for Parameter instances among their fields.
 */
import { Tensor } from '../tensor/tensor.js';

export class Parameter extends Tensor {
  /** Wrap `value`'s storage (shared, not copied) as a trainable leaf. */
  constructor(value: Tensor, requiresGrad = true) {
    super(value.data, value.shape);
    if (requiresGrad) this.requiresGrad = true;
  }
}
