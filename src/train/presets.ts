/**
 * Training presets as data: a model configuration plus training options, and
 * the bundled corpus they were made for.
 *
 * - `shakespeare-char`: nanoGPT's documented CPU run of config/train_shakespeare_char.py
 *   ("baby GPT": n_layer 4, n_head 4, n_embd 128, block_size 64, batch_size 12,
 *   max_iters 2000, lr_decay_iters 2000, dropout 0, with train.py's bias=False,
 *   learning_rate 1e-3, min_lr 1e-4, warmup 100, beta2 0.99, weight_decay 0.1,
 *   grad_clip 1.0, eval_iters 20, eval_interval 250). nanoGPT reports val loss
 *   ≈ 1.88 at 2000 iterations for it.
 * - `shakespeare-lstm`: a character LSTM in the spirit of seed 002's "Simple LSTM
 *   trained on Shakespeare" (character one-hot inputs — here a 64-d embedding —,
 *   truncated BPTT with T = 50, sequential batches with the state carried).
 */
import type { ModelType } from '../lm/factory.js';
import type { TrainConfig } from './config.js';

export interface TrainingPreset {
  readonly name: string;
  readonly description: string;
  readonly model: { readonly type: ModelType } & Readonly<Record<string, unknown>>;
  readonly training: Readonly<Partial<TrainConfig>>;
  /** The bundled corpus (relative to the package root) used when no --data is given. */
  readonly data: string;
}

export const PRESETS: Readonly<Record<string, TrainingPreset>> = Object.freeze({
  'shakespeare-char': {
    name: 'shakespeare-char',
    description: "nanoGPT's CPU baby GPT on characters (4 layers, 4 heads, 128 wide, context 64), 2000 updates",
    model: { type: 'gpt', nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false },
    training: {
      maxIters: 2000, batchSize: 12, blockSize: 64, learningRate: 1e-3, minLr: 1e-4, warmupIters: 100, lrDecayIters: 2000,
      beta1: 0.9, beta2: 0.99, weightDecay: 0.1, gradClip: 1.0, evalInterval: 250, evalIters: 20, logInterval: 10, seed: 1337,
    },
    data: 'data/tinyshakespeare.txt',
  },
  'shakespeare-lstm': {
    name: 'shakespeare-lstm',
    description: 'a character LSTM (1 layer, 256 hidden, truncated BPTT T = 50, state carried), 2000 updates',
    model: { type: 'lstm', embeddingSize: 64, hiddenSize: 256, numLayers: 1, dropout: 0 },
    training: {
      maxIters: 2000, batchSize: 16, blockSize: 50, learningRate: 3e-3, minLr: 3e-4, warmupIters: 50, lrDecayIters: 2000,
      beta1: 0.9, beta2: 0.99, weightDecay: 0, gradClip: 1.0, evalInterval: 250, evalIters: 20, logInterval: 10, seed: 1337,
    },
    data: 'data/tinyshakespeare.txt',
  },
});

export function getPreset(name: string): TrainingPreset {
  const preset = PRESETS[name];
  if (!preset) throw new RangeError(`unknown preset '${name}' (available: ${Object.keys(PRESETS).join(', ')})`);
  return preset;
}
