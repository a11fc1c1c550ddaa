/**
 * Dropout (Srivastava et al. 2014), inverted: in training each element is
 * zeroed with probability p and the survivors scaled by 1/(1 − p); in eval mode
 * it is the identity. The mask comes from the module's seeded generator.
 */
import { dropout } from '../ops/dropout.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { requireProbability } from './util.js';

export interface DropoutOptions {
  /** Generator for the masks (default: the seeded `defaultGenerator`). */
  generator?: Generator;
}

export class Dropout extends Module {
  readonly p: number;
  readonly generator: Generator;

  constructor(p = 0.5, options: DropoutOptions = {}) {
    super();
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
