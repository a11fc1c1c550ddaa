/**
 * Learning-rate schedules as pure functions of the step: `schedule(k)` is the
 * learning rate for update k, where k = 0 is the first update (the number of
 * updates already taken — nanoGPT's `it`, PyTorch schedulers' `last_epoch`).
 * Being pure, a schedule needs no state in a checkpoint (the step is enough)
 * and works with any optimizer: set the groups' lr before each step with
 * `applySchedule(optimizer, schedule, step)`.
 *
 * Seed 002 (Robbins–Monro): SGD converges when Σ α_k = ∞ and Σ α_k² < ∞; the
 * classic choice is α_k = α0/(1 + k) (also α0/√k, which only satisfies the first
 * condition but is popular). A constant step keeps bouncing around the optimum.
 */

/** Learning rate as a function of the update index k = 0, 1, 2, … */
export type Schedule = (step: number) => number;

/** Anything with parameter groups that carry an lr (every Optimizer). */
export interface HasLearningRate {
  readonly paramGroups: readonly { lr: number }[];
}

function checkStep(name: string, step: number): void {
  if (!(step >= 0) || !Number.isFinite(step)) throw new RangeError(`${name}: step must be a finite number ≥ 0, got ${step}`);
}

function checkPositive(name: string, what: string, value: number, allowZero = false): void {
  const ok = Number.isFinite(value) && (allowZero ? value >= 0 : value > 0);
  if (!ok) throw new RangeError(`${name}: ${what} must be a finite number ${allowZero ? '≥' : '>'} 0, got ${value}`);
}

/** α_k = lr for every k (seed 002's "fixed step size"). */
export function constantSchedule(lr: number): Schedule {
  checkPositive('constantSchedule', 'lr', lr, true);
  return (step) => {
    checkStep('constantSchedule', step);
    return lr;
  };
}

/**
 * α_k = α0 / (1 + decayRate·k) — seed 002's Robbins–Monro schedule α0/(1 + k) with the
 * default decayRate 1 (TensorFlow's inverse_time_decay with decay_steps = 1).
 */
export function inverseTimeSchedule(initialLr: number, decayRate = 1): Schedule {
  checkPositive('inverseTimeSchedule', 'initialLr', initialLr, true);
  checkPositive('inverseTimeSchedule', 'decayRate', decayRate, true);
  return (step) => {
    checkStep('inverseTimeSchedule', step);
    return initialLr / (1 + decayRate * step);
  };
}

/**
 * α_k = α0 / √(1 + decayRate·k): seed 002's α0/√k, counted so that the first update
 * (k = 0) uses α0 rather than dividing by zero.
 */
export function inverseSqrtSchedule(initialLr: number, decayRate = 1): Schedule {
  checkPositive('inverseSqrtSchedule', 'initialLr', initialLr, true);
  checkPositive('inverseSqrtSchedule', 'decayRate', decayRate, true);
  return (step) => {
    checkStep('inverseSqrtSchedule', step);
    return initialLr / Math.sqrt(1 + decayRate * step);
  };
}

/** α_k = α0 · γ^⌊k / stepSize⌋: multiply by γ every stepSize updates (PyTorch's StepLR). */
export function stepSchedule(initialLr: number, stepSize: number, gamma = 0.1): Schedule {
  checkPositive('stepSchedule', 'initialLr', initialLr, true);
  if (!Number.isInteger(stepSize) || stepSize < 1) throw new RangeError(`stepSchedule: stepSize must be an integer ≥ 1, got ${stepSize}`);
  checkPositive('stepSchedule', 'gamma', gamma, true);
  return (step) => {
    checkStep('stepSchedule', step);
    return initialLr * gamma ** Math.floor(step / stepSize);
  };
}

/** α_k = α0 · γ^k (PyTorch's ExponentialLR). */
export function exponentialSchedule(initialLr: number, gamma: number): Schedule {
  checkPositive('exponentialSchedule', 'initialLr', initialLr, true);
  checkPositive('exponentialSchedule', 'gamma', gamma, true);
  return (step) => {
    checkStep('exponentialSchedule', step);
    return initialLr * gamma ** step;
  };
}

export interface WarmupCosineOptions {
  /** Peak learning rate, reached at the end of warmup (nanoGPT's learning_rate). */
  maxLr: number;
  /** Floor the cosine decays to and stays at (nanoGPT's min_lr, usually maxLr/10). */
  minLr: number;
  /** Updates of linear warmup (nanoGPT's warmup_iters). */
  warmupSteps: number;
  /** Update index at which the cosine reaches minLr (nanoGPT's lr_decay_iters, usually the run length). */
  decaySteps: number;
}

/**
 * nanoGPT's `get_lr`: linear warmup, cosine decay to a floor, then constant.
 *
 *   k < warmupSteps:               maxLr · (k + 1) / (warmupSteps + 1)
 *   warmupSteps ≤ k ≤ decaySteps:  minLr + ½(1 + cos(π·r))·(maxLr − minLr),  r = (k − warmupSteps)/(decaySteps − warmupSteps)
 *   k > decaySteps:                minLr
 *
 * The warmup follows current nanoGPT ((k + 1)/(warmup + 1), so the very first
 * update already moves the weights; the original k/warmup made update 0 a no-op)
 * and reaches maxLr exactly at k = warmupSteps.
 */
export function warmupCosineSchedule(options: WarmupCosineOptions): Schedule {
  const { maxLr, minLr, warmupSteps, decaySteps } = options;
  const name = 'warmupCosineSchedule';
  checkPositive(name, 'maxLr', maxLr, true);
  checkPositive(name, 'minLr', minLr, true);
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) throw new RangeError(`${name}: warmupSteps must be an integer ≥ 0, got ${warmupSteps}`);
  if (!Number.isInteger(decaySteps) || decaySteps < warmupSteps) {
    throw new RangeError(`${name}: decaySteps must be an integer ≥ warmupSteps (${warmupSteps}), got ${decaySteps}`);
  }
  const decayLength = decaySteps - warmupSteps;
  return (step) => {
    checkStep(name, step);
    if (step < warmupSteps) return (maxLr * (step + 1)) / (warmupSteps + 1);
    // At k = decaySteps the cosine is exactly minLr, so ≥ also covers decayLength = 0 without 0/0.
    if (step >= decaySteps) return minLr;
    const ratio = (step - warmupSteps) / decayLength;
    const coefficient = 0.5 * (1 + Math.cos(Math.PI * ratio));
    return minLr + coefficient * (maxLr - minLr);
  };
}

/** Set every parameter group's lr (the same value for all). */
export function setLearningRate(optimizer: HasLearningRate, lr: number): void {
  if (!Number.isFinite(lr) || lr < 0) throw new RangeError(`setLearningRate: lr must be a finite number ≥ 0, got ${lr}`);
  for (const group of optimizer.paramGroups) group.lr = lr;
}

/** Set every group's lr to schedule(step) before update `step`; returns that lr. */
export function applySchedule(optimizer: HasLearningRate, schedule: Schedule, step: number): number {
  const lr = schedule(step);
  setLearningRate(optimizer, lr);
  return lr;
}
