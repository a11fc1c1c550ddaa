/**
 * Conv1d over (N, Cin, L) — seed 003's Collobert & Weston window convolution is
 * a Conv1d over word embeddings with kernelSize = window width. PyTorch layout
 * (Cout, Cin/groups, K), default initialization and padding modes.
 */
import { conv1d, conv1dPadding, type Conv1dOptions } from '../ops/conv.js';
import { indexSelect } from '../ops/indexing.js';
import { rejectUnknownOptions } from '../options.js';
import { Tensor } from '../tensor/tensor.js';
import { layerDefaults } from './init.js';
import { Module, type ModuleOptions } from './module.js';
import type { Parameter } from './parameter.js';
import { emptyParameter, requirePositiveInteger, shapeError } from './util.js';

/** How the border is filled (PyTorch's padding_mode): zeros, mirrored without the edge, the edge repeated, or wrapped around. */
export type Conv1dPaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

export interface Conv1dLayerOptions extends Conv1dOptions, ModuleOptions {
  /** Learn a per-channel bias (default true). */
  bias?: boolean;
  /** What the padding holds (default 'zeros'). */
  paddingMode?: Conv1dPaddingMode;
}

const CONV1D_LAYER_OPTIONS: readonly (keyof Conv1dLayerOptions)[] = [
  'stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode', 'dtype', 'generator',
];
const PADDING_MODES: readonly Conv1dPaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

export class Conv1d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | 'same' | 'valid';
  readonly dilation: number;
  readonly groups: number;
  readonly paddingMode: Conv1dPaddingMode;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: Conv1dLayerOptions = {}) {
    super();
    rejectUnknownOptions('Conv1d', options, CONV1D_LAYER_OPTIONS);
    requirePositiveInteger('Conv1d', 'inChannels', inChannels);
    requirePositiveInteger('Conv1d', 'outChannels', outChannels);
    requirePositiveInteger('Conv1d', 'kernelSize', kernelSize);
    const groups = options.groups ?? 1;
    requirePositiveInteger('Conv1d', 'groups', groups);
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new RangeError(`Conv1d: groups ${groups} must divide both inChannels (${inChannels}) and outChannels (${outChannels})`);
    }
    const paddingMode = options.paddingMode ?? 'zeros';
    if (!PADDING_MODES.includes(paddingMode)) {
      throw new RangeError(`Conv1d: paddingMode must be one of ${PADDING_MODES.map((m) => `'${m}'`).join(', ')}, got '${String(paddingMode)}'`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.groups = groups;
    this.paddingMode = paddingMode;
    // Validates padding against stride now rather than at the first forward.
    conv1dPadding(this.padding, this.dilation * (kernelSize - 1), this.stride);
    this.weight = emptyParameter([outChannels, inChannels / groups, kernelSize], options.dtype);
    this.bias = options.bias ?? true ? emptyParameter([outChannels], options.dtype) : null;
    layerDefaults.linear(this.weight, this.bias, options);
  }

  /** (N, Cin, L) → (N, Cout, Lout); an unbatched (Cin, L) input gives (Cout, Lout). */
  forward(input: Tensor): Tensor {
    const unbatched = input.ndim === 2;
    if ((input.ndim !== 3 && !unbatched) || input.shape[input.ndim - 2] !== this.inChannels) {
      throw shapeError('Conv1d', 'input', input, `(N, ${this.inChannels}, L) or (${this.inChannels}, L)`);
    }
    const geometry = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode === 'zeros') return conv1d(input, this.weight, this.bias, { ...geometry, padding: this.padding });
    // PyTorch pads explicitly with F.pad(mode) and then convolves without padding.
    const [left, right] = conv1dPadding(this.padding, this.dilation * (this.kernelSize - 1), this.stride);
    return conv1d(padEdges(input, left, right, this.paddingMode), this.weight, this.bias, { ...geometry, padding: 0 });
  }

  protected override extraRepr(): string {
    const extras = `${this.groups !== 1 ? `, groups=${this.groups}` : ''}${this.paddingMode !== 'zeros' ? `, paddingMode='${this.paddingMode}'` : ''}`;
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}, dilation=${this.dilation}${extras}, bias=${this.bias !== null}`;
  }
}

/**
 * Pad the last dim with copies of the input (torch.nn.functional.pad's
 * 'reflect', 'replicate', 'circular'), as one indexSelect whose gradient
 * scatter-adds back into the copied positions.
 */
function padEdges(x: Tensor, left: number, right: number, mode: Exclude<Conv1dPaddingMode, 'zeros'>): Tensor {
  if (left === 0 && right === 0) return x;
  const length = x.shape[x.ndim - 1];
  const widest = Math.max(left, right);
  // PyTorch's limits: reflection needs pad < L (no edge repeated), circular wraps at most once.
  if (mode === 'reflect' && widest >= length) {
    throw new RangeError(`Conv1d: paddingMode 'reflect' needs padding < input length, got padding ${widest} for length ${length}`);
  }
  if (mode === 'circular' && widest > length) {
    throw new RangeError(`Conv1d: paddingMode 'circular' needs padding ≤ input length, got padding ${widest} for length ${length}`);
  }
  if (mode === 'replicate' && length === 0) throw new RangeError('Conv1d: paddingMode \'replicate\' needs a non-empty input');
  const index = new Int32Array(left + length + right);
  for (let i = 0; i < index.length; i++) index[i] = sourcePosition(i - left, length, mode);
  return indexSelect(x, -1, new Tensor(index, [index.length]));
}

/** Where padded position p (−left … L + right − 1) reads from. */
function sourcePosition(p: number, length: number, mode: Exclude<Conv1dPaddingMode, 'zeros'>): number {
  if (p >= 0 && p < length) return p;
  if (mode === 'replicate') return p < 0 ? 0 : length - 1;
  if (mode === 'circular') return ((p % length) + length) % length;
  return p < 0 ? -p : 2 * (length - 1) - p;
}
