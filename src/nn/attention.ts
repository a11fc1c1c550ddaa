/**
 * Multi-head attention (Vaswani et al. 2017; seed 000's multi-head attention
 * with causal masking, seed 002's MultiHead(Q, K, V) = Concat(head_1..h) W^O,
 * head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V)) — PyTorch's
 * nn.MultiheadAttention with the same parameters: in_proj_weight (3E, E) holding
 * W^Q, W^K, W^V stacked, in_proj_bias (3E), out_proj.weight/bias.
 *
 * The output path runs through the fused `scaledDotProductAttention` op, which
 * never stores the (T, S) probabilities. When the caller asks for the attention
 * weights they are computed separately (and are differentiable).
 *
 * Masks use PyTorch's meaning: a bool (int32 0/1) `attnMask` or
 * `keyPaddingMask` is true where attending is NOT allowed; a float mask is
 * added to the scores (−Infinity blocks).
 */
import { attentionProbabilities, scaledDotProductAttention } from '../ops/attention.js';
import { add } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { dropout } from '../ops/dropout.js';
import { where } from '../ops/indexing.js';
import { linear, matmulT } from '../ops/matmul.js';
import { mean } from '../ops/reduce.js';
import { expand, permute, reshape, slice, squeeze, transpose, unsqueeze } from '../ops/shape.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import type { FloatDType } from '../tensor/dtype.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { xavierUniform, zeros } from './init.js';
import { Linear } from './linear.js';
import { Module, type ModuleOptions } from './module.js';
import type { Parameter } from './parameter.js';
import { unbind } from '../ops/shape.js';
import { emptyParameter, requirePositiveInteger, requireProbability } from './util.js';

export interface MultiheadAttentionOptions extends ModuleOptions {
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Inputs and output are (B, T, E) instead of (T, B, E) (default false, as PyTorch). */
  batchFirst?: boolean;
  /** Dropout on the attention probabilities, in training mode (default 0). */
  dropout?: number;
}

export interface MultiheadAttentionForwardOptions {
  /** (L, S) or (B·numHeads, L, S): bool (int32, nonzero = blocked) or additive float. */
  attnMask?: Tensor | null;
  /** (B, S) (or (S) unbatched): bool (nonzero = padding, ignored) or additive float. */
  keyPaddingMask?: Tensor | null;
  /** Block attention to later keys (query i sees keys j ≤ i + S − L). */
  isCausal?: boolean;
  /** Also return the attention probabilities (default false). */
  needWeights?: boolean;
  /** Average the weights over heads → (B, L, S); false gives (B, numHeads, L, S) (default true). */
  averageAttnWeights?: boolean;
}

export interface MultiheadAttentionResult {
  /** (L, B, E), or (B, L, E) with batchFirst. */
  output: Tensor;
  /** Attention probabilities when `needWeights`, else null. */
  weights: Tensor | null;
}

export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly batchFirst: boolean;
  readonly dropout: number;
  /** Generator for attention dropout. */
  readonly generator: Generator;
  /** W^Q, W^K, W^V stacked: (3E, E). */
  readonly inProjWeight: Parameter;
  readonly inProjBias: Parameter | null;
  readonly outProj: Linear;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    requirePositiveInteger('MultiheadAttention', 'embedDim', embedDim);
    requirePositiveInteger('MultiheadAttention', 'numHeads', numHeads);
    if (embedDim % numHeads !== 0) throw new RangeError(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    const dropoutP = options.dropout ?? 0;
    requireProbability('MultiheadAttention', 'dropout', dropoutP);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = dropoutP;
    this.generator = options.generator ?? defaultGenerator;
    const bias = options.bias ?? true;
    // PyTorch's names, registered explicitly; the camelCase fields are typed aliases.
    this.inProjWeight = this.registerParameter('in_proj_weight', emptyParameter([3 * embedDim, embedDim], options.dtype));
    this.inProjBias = this.registerParameter('in_proj_bias', bias ? emptyParameter([3 * embedDim], options.dtype) : null);
    this.outProj = this.registerModule('out_proj', new Linear(embedDim, embedDim, { ...options, bias }));
    // PyTorch's _reset_parameters: xavier-uniform in_proj, zero biases; out_proj keeps Linear's weight init.
    xavierUniform(this.inProjWeight, options);
    if (this.inProjBias) zeros(this.inProjBias);
    if (this.outProj.bias) zeros(this.outProj.bias);
  }

  /**
   * Attention of `query` over `key`/`value` (self-attention: pass the same
   * tensor, or omit key and value). Shapes (L, B, E)/(S, B, E), batch first
   * (B, L, E)/(B, S, E) with `batchFirst`, or unbatched (L, E)/(S, E).
   */
  forward(query: Tensor, key: Tensor = query, value: Tensor = key, options: MultiheadAttentionForwardOptions = {}): MultiheadAttentionResult {
    const E = this.embedDim, H = this.numHeads, D = this.headDim;
    const unbatched = query.ndim === 2;
    for (const [role, t] of [['query', query], ['key', key], ['value', value]] as const) {
      if (t.ndim !== query.ndim || (t.ndim !== 3 && !unbatched) || t.shape[t.ndim - 1] !== E) {
        const layout = unbatched ? `(T, ${E})` : this.batchFirst ? `(B, T, ${E})` : `(T, B, ${E})`;
        throw new ShapeError(`MultiheadAttention: ${role} has shape ${formatShape(t.shape)}, expected ${layout} like the query ${formatShape(query.shape)}`);
      }
    }
    // Work batch-first: (B, T, E).
    const toBatchFirst = (t: Tensor): Tensor => (unbatched ? unsqueeze(t, 0) : this.batchFirst ? t : transpose(t, 0, 1));
    const selfAttention = query === key && key === value;
    const sameKeyValue = key === value;
    const q3 = toBatchFirst(query);
    const k3 = selfAttention ? q3 : toBatchFirst(key);
    const v3 = sameKeyValue ? k3 : toBatchFirst(value);
    const [B, L] = q3.shape, S = k3.shape[1];
    if (k3.shape[0] !== B || v3.shape[0] !== B || v3.shape[1] !== S) {
      throw new ShapeError(`MultiheadAttention: query ${formatShape(query.shape)}, key ${formatShape(key.shape)} and value ${formatShape(value.shape)} disagree in batch size or key length`);
    }

    // Projections. (B, T, n·E) → (n, B, H, T, D) with one permute copy, then unbind into views.
    const headsOf = (projected: Tensor, count: number, length: number): Tensor[] =>
      unbind(permute(reshape(projected, [B, length, count, H, D]), [2, 0, 3, 1, 4]), 0);
    const rows = (start: number, count: number): [Tensor, Tensor | null] => [
      slice(this.inProjWeight, 0, start * E, (start + count) * E),
      this.inProjBias && slice(this.inProjBias, 0, start * E, (start + count) * E),
    ];
    let q: Tensor, k: Tensor, v: Tensor;
    if (selfAttention) {
      [q, k, v] = headsOf(linear(q3, this.inProjWeight, this.inProjBias), 3, L);
    } else {
      [q] = headsOf(linear(q3, ...rows(0, 1)), 1, L);
      if (sameKeyValue) {
        [k, v] = headsOf(linear(k3, ...rows(1, 2)), 2, S);
      } else {
        [k] = headsOf(linear(k3, ...rows(1, 1)), 1, S);
        [v] = headsOf(linear(v3, ...rows(2, 1)), 1, S);
      }
    }

    const mask = this.#combinedMask(options, B, L, S, q.dtype as FloatDType, unbatched);
    const isCausal = options.isCausal ?? false;
    const applyDropout = this.training && this.dropout > 0;
    let probabilities: Tensor | null = null;
    if (options.needWeights || applyDropout) {
      // Explicit (B·H, L, S) probabilities: the weights asked for, or needed for dropout.
      const maskBatches = mask ? (mask.size === L * S ? 1 : B * H) : 1;
      probabilities = attentionProbabilities(reshape(q, [B * H, L, D]), reshape(k, [B * H, S, D]), mask && reshape(mask, [maskBatches, L, S]), {
        batchHeads: B * H, queryLength: L, keyLength: S, scale: 1 / Math.sqrt(D), causal: isCausal, maskBatchStride: maskBatches === 1 ? 0 : L * S,
      });
    }
    let heads: Tensor; // (B, H, L, D)
    if (applyDropout && probabilities) {
      probabilities = dropout(probabilities, this.dropout, true, this.generator);
      heads = reshape(matmulT(probabilities, reshape(v, [B * H, S, D])), [B, H, L, D]);
    } else {
      heads = scaledDotProductAttention(q, k, v, { isCausal, attnMask: mask });
    }
    // (B, H, L, D) → (B, L, H·D) → out_proj.
    let output = this.outProj.forward(reshape(permute(heads, [0, 2, 1, 3]), [B, L, E]));
    output = unbatched ? squeeze(output, 0) : this.batchFirst ? output : transpose(output, 0, 1);

    let weights: Tensor | null = null;
    if (options.needWeights && probabilities) {
      const perHead = reshape(probabilities, [B, H, L, S]);
      weights = options.averageAttnWeights ?? true ? mean(perHead, 1) : perHead;
      if (unbatched) weights = squeeze(weights, 0);
    }
    return { output, weights };
  }

  /**
   * One additive float mask for the fused op: (L, S) when only a shared attnMask
   * is given, else (B, H, L, S) combining per-batch masks; null when none.
   */
  #combinedMask(options: MultiheadAttentionForwardOptions, B: number, L: number, S: number, dtype: FloatDType, unbatched: boolean): Tensor | null {
    const H = this.numHeads;
    const additive = (m: Tensor): Tensor => (m.dtype === 'int32' ? cast(where(m, -Infinity, 0), dtype) : cast(m, dtype));
    let mask: Tensor | null = null;
    const attnMask = options.attnMask ?? null;
    if (attnMask) {
      const shared = attnMask.ndim === 2 && attnMask.shape[0] === L && attnMask.shape[1] === S;
      const perHead = attnMask.ndim === 3 && attnMask.shape[0] === B * H && attnMask.shape[1] === L && attnMask.shape[2] === S;
      if (!shared && !perHead) {
        throw new ShapeError(`MultiheadAttention: attnMask has shape ${formatShape(attnMask.shape)}, expected (${L}, ${S}) or (${B * H}, ${L}, ${S}) (B·numHeads, L, S)`);
      }
      mask = shared ? additive(attnMask) : reshape(additive(attnMask), [B, H, L, S]);
    }
    const padding = options.keyPaddingMask ?? null;
    if (padding) {
      const expected = unbatched ? [S] : [B, S];
      if (padding.ndim !== expected.length || padding.shape.some((d, i) => d !== expected[i])) {
        throw new ShapeError(`MultiheadAttention: keyPaddingMask has shape ${formatShape(padding.shape)}, expected ${formatShape(expected)} (B, S)`);
      }
      const perKey = reshape(additive(padding), [B, 1, 1, S]);
      mask = mask ? add(mask, perKey) : perKey;
    }
    if (mask && mask.ndim === 4) mask = expand(mask, [B, H, L, S]);
    return mask;
  }

  protected override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, batchFirst=${this.batchFirst}${this.dropout ? `, dropout=${this.dropout}` : ''}`;
  }
}
