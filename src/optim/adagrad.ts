/**
 * Adagrad (Duchi, Hazan & Singer 2011) — torch.optim.Adagrad's update rule.
 *
 * Seed 002: divide each coordinate's step by the root of its accumulated squared
 * gradients, a per-dimension, adaptive step ("diagonal preconditioning"). PyTorch's
 * form, at step t:
 *
 *   d   = g + wd·θ
 *   clr = lr / (1 + (t − 1)·lrDecay)
 *   s  += d²                     (s starts at initialAccumulatorValue)
 *   θ  ← θ − clr · d / (√s + eps)        (eps added after the square root)
 */
import type { FloatArray } from '../backend/backend.js';
import { checkRange, Optimizer, zerosLikeArray, type ParamGroup, type ParamsArgument } from './optimizer.js';

export interface AdagradOptions {
  lr: number;
  /** Inverse-time decay of lr with the step count. */
  lrDecay: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Starting value of the squared-gradient sum. */
  initialAccumulatorValue: number;
  /** Added to √s so the first steps stay finite. */
  eps: number;
}

/** step = updates taken; sum = Σ d² (PyTorch's `step`, `sum`). */
export type AdagradState = { step: number; sum: FloatArray };

export const ADAGRAD_DEFAULTS: Readonly<AdagradOptions> = Object.freeze({
  lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10,
});

export class Adagrad extends Optimizer<AdagradOptions, AdagradState> {
  constructor(params: ParamsArgument<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super(params, ADAGRAD_DEFAULTS, options, { step: 'number', sum: 'array' });
  }

  protected checkHyperparameters(o: Readonly<AdagradOptions>, label: string): void {
    checkRange(this.name, label, 'lr', o.lr, 0);
    checkRange(this.name, label, 'lrDecay', o.lrDecay, 0);
    checkRange(this.name, label, 'weightDecay', o.weightDecay, 0);
    checkRange(this.name, label, 'initialAccumulatorValue', o.initialAccumulatorValue, 0);
    checkRange(this.name, label, 'eps', o.eps, 0);
  }

  protected initState(param: FloatArray, group: Readonly<ParamGroup<AdagradOptions>>): AdagradState {
    const sum = zerosLikeArray(param);
    sum.fill(group.initialAccumulatorValue);
    return { step: 0, sum };
  }

  protected update(param: FloatArray, grad: FloatArray, state: AdagradState, group: Readonly<ParamGroup<AdagradOptions>>): void {
    const { lr, lrDecay, weightDecay, eps } = group;
    state.step += 1;
    const clr = lr / (1 + (state.step - 1) * lrDecay);
    const sum = state.sum;
    for (let i = 0, n = param.length; i < n; i++) {
      const d = weightDecay !== 0 ? grad[i] + weightDecay * param[i] : grad[i];
      sum[i] += d * d;
      param[i] -= clr * (d / (Math.sqrt(sum[i]) + eps));
    }
  }
}
