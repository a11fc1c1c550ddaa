/**
 * One AdamW step in place (Kingma & Ba 2015; decoupled weight decay of Loshchilov
 * & Hutter 2019), in the order torch.optim.AdamW applies it:
 *   p ← p·(1 − lr·wd)
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / bc1) · m / (√v / √bc2 + eps),   bc_i = 1 − β_i^t
 * With weightDecay = 0 this is plain Adam.
 */
import type { AdamWArgs } from '../backend.js';

export function adamwUpdate(args: AdamWArgs): void {
  const { param, grad, expAvg, expAvgSq, lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2 } = args;
  const n = param.length;
  for (const [name, array] of [['grad', grad], ['expAvg', expAvg], ['expAvgSq', expAvgSq]] as const) {
    if (array.length !== n) throw new RangeError(`adamwUpdate: ${name} has ${array.length} elements, param has ${n}`);
  }
  if (!(biasCorrection1 > 0 && biasCorrection2 > 0)) {
    throw new RangeError(`adamwUpdate: bias corrections must be positive, got ${biasCorrection1} and ${biasCorrection2}`);
  }
  const decay = 1 - lr * weightDecay;
  const stepSize = lr / biasCorrection1;
  const sqrtBiasCorrection2 = Math.sqrt(biasCorrection2);
  const oneMinusBeta1 = 1 - beta1;
  const oneMinusBeta2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    const g = grad[i];
    const m = beta1 * expAvg[i] + oneMinusBeta1 * g;
    const v = beta2 * expAvgSq[i] + oneMinusBeta2 * g * g;
    expAvg[i] = m;
    expAvgSq[i] = v;
    // Read back the stored moments so float32 state steps exactly as PyTorch's would.
    param[i] = param[i] * decay - (stepSize * expAvg[i]) / (Math.sqrt(expAvgSq[i]) / sqrtBiasCorrection2 + eps);
  }
}
