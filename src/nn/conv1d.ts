/**
 * Conv1d over (N, Cin, L) — seed 003's Collobert & Weston window convolution is
 * a Conv1d over word embeddings with kernelSize = window width. PyTorch layout
 * (Cout, Cin, K) and default initialization.
 */
import { conv1d, type Conv1dOptions } from '../ops/conv.js';
import { squeeze, unsqueeze } from '../ops/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { layerDefaults } from './init.js';
import { Module, type ModuleOptions } from './module.js';
import type { Parameter } from './parameter.js';
import { emptyParameter, requirePositiveInteger, shapeError } from './util.js';

export interface Conv1dLayerOptions extends Conv1dOptions, ModuleOptions {
  /** Learn a per-channel bias (default true). */
  bias?: boolean;
}

export class Conv1d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | 'same' | 'valid';
  readonly dilation: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: Conv1dLayerOptions = {}) {
    super();
    requirePositiveInteger('Conv1d', 'inChannels', inChannels);
    requirePositiveInteger('Conv1d', 'outChannels', outChannels);
    requirePositiveInteger('Conv1d', 'kernelSize', kernelSize);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.weight = emptyParameter([outChannels, inChannels, kernelSize], options.dtype);
    this.bias = options.bias ?? true ? emptyParameter([outChannels], options.dtype) : null;
    layerDefaults.linear(this.weight, this.bias, options);
  }

  /** (N, Cin, L) → (N, Cout, Lout); an unbatched (Cin, L) input gives (Cout, Lout). */
  forward(input: Tensor): Tensor {
    const unbatched = input.ndim === 2;
    if ((input.ndim !== 3 && !unbatched) || input.shape[input.ndim - 2] !== this.inChannels) {
      throw shapeError('Conv1d', 'input', input, `(N, ${this.inChannels}, L) or (${this.inChannels}, L)`);
    }
    const x = unbatched ? unsqueeze(input, 0) : input;
    const y = conv1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation });
    return unbatched ? squeeze(y, 0) : y;
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}, dilation=${this.dilation}, bias=${this.bias !== null}`;
  }
}
