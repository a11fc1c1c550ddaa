/**
 * Activation modules (seed 004's sigmoid, ReLU, tanh, GeLU; seed 000's Sigmoid
 * and Softmax modules): parameter-free wrappers of the ops, for Sequential.
 */
import { gelu, logSoftmax, softmax } from '../ops/activations.js';
import { relu, sigmoid, tanh } from '../ops/unary.js';
import { rejectUnknownOptions } from '../options.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

export type GeluApproximation = 'none' | 'tanh';

export class Identity extends Module {
  forward(input: Tensor): Tensor {
    return input;
  }
}

export class ReLU extends Module {
  forward(input: Tensor): Tensor {
    return relu(input);
  }
}

export class Sigmoid extends Module {
  forward(input: Tensor): Tensor {
    return sigmoid(input);
  }
}

export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return tanh(input);
  }
}

/** GELU: exact x·Φ(x), or the tanh approximation GPT-2 uses (`approximate: 'tanh'`). */
export class GELU extends Module {
  readonly approximate: GeluApproximation;

  constructor(options: { approximate?: GeluApproximation } = {}) {
    super();
    rejectUnknownOptions('GELU', options, ['approximate']);
    const approximate = options.approximate ?? 'none';
    if (approximate !== 'none' && approximate !== 'tanh') throw new RangeError(`GELU: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
    this.approximate = approximate;
  }

  forward(input: Tensor): Tensor {
    return gelu(input, this.approximate);
  }

  protected override extraRepr(): string {
    return this.approximate === 'none' ? '' : `approximate='${this.approximate}'`;
  }
}

export class Softmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }

  forward(input: Tensor): Tensor {
    return softmax(input, this.dim);
  }

  protected override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

export class LogSoftmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }

  forward(input: Tensor): Tensor {
    return logSoftmax(input, this.dim);
  }

  protected override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
