/**
 * RMSprop (Tieleman & Hinton 2012) — torch.optim.RMSprop's update rule.
 *
 * Seed 002: Adagrad's preconditioner as an exponential moving average,
 * v_k = Σ γ^ℓ ∇²_{k−ℓ}, so old gradients are forgotten. PyTorch's form:
 *
 *   d = g + wd·θ
 *   v = α·v + (1 − α)·d²
 *   centered: ḡ = α·ḡ + (1 − α)·d,  a = √(v − ḡ²) + eps   (a variance estimate)
 *   otherwise:                       a = √v + eps
 *   momentum: b = μ·b + d/a,  θ ← θ − lr·b
 *   otherwise:                θ ← θ − lr·d/a
 */
import type { FloatArray } from '../backend/backend.js';
import { checkRange, Optimizer, zerosLikeArray, type ParamGroup, type ParamsArgument } from './optimizer.js';

export interface RMSpropOptions {
  lr: number;
  /** Smoothing constant α of the squared-gradient average. */
  alpha: number;
  /** Added after the square root. */
  eps: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Momentum factor μ applied to the preconditioned step (0 = none). */
  momentum: number;
  /** Normalize by the estimated variance v − ḡ² instead of the raw second moment. */
  centered: boolean;
}

/**
 * step = updates taken; squareAvg = v; gradAvg = ḡ (centered only, else null);
 * momentumBuffer = b (momentum > 0 only, else null). PyTorch: step, square_avg, grad_avg, momentum_buffer.
 */
export type RMSpropState = { step: number; squareAvg: FloatArray; gradAvg: FloatArray | null; momentumBuffer: FloatArray | null };

export const RMSPROP_DEFAULTS: Readonly<RMSpropOptions> = Object.freeze({
  lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false,
});

export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  constructor(params: ParamsArgument<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(params, RMSPROP_DEFAULTS, options, { step: 'number', squareAvg: 'array', gradAvg: 'array?', momentumBuffer: 'array?' });
  }

  protected checkHyperparameters(o: Readonly<RMSpropOptions>, label: string): void {
    checkRange(this.name, label, 'lr', o.lr, 0);
    checkRange(this.name, label, 'alpha', o.alpha, 0);
    checkRange(this.name, label, 'eps', o.eps, 0);
    checkRange(this.name, label, 'weightDecay', o.weightDecay, 0);
    checkRange(this.name, label, 'momentum', o.momentum, 0);
  }

  protected initState(param: FloatArray, group: Readonly<ParamGroup<RMSpropOptions>>): RMSpropState {
    return {
      step: 0,
      squareAvg: zerosLikeArray(param),
      gradAvg: group.centered ? zerosLikeArray(param) : null,
      momentumBuffer: group.momentum > 0 ? zerosLikeArray(param) : null,
    };
  }

  protected update(param: FloatArray, grad: FloatArray, state: RMSpropState, group: Readonly<ParamGroup<RMSpropOptions>>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered } = group;
    state.step += 1;
    // Options may be switched on after the first step (or by loadStateDict): start those buffers at zero.
    if (centered && state.gradAvg === null) state.gradAvg = zerosLikeArray(param);
    if (momentum > 0 && state.momentumBuffer === null) state.momentumBuffer = zerosLikeArray(param);
    const squareAvg = state.squareAvg;
    const gradAvg = state.gradAvg;
    const buffer = state.momentumBuffer;
    const rest = 1 - alpha;
    for (let i = 0, n = param.length; i < n; i++) {
      const d = weightDecay !== 0 ? grad[i] + weightDecay * param[i] : grad[i];
      squareAvg[i] = alpha * squareAvg[i] + rest * (d * d);
      let avg: number;
      if (centered && gradAvg !== null) {
        gradAvg[i] = alpha * gradAvg[i] + rest * d;
        const mean = gradAvg[i];
        avg = Math.sqrt(squareAvg[i] - mean * mean) + eps;
      } else {
        avg = Math.sqrt(squareAvg[i]) + eps;
      }
      if (momentum > 0 && buffer !== null) {
        buffer[i] = momentum * buffer[i] + d / avg;
        param[i] -= lr * buffer[i];
      } else {
        param[i] -= lr * (d / avg);
      }
    }
  }
}
