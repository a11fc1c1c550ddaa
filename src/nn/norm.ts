/**
 * LayerNorm (Ba et al. 2016; seeds 000/001: normalize each position's vector,
 * then scale and shift) over the trailing `normalizedShape` dims, with the
 * fused kernel pair. Weight starts at ones, bias at zeros (PyTorch).
 */
import { layerNorm } from '../ops/norm.js';
import { rejectUnknownOptions } from '../options.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ones, zeros } from './init.js';
import { Module, type ModuleOptions } from './module.js';
import type { Parameter } from './parameter.js';
import { emptyParameter, requirePositiveInteger, shapeError } from './util.js';

export interface LayerNormOptions extends Omit<ModuleOptions, 'generator'> {
  eps?: number;
  /** Learn a per-element scale and shift (default true). */
  elementwiseAffine?: boolean;
  /** Learn the shift (default true; ignored without elementwiseAffine). */
  bias?: boolean;
}

const LAYER_NORM_OPTIONS: readonly (keyof LayerNormOptions)[] = ['eps', 'elementwiseAffine', 'bias', 'dtype'];

export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    rejectUnknownOptions('LayerNorm', options, LAYER_NORM_OPTIONS);
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0) throw new RangeError('LayerNorm: normalizedShape must have at least one dim');
    for (const d of shape) requirePositiveInteger('LayerNorm', 'normalizedShape', d);
    this.normalizedShape = Object.freeze(shape);
    this.eps = options.eps ?? 1e-5;
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? emptyParameter(shape, options.dtype) : null;
    this.bias = affine && (options.bias ?? true) ? emptyParameter(shape, options.dtype) : null;
    if (this.weight) ones(this.weight);
    if (this.bias) zeros(this.bias);
  }

  /** (…, *normalizedShape) → same shape. */
  forward(input: Tensor): Tensor {
    const n = this.normalizedShape.length;
    if (input.ndim < n || this.normalizedShape.some((d, i) => input.shape[input.ndim - n + i] !== d)) {
      throw shapeError('LayerNorm', 'input', input, `(…, ${this.normalizedShape.join(', ')})`);
    }
    return layerNorm(input, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  protected override extraRepr(): string {
    return `${formatShape(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}
