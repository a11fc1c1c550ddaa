/**
 * Linear: y = x Wᵀ + b with PyTorch's (out, in) weight layout (seed 000's
 * Linear module). One GEMM over all leading dims, W read transposed in place.
 */
import { linear } from '../ops/matmul.js';
import { rejectUnknownOptions } from '../options.js';
import type { Tensor } from '../tensor/tensor.js';
import { layerDefaults } from './init.js';
import { Module, type ModuleOptions } from './module.js';
import type { Parameter } from './parameter.js';
import { emptyParameter, requirePositiveInteger, shapeError } from './util.js';

export interface LinearOptions extends ModuleOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

const LINEAR_OPTIONS: readonly (keyof LinearOptions)[] = ['bias', 'dtype', 'generator'];

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    rejectUnknownOptions('Linear', options, LINEAR_OPTIONS);
    requirePositiveInteger('Linear', 'inFeatures', inFeatures);
    requirePositiveInteger('Linear', 'outFeatures', outFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = emptyParameter([outFeatures, inFeatures], options.dtype);
    this.bias = options.bias ?? true ? emptyParameter([outFeatures], options.dtype) : null;
    layerDefaults.linear(this.weight, this.bias, options);
  }

  /** (…, inFeatures) → (…, outFeatures). */
  forward(input: Tensor): Tensor {
    if (input.ndim < 1 || input.shape[input.ndim - 1] !== this.inFeatures) {
      throw shapeError('Linear', 'input', input, `(…, ${this.inFeatures})`);
    }
    return linear(input, this.weight, this.bias);
  }

  protected override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
