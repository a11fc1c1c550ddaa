/**
 * Training hyperparameters, with nanoGPT's names translated to camelCase and
 * nanoGPT's defaults (config/train_shakespeare_char.py is the `shakespeare-char`
 * preset in src/train/presets.ts).
 */
export interface TrainConfig {
  /** Optimizer updates to run (nanoGPT's max_iters). */
  maxIters: number;
  /** Stop after this many seconds of training (0: no time budget). Checked between updates. */
  maxTime: number;
  batchSize: number;
  /** Context length of a training window (GPT) or truncated-BPTT length (RNN). */
  blockSize: number;
  /** Micro-batches per update; each loss is scaled by 1/gradAccumulation (nanoGPT's gradient_accumulation_steps). */
  gradAccumulation: number;
  learningRate: number;
  /** Decay the learning rate with warmup + cosine (false: constant learningRate). */
  decayLr: boolean;
  warmupIters: number;
  lrDecayIters: number;
  minLr: number;
  /** AdamW decoupled weight decay, on ≥ 2-D weights only (never biases or norm gains). */
  weightDecay: number;
  /** Also decay embedding tables (nanoGPT does: they are 2-D). */
  decayEmbeddings: boolean;
  beta1: number;
  beta2: number;
  /** Clip the global gradient norm to this (0: no clipping). */
  gradClip: number;
  /** Evaluate (and checkpoint) every this many updates. */
  evalInterval: number;
  /** Batches per split in each evaluation (nanoGPT's eval_iters). */
  evalIters: number;
  /** Record a metrics line every this many updates. */
  logInterval: number;
  seed: number;
  /** Fraction of the token stream used for training; the rest (the tail) is validation. */
  trainFraction: number;
}

export const TRAIN_CONFIG_DEFAULTS: Readonly<TrainConfig> = Object.freeze({
  maxIters: 2000,
  maxTime: 0,
  batchSize: 12,
  blockSize: 64,
  gradAccumulation: 1,
  learningRate: 1e-3,
  decayLr: true,
  warmupIters: 100,
  lrDecayIters: 2000,
  minLr: 1e-4,
  weightDecay: 0.1,
  decayEmbeddings: true,
  beta1: 0.9,
  beta2: 0.99,
  gradClip: 1.0,
  evalInterval: 250,
  evalIters: 20,
  logInterval: 10,
  seed: 1337,
  trainFraction: 0.9,
});

export class TrainConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainConfigError';
  }
}

/** Fill defaults and validate; every problem is reported at once with what to change. */
export function resolveTrainConfig(input: Partial<TrainConfig> = {}): TrainConfig {
  const problems: string[] = [];
  for (const key of Object.keys(input)) if (!(key in TRAIN_CONFIG_DEFAULTS)) problems.push(`unknown training option '${key}'`);
  const config: TrainConfig = { ...TRAIN_CONFIG_DEFAULTS };
  for (const [key, value] of Object.entries(input)) if (value !== undefined && key in config) (config as unknown as Record<string, unknown>)[key] = value;
  const int = (key: keyof TrainConfig, min: number): void => {
    const v = config[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) problems.push(`${key} must be an integer ≥ ${min}, got ${String(v)}`);
  };
  const num = (key: keyof TrainConfig, min: number, max = Infinity, minInclusive = true): void => {
    const v = config[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || (minInclusive ? v < min : v <= min) || v > max) {
      problems.push(`${key} must be a number ${minInclusive ? '≥' : '>'} ${min}${max < Infinity ? ` and ≤ ${max}` : ''}, got ${String(v)}`);
    }
  };
  int('maxIters', 0); int('batchSize', 1); int('blockSize', 1); int('gradAccumulation', 1); int('warmupIters', 0);
  int('lrDecayIters', 0); int('evalInterval', 1); int('evalIters', 1); int('logInterval', 1); int('seed', 0);
  num('maxTime', 0); num('learningRate', 0, Infinity, false); num('minLr', 0); num('weightDecay', 0); num('gradClip', 0);
  num('beta1', 0, 1); num('beta2', 0, 1); num('trainFraction', 0, 1, false);
  if (config.trainFraction >= 1) problems.push(`trainFraction must be < 1 (the rest is the validation split), got ${config.trainFraction}`);
  if (config.decayLr && config.lrDecayIters < config.warmupIters) problems.push(`lrDecayIters (${config.lrDecayIters}) must be ≥ warmupIters (${config.warmupIters})`);
  if (config.decayLr && config.minLr > config.learningRate) problems.push(`minLr (${config.minLr}) must be ≤ learningRate (${config.learningRate})`);
  for (const key of ['decayLr', 'decayEmbeddings'] as const) if (typeof config[key] !== 'boolean') problems.push(`${key} must be true or false`);
  if (problems.length > 0) throw new TrainConfigError(`invalid training configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}
