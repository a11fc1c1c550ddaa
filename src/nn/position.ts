/**
 * Position information for attention models, which are otherwise blind to
 * order (seed 000's position embeddings; seed 002's sinusoidal encodings).
 * Both return a (T, dim) table for positions offset … offset + T − 1, to be
 * added to the (B, T, dim) token embeddings (broadcasting over B).
 */
import { reshape, slice, stack, unsqueeze } from '../ops/shape.js';
import { cos, exp, sin } from '../ops/unary.js';
import { mul } from '../ops/binary.js';
import { rejectUnknownOptions } from '../options.js';
import { noGrad } from '../autograd/mode.js';
import { arange } from '../tensor/creation.js';
import type { FloatDType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { normal } from './init.js';
import { Module, type ModuleOptions } from './module.js';
import type { Parameter } from './parameter.js';
import { emptyParameter, requirePositiveInteger } from './util.js';

function checkRange(module: string, length: number, offset: number, maxLength: number): void {
  if (!Number.isInteger(length) || length < 0 || !Number.isInteger(offset) || offset < 0) {
    throw new RangeError(`${module}: length and offset must be non-negative integers, got length ${length}, offset ${offset}`);
  }
  if (offset + length > maxLength) {
    throw new RangeError(`${module}: positions ${offset}…${offset + length - 1} exceed maxLength ${maxLength}`);
  }
}

export interface LearnedPositionEmbeddingOptions extends ModuleOptions {
  /** Standard deviation of the N(0, std²) initialization (default 0.02, as GPT-2). */
  std?: number;
}

const LEARNED_POSITION_OPTIONS: readonly (keyof LearnedPositionEmbeddingOptions)[] = ['std', 'dtype', 'generator'];

/** A trained vector per position (GPT-2's wpe): weight (maxLength, dim). */
export class LearnedPositionEmbedding extends Module {
  readonly maxLength: number;
  readonly dim: number;
  weight: Parameter;

  constructor(maxLength: number, dim: number, options: LearnedPositionEmbeddingOptions = {}) {
    super();
    rejectUnknownOptions('LearnedPositionEmbedding', options, LEARNED_POSITION_OPTIONS);
    requirePositiveInteger('LearnedPositionEmbedding', 'maxLength', maxLength);
    requirePositiveInteger('LearnedPositionEmbedding', 'dim', dim);
    this.maxLength = maxLength;
    this.dim = dim;
    this.weight = emptyParameter([maxLength, dim], options.dtype);
    normal(this.weight, 0, options.std ?? 0.02, options);
  }

  /** Rows offset … offset + length − 1 of the table: (length, dim), a zero-copy view. */
  forward(length: number, offset = 0): Tensor {
    checkRange('LearnedPositionEmbedding', length, offset, this.maxLength);
    return slice(this.weight, 0, offset, offset + length);
  }

  protected override extraRepr(): string {
    return `${this.maxLength}, ${this.dim}`;
  }
}

export interface SinusoidalPositionEncodingOptions {
  dtype?: FloatDType;
  /** Longest position served (default 1e6 — the table is built lazily up to the longest request). */
  maxLength?: number;
  /** The base of the wavelengths (default 10000, as in Vaswani et al.). */
  base?: number;
}

const SINUSOIDAL_OPTIONS: readonly (keyof SinusoidalPositionEncodingOptions)[] = ['dtype', 'maxLength', 'base'];

/**
 * Fixed encodings (Vaswani et al. 2017; seed 002):
 *   PE(pos, 2i) = sin(pos / 10000^(2i/d)),   PE(pos, 2i+1) = cos(pos / 10000^(2i/d)).
 * No parameters; the table is computed with ops and cached.
 */
export class SinusoidalPositionEncoding extends Module {
  readonly dim: number;
  readonly maxLength: number;
  readonly base: number;
  readonly dtype: FloatDType;
  #table: Tensor | null = null;

  constructor(dim: number, options: SinusoidalPositionEncodingOptions = {}) {
    super();
    rejectUnknownOptions('SinusoidalPositionEncoding', options, SINUSOIDAL_OPTIONS);
    requirePositiveInteger('SinusoidalPositionEncoding', 'dim', dim);
    this.dim = dim;
    this.maxLength = options.maxLength ?? 1_000_000;
    this.base = options.base ?? 10000;
    this.dtype = options.dtype ?? 'float32';
  }

  /** PE rows for positions offset … offset + length − 1: (length, dim), constant (no gradient). */
  forward(length: number, offset = 0): Tensor {
    checkRange('SinusoidalPositionEncoding', length, offset, this.maxLength);
    const needed = offset + length;
    if (!this.#table || this.#table.shape[0] < needed) {
      // Grow geometrically so a generation loop asking for one more position each step stays linear.
      const rows = Math.min(this.maxLength, Math.max(needed, 2 * (this.#table?.shape[0] ?? 0), 64));
      this.#table = this.#build(rows);
    }
    return slice(this.#table, 0, offset, offset + length);
  }

  #build(rows: number): Tensor {
    return noGrad(() => {
      const pairs = Math.ceil(this.dim / 2);
      const options = { dtype: this.dtype };
      // 1 / base^(2i/d) for i = 0 … ⌈d/2⌉ − 1, as a (1, pairs) row.
      const exponents = mul(arange(0, pairs, 1, options), -2 * Math.log(this.base) / this.dim);
      const inverseWavelength = unsqueeze(exp(exponents), 0);
      const angles = mul(unsqueeze(arange(0, rows, 1, options), 1), inverseWavelength); // (rows, pairs)
      // Interleave: column 2i = sin, 2i + 1 = cos; an odd dim drops the last cosine.
      const interleaved = reshape(stack([sin(angles), cos(angles)], -1), [rows, 2 * pairs]);
      return this.dim % 2 === 0 ? interleaved : slice(interleaved, 1, 0, this.dim);
    });
  }

  protected override extraRepr(): string {
    return `${this.dim}`;
  }
}

