/**
 * Dropout (Srivastava et al. 2014), inverted: in training each element is
 * zeroed with probability p and the survivors scaled by 1/(1 − p); in eval mode
 * it is the identity. The mask comes from the module's seeded generator.
 */
import { dropout } from '../ops/dropout.js';
import { rejectUnknownOptions } from '../options.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import type { FloatDType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { requireProbability } from './util.js';

export interface DropoutOptions {
  /** Generator for the masks (default: the seeded `defaultGenerator`). */
  generator?: Generator;
  /** Accepted so that a module's shared options can be passed on; Dropout has no parameters to type. */
  dtype?: FloatDType;
}

const DROPOUT_OPTIONS: readonly (keyof DropoutOptions)[] = ['generator', 'dtype'];

export class Dropout extends Module {
  readonly p: number;
  readonly generator: Generator;

  constructor(p = 0.5, options: DropoutOptions = {}) {
    super();
    rejectUnknownOptions('Dropout', options, DROPOUT_OPTIONS);
    requireProbability('Dropout', 'p', p);
    this.p = p;
    this.generator = options.generator ?? defaultGenerator;
  }

  forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training, this.generator);
  }

  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}
