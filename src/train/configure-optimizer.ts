/**
 * nanoGPT's `configure_optimizers`, for any module: AdamW with two parameter
 * groups — weight decay on ≥ 2-D weights (matmul weights and, unless
 * `decayEmbeddings` is false, embedding tables), none on biases and norm gains,
 * which are 1-D. Decaying a LayerNorm gain or a bias towards zero only fights
 * the normalisation it belongs to (Loshchilov & Hutter 2019 decouple the decay;
 * nanoGPT's grouping is the common practice).
 */
import type { Module } from '../nn/module.js';
import { Embedding } from '../nn/embedding.js';
import { LearnedPositionEmbedding } from '../nn/position.js';
import { AdamW } from '../optim/adam.js';
import type { Tensor } from '../tensor/tensor.js';

/** The hyperparameters configureOptimizer reads (a TrainConfig has them all). */
export interface AdamWGroupsConfig {
  learningRate: number;
  weightDecay: number;
  decayEmbeddings: boolean;
  beta1: number;
  beta2: number;
}

/** Tables looked up by index (token and learned position embeddings): 2-D, but not matmul weights. */
function embeddingTables(model: Module): Set<Tensor> {
  const tables = new Set<Tensor>();
  for (const module of model.modules()) {
    if (module instanceof Embedding) tables.add(module.weight);
    if (module instanceof LearnedPositionEmbedding) for (const p of module.parameters()) tables.add(p);
  }
  return tables;
}

/** AdamW with nanoGPT's groups: [decayed, not decayed], in parameter order within each group. */
export function configureOptimizer(model: Module, config: AdamWGroupsConfig): AdamW {
  const tables = embeddingTables(model);
  const decay: Tensor[] = [], noDecay: Tensor[] = [];
  for (const p of model.parameters()) {
    const decays = p.ndim >= 2 && (config.decayEmbeddings || !tables.has(p));
    (decays ? decay : noDecay).push(p);
  }
  return new AdamW(
    [{ params: decay, weightDecay: config.weightDecay }, { params: noDecay, weightDecay: 0 }],
    { lr: config.learningRate, betas: [config.beta1, config.beta2] },
  );
}
