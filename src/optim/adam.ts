/**
 * Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019) — torch.optim.Adam
 * and torch.optim.AdamW, AMSGrad (Reddi, Kale & Kumar 2018) included.
 *
 * Seed 002's algorithm box, at step t:
 *
 *   m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
 *   m̂ = m / (1 − β1ᵗ)              v̂ = v / (1 − β2ᵗ)
 *   θ ← θ − α·m̂ / (√v̂ + ε)
 *
 * PyTorch computes the last line as θ − (α/(1 − β1ᵗ))·m / (√v/√(1 − β2ᵗ) + ε),
 * which is the same expression. The two differ only in weight decay:
 *   Adam  — L2 penalty: g ← g + wd·θ before the moments (so it is rescaled by √v̂);
 *   AdamW — decoupled:  θ ← θ·(1 − lr·wd) before the update, the moments never see it.
 * AMSGrad divides by √max(v_1…v_t) instead of √v_t, so the step can only shrink.
 *
 * The common path runs in the backend's fused `adamwUpdate` kernel; AMSGrad (which
 * the kernel does not cover) runs the loop below.
 */
import { kernels } from '../backend/index.js';
import type { FloatArray } from '../backend/backend.js';
import { checkRange, Optimizer, zerosLikeArray, type ParamGroup, type ParamsArgument } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  /** Decay rates [β1, β2] of the first and second moment averages. */
  betas: readonly [number, number];
  /** Added to √v̂ in the denominator. */
  eps: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay θ ← θ·(1 − lr·wd). */
  weightDecay: number;
  /** Use the running maximum of v (AMSGrad). */
  amsgrad: boolean;
}

/**
 * step = updates taken (t); expAvg = m; expAvgSq = v; maxExpAvgSq = max over steps of v
 * (amsgrad only, else null). PyTorch: step, exp_avg, exp_avg_sq, max_exp_avg_sq.
 */
export type AdamState = { step: number; expAvg: FloatArray; expAvgSq: FloatArray; maxExpAvgSq: FloatArray | null };

/** Kingma & Ba's defaults, which are PyTorch's too (seed 002: α = 0.001, β1 = 0.9, β2 = 0.999, ε = 1e-8). */
export const ADAM_DEFAULTS: Readonly<AdamOptions> = Object.freeze({ lr: 1e-3, betas: Object.freeze([0.9, 0.999] as const), eps: 1e-8, weightDecay: 0, amsgrad: false });
/** PyTorch's AdamW defaults: Adam's with weightDecay 0.01. */
export const ADAMW_DEFAULTS: Readonly<AdamOptions> = Object.freeze({ ...ADAM_DEFAULTS, weightDecay: 1e-2 });

const ADAM_STATE_SCHEMA = { step: 'number', expAvg: 'array', expAvgSq: 'array', maxExpAvgSq: 'array?' } as const;

abstract class AdamFamily extends Optimizer<AdamOptions, AdamState> {
  /** True for AdamW (decoupled decay), false for Adam (L2 penalty in the gradient). */
  protected abstract readonly decoupledWeightDecay: boolean;
  /** Reused buffer for Adam's g + wd·θ, so the grad tensor itself is left untouched. */
  private scratch: FloatArray | null = null;

  protected checkHyperparameters(o: Readonly<AdamOptions>, label: string): void {
    checkRange(this.name, label, 'lr', o.lr, 0);
    checkRange(this.name, label, 'betas[0]', o.betas[0], 0, 1, false);
    checkRange(this.name, label, 'betas[1]', o.betas[1], 0, 1, false);
    checkRange(this.name, label, 'eps', o.eps, 0);
    checkRange(this.name, label, 'weightDecay', o.weightDecay, 0);
  }

  protected initState(param: FloatArray, group: Readonly<ParamGroup<AdamOptions>>): AdamState {
    return {
      step: 0,
      expAvg: zerosLikeArray(param),
      expAvgSq: zerosLikeArray(param),
      maxExpAvgSq: group.amsgrad ? zerosLikeArray(param) : null,
    };
  }

  protected update(param: FloatArray, grad: FloatArray, state: AdamState, group: Readonly<ParamGroup<AdamOptions>>): void {
    const { lr, betas: [beta1, beta2], eps, weightDecay, amsgrad } = group;
    state.step += 1;
    const biasCorrection1 = 1 - beta1 ** state.step;
    const biasCorrection2 = 1 - beta2 ** state.step;
    if (amsgrad) {
      if (state.maxExpAvgSq === null) state.maxExpAvgSq = zerosLikeArray(param);
      this.amsgradUpdate(param, grad, state, lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2);
      return;
    }
    let effectiveGrad = grad;
    if (!this.decoupledWeightDecay && weightDecay !== 0) {
      effectiveGrad = this.scratchFor(param);
      for (let i = 0, n = param.length; i < n; i++) effectiveGrad[i] = grad[i] + weightDecay * param[i];
    }
    kernels.adamwUpdate({
      param, grad: effectiveGrad, expAvg: state.expAvg, expAvgSq: state.expAvgSq,
      lr, beta1, beta2, eps, weightDecay: this.decoupledWeightDecay ? weightDecay : 0,
      biasCorrection1, biasCorrection2,
    });
  }

  private amsgradUpdate(
    param: FloatArray, grad: FloatArray, state: AdamState, lr: number, beta1: number, beta2: number,
    eps: number, weightDecay: number, biasCorrection1: number, biasCorrection2: number,
  ): void {
    const { expAvg, expAvgSq } = state;
    const maxExpAvgSq = state.maxExpAvgSq as FloatArray;
    const stepSize = lr / biasCorrection1;
    const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
    const decay = this.decoupledWeightDecay ? 1 - lr * weightDecay : 1;
    const l2 = this.decoupledWeightDecay ? 0 : weightDecay;
    for (let i = 0, n = param.length; i < n; i++) {
      if (decay !== 1) param[i] *= decay;
      const g = l2 !== 0 ? grad[i] + l2 * param[i] : grad[i];
      expAvg[i] = beta1 * expAvg[i] + (1 - beta1) * g;
      expAvgSq[i] = beta2 * expAvgSq[i] + (1 - beta2) * (g * g);
      if (expAvgSq[i] > maxExpAvgSq[i]) maxExpAvgSq[i] = expAvgSq[i];
      const denom = Math.sqrt(maxExpAvgSq[i]) / biasCorrection2Sqrt + eps;
      param[i] -= stepSize * (expAvg[i] / denom);
    }
  }

  private scratchFor(param: FloatArray): FloatArray {
    const sameType = this.scratch !== null && (this.scratch instanceof Float64Array) === (param instanceof Float64Array);
    if (!sameType || (this.scratch as FloatArray).length < param.length) {
      this.scratch = param instanceof Float64Array ? new Float64Array(param.length) : new Float32Array(param.length);
    }
    return (this.scratch as FloatArray).subarray(0, param.length);
  }
}

/** Adam with L2 weight decay folded into the gradient (torch.optim.Adam). */
export class Adam extends AdamFamily {
  protected readonly decoupledWeightDecay = false;

  constructor(params: ParamsArgument<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, ADAM_DEFAULTS, options, ADAM_STATE_SCHEMA);
  }
}

/**
 * AdamW: Adam with decoupled weight decay (torch.optim.AdamW). Give biases and
 * norm gains their own group with weightDecay 0, as GPT-2/nanoGPT do:
 * `new AdamW([{ params: matrices, weightDecay: 0.1 }, { params: others, weightDecay: 0 }], { lr: 6e-4 })`.
 */
export class AdamW extends AdamFamily {
  protected readonly decoupledWeightDecay = true;

  constructor(params: ParamsArgument<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, ADAMW_DEFAULTS, options, ADAM_STATE_SCHEMA);
  }
}
