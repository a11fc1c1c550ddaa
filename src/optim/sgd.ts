/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and L2
 * weight decay — torch.optim.SGD's update rule.
 *
 * Seed 002: θ ← θ − α·∇ (mini-batch SGD), and momentum as an exponentially
 * weighted sum of past gradients, α Σ_ℓ γ^ℓ ∇_{k−ℓ}. PyTorch's form of it:
 *
 *   d = g + wd·θ
 *   b = d                       on the first step (no dampening then)
 *   b = μ·b + (1 − dampening)·d afterwards
 *   d = d + μ·b  (Nesterov)  or  d = b
 *   θ ← θ − lr·d
 *
 * Note lr multiplies the whole buffer (not each gradient as it enters), so a
 * schedule that changes lr rescales past momentum too — as in PyTorch.
 */
import type { FloatArray } from '../backend/backend.js';
import { checkRange, Optimizer, zerosLikeArray, type ParamGroup, type ParamsArgument } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  /** Momentum factor μ (0 = plain SGD). */
  momentum: number;
  /** Fraction of each new gradient damped out of the momentum buffer. */
  dampening: number;
  /** Nesterov momentum: step along d + μ·b instead of b. Needs momentum > 0 and dampening 0. */
  nesterov: boolean;
  /** L2 penalty: wd·θ is added to the gradient. */
  weightDecay: number;
}

/** One parameter's state: the momentum buffer (PyTorch's `momentum_buffer`), null until the first step with momentum. */
export type SGDState = { momentumBuffer: FloatArray | null };

/** PyTorch's defaults (torch ≥ 2.0 gives lr a default of 1e-3). */
export const SGD_DEFAULTS: Readonly<SGDOptions> = Object.freeze({ lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 });

export class SGD extends Optimizer<SGDOptions, SGDState> {
  constructor(params: ParamsArgument<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super(params, SGD_DEFAULTS, options, { momentumBuffer: 'array?' });
  }

  protected checkHyperparameters(o: Readonly<SGDOptions>, label: string): void {
    checkRange(this.name, label, 'lr', o.lr, 0);
    checkRange(this.name, label, 'momentum', o.momentum, 0);
    checkRange(this.name, label, 'dampening', o.dampening, -Infinity);
    checkRange(this.name, label, 'weightDecay', o.weightDecay, 0);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new RangeError(`${this.name}: Nesterov momentum needs momentum > 0 and dampening 0 (${label} has momentum ${o.momentum}, dampening ${o.dampening})`);
    }
  }

  protected initState(): SGDState {
    return { momentumBuffer: null };
  }

  protected update(param: FloatArray, grad: FloatArray, state: SGDState, group: Readonly<ParamGroup<SGDOptions>>): void {
    const { lr, momentum, dampening, nesterov, weightDecay } = group;
    const n = param.length;
    if (momentum === 0) {
      for (let i = 0; i < n; i++) {
        const d = weightDecay !== 0 ? grad[i] + weightDecay * param[i] : grad[i];
        param[i] -= lr * d;
      }
      return;
    }
    let buffer = state.momentumBuffer;
    if (buffer === null) {
      // First step: the buffer starts as the (decayed) gradient itself, undamped.
      buffer = state.momentumBuffer = zerosLikeArray(param);
      for (let i = 0; i < n; i++) {
        const d = weightDecay !== 0 ? grad[i] + weightDecay * param[i] : grad[i];
        buffer[i] = d;
        param[i] -= lr * (nesterov ? d + momentum * buffer[i] : buffer[i]);
      }
      return;
    }
    const keep = 1 - dampening;
    for (let i = 0; i < n; i++) {
      const d = weightDecay !== 0 ? grad[i] + weightDecay * param[i] : grad[i];
      buffer[i] = momentum * buffer[i] + keep * d;
      // Read the stored (possibly float32-rounded) buffer, as PyTorch uses it.
      param[i] -= lr * (nesterov ? d + momentum * buffer[i] : buffer[i]);
    }
  }
}
