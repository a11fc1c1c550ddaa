/**
 * From what a user asked for (a preset, a model family, a few overrides) to a
 * complete run specification — the same answer from the CLI, a page or a
 * script. The defaults are data: a preset (src/train/presets.ts) or the
 * family's defaults below, then the user's overrides, then two rules nanoGPT
 * applies by hand in its configs:
 *
 * - the cosine decays over the run's length: lr_decay_iters = max_iters unless
 *   set (nanoGPT's configs set both together);
 * - a run shorter than its base schedule shortens a default warmup in
 *   proportion, so the schedule keeps its shape: shakespeare-char warms up over
 *   100 of 2000 updates (5%), so `--max-iters 60` warms up over 3 — not over all
 *   60, which would leave the learning rate rising for the whole run and the
 *   cosine unused. A run as long as the base or longer keeps the base warmup
 *   (nanoGPT's configs lengthen runs without touching warmup_iters), and an
 *   explicit warmup is never changed.
 */
import { MODEL_TYPES, type ModelType } from '../lm/factory.js';
import { TRAIN_CONFIG_DEFAULTS, type TrainConfig } from './config.js';
import { getPreset, type TrainingPreset } from './presets.js';

/** A model family's defaults when no preset is named. */
export interface FamilyDefaults {
  readonly model: Readonly<Record<string, unknown>>;
  readonly training: Readonly<Partial<TrainConfig>>;
}

/**
 * The GPT gets nanoGPT's baby-GPT shape (config/train_shakespeare_char.py) and
 * TRAIN_CONFIG_DEFAULTS (nanoGPT's training defaults); recurrent models get a
 * one-layer 256-unit network trained by truncated BPTT over T = 50 (seed 002's
 * character LSTM) with batches of 16 lanes.
 */
export const FAMILY_DEFAULTS: Readonly<Record<'gpt' | 'recurrent', FamilyDefaults>> = Object.freeze({
  gpt: { model: { nLayer: 4, nHead: 4, nEmbd: 128, bias: false }, training: {} },
  recurrent: { model: { embeddingSize: 64, hiddenSize: 256, numLayers: 1 }, training: { blockSize: 50, batchSize: 16 } },
});

export function familyDefaults(type: ModelType): FamilyDefaults {
  return type === 'gpt' ? FAMILY_DEFAULTS.gpt : FAMILY_DEFAULTS.recurrent;
}

export interface RunRequest {
  /** A preset by name (its model family, shape, training options and corpus). */
  preset?: string;
  /** The model family (default: the preset's, else 'gpt'). */
  type?: ModelType;
  /** Model options over the preset's or family's (undefined values are ignored). */
  model?: Record<string, unknown>;
  /** Training options over the preset's or family's (undefined values are ignored). */
  training?: Partial<TrainConfig>;
}

export interface RunSpec {
  model: { type: ModelType } & Record<string, unknown>;
  training: Partial<TrainConfig>;
  /** The preset used, if any (its corpus is the default data). */
  preset?: TrainingPreset;
}

function defined<T extends object>(record: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(record ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The base's warmup, scaled down by decayIters / the base's decay when the run is shorter (never beyond the decay). */
function scaledWarmup(base: Readonly<Partial<TrainConfig>>, decayIters: number): number {
  const baseWarmup = base.warmupIters ?? TRAIN_CONFIG_DEFAULTS.warmupIters;
  const baseDecay = base.lrDecayIters ?? TRAIN_CONFIG_DEFAULTS.lrDecayIters;
  const scaled = decayIters < baseDecay && baseDecay > 0 ? Math.round((baseWarmup * decayIters) / baseDecay) : baseWarmup;
  return Math.min(scaled, decayIters);
}

/** Resolve a request into a complete run specification (validated later by resolveTrainConfig and the model's config). */
export function resolveRun(request: RunRequest = {}): RunSpec {
  const preset = request.preset === undefined ? undefined : getPreset(request.preset);
  if (request.type !== undefined && !MODEL_TYPES.includes(request.type)) {
    throw new RangeError(`unknown model type '${String(request.type)}' (expected one of ${MODEL_TYPES.join(', ')})`);
  }
  if (preset && request.type && request.type !== preset.model.type) {
    throw new Error(`model type ${request.type} conflicts with preset '${preset.name}' (a ${preset.model.type}); drop one of them`);
  }
  const type = request.type ?? preset?.model.type ?? 'gpt';
  const base = preset ?? familyDefaults(type);
  const overrides = defined(request.training);
  const training: Partial<TrainConfig> = { ...base.training, ...overrides };
  if (overrides.maxIters !== undefined && overrides.lrDecayIters === undefined) training.lrDecayIters = overrides.maxIters;
  if (overrides.warmupIters === undefined) training.warmupIters = scaledWarmup(base.training, training.lrDecayIters ?? TRAIN_CONFIG_DEFAULTS.lrDecayIters);
  return { model: { ...base.model, ...defined(request.model), type }, training, ...(preset ? { preset } : {}) };
}
