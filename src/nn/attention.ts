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
 *
 * A query whose keys are ALL blocked has no distribution to attend with:
 * PyTorch returns NaN for its output and weights; lmkit returns an attention
 * result of zeros (so the output is out_proj's bias) and weights of zeros, with
 * zero gradients, so one padded row cannot poison a batch.
 *
 * Options as PyTorch's: `kdim`/`vdim` (keys and values of other widths; the
 * in-projection is then three parameters q_proj_weight (E, E), k_proj_weight
 * (E, kdim), v_proj_weight (E, vdim)), `addBiasKV` (learned bias_k, bias_v
 * (1, 1, E) appended to the projected keys and values as one more key) and
 * `addZeroAttn` (a key and value of zeros appended after the heads split). Each
 * extra key is visible to every query, including under `isCausal`.
 */
import { attentionProbabilities, scaledDotProductAttention } from '../ops/attention.js';
import { add } from '../ops/binary.js';
import { rejectUnknownOptions } from '../options.js';
import { zeros as zeroTensor } from '../tensor/creation.js';
import { Tensor as TensorClass } from '../tensor/tensor.js';
import { cast } from '../ops/cast.js';
import { dropout } from '../ops/dropout.js';
import { where } from '../ops/indexing.js';
import { linear, matmulT } from '../ops/matmul.js';
import { mean } from '../ops/reduce.js';
import { cat, expand, permute, reshape, slice, squeeze, transpose, unsqueeze } from '../ops/shape.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import type { FloatDType } from '../tensor/dtype.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { xavierNormal, xavierUniform, zeros } from './init.js';
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
  /** Width of the keys (default embedDim). */
  kdim?: number;
  /** Width of the values (default embedDim). */
  vdim?: number;
  /** Learn bias_k and bias_v, appended to the keys and values as one more key (default false). */
  addBiasKV?: boolean;
  /** Append a key and value of zeros (default false). */
  addZeroAttn?: boolean;
}

const MULTIHEAD_ATTENTION_OPTIONS: readonly (keyof MultiheadAttentionOptions)[] = [
  'bias', 'batchFirst', 'dropout', 'kdim', 'vdim', 'addBiasKV', 'addZeroAttn', 'dtype', 'generator',
];

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
  readonly kdim: number;
  readonly vdim: number;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly addZeroAttn: boolean;
  /** Generator for attention dropout. */
  readonly generator: Generator;
  /** W^Q, W^K, W^V stacked: (3E, E) — null when kdim or vdim differ from embedDim. */
  readonly inProjWeight: Parameter | null;
  /** Separate W^Q (E, E), W^K (E, kdim), W^V (E, vdim) when kdim or vdim differ from embedDim. */
  readonly qProjWeight: Parameter | null;
  readonly kProjWeight: Parameter | null;
  readonly vProjWeight: Parameter | null;
  readonly inProjBias: Parameter | null;
  /** Learned extra key and value (1, 1, E) with `addBiasKV`. */
  readonly biasK: Parameter | null;
  readonly biasV: Parameter | null;
  readonly outProj: Linear;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    rejectUnknownOptions('MultiheadAttention', options, MULTIHEAD_ATTENTION_OPTIONS);
    requirePositiveInteger('MultiheadAttention', 'embedDim', embedDim);
    requirePositiveInteger('MultiheadAttention', 'numHeads', numHeads);
    if (embedDim % numHeads !== 0) throw new RangeError(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    const dropoutP = options.dropout ?? 0;
    requireProbability('MultiheadAttention', 'dropout', dropoutP);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    requirePositiveInteger('MultiheadAttention', 'kdim', this.kdim);
    requirePositiveInteger('MultiheadAttention', 'vdim', this.vdim);
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = dropoutP;
    this.addZeroAttn = options.addZeroAttn ?? false;
    this.generator = options.generator ?? defaultGenerator;
    const bias = options.bias ?? true;
    const { dtype, generator } = options;
    const parameter = (name: string, shape: number[]): Parameter => this.registerParameter(name, emptyParameter(shape, dtype));
    // PyTorch's names and registration order; the camelCase fields are typed aliases.
    const packed = this.kdim === embedDim && this.vdim === embedDim;
    this.qProjWeight = packed ? null : parameter('q_proj_weight', [embedDim, embedDim]);
    this.kProjWeight = packed ? null : parameter('k_proj_weight', [embedDim, this.kdim]);
    this.vProjWeight = packed ? null : parameter('v_proj_weight', [embedDim, this.vdim]);
    this.inProjWeight = packed ? parameter('in_proj_weight', [3 * embedDim, embedDim]) : null;
    this.inProjBias = bias ? parameter('in_proj_bias', [3 * embedDim]) : null;
    this.outProj = this.registerModule('out_proj', new Linear(embedDim, embedDim, { dtype, generator, bias }));
    const addBiasKV = options.addBiasKV ?? false;
    this.biasK = addBiasKV ? parameter('bias_k', [1, 1, embedDim]) : null;
    this.biasV = addBiasKV ? parameter('bias_v', [1, 1, embedDim]) : null;
    // PyTorch's _reset_parameters: xavier-uniform in-projections, zero biases,
    // xavier-normal bias_k/bias_v; out_proj keeps Linear's weight init.
    for (const w of [this.inProjWeight, this.qProjWeight, this.kProjWeight, this.vProjWeight]) if (w) xavierUniform(w, options);
    if (this.inProjBias) zeros(this.inProjBias);
    if (this.outProj.bias) zeros(this.outProj.bias);
    for (const b of [this.biasK, this.biasV]) if (b) xavierNormal(b, options);
  }

  /**
   * Attention of `query` over `key`/`value` (self-attention: pass the same
   * tensor, or omit key and value). Shapes (L, B, E)/(S, B, kdim)/(S, B, vdim),
   * batch first (B, L, E)/(B, S, ·) with `batchFirst`, or unbatched (L, E)/(S, ·).
   */
  forward(query: Tensor, key: Tensor = query, value: Tensor = key, options: MultiheadAttentionForwardOptions = {}): MultiheadAttentionResult {
    const E = this.embedDim, H = this.numHeads, D = this.headDim;
    const unbatched = query.ndim === 2;
    this.#checkWidths(query, key, value, unbatched);
    // Work batch-first: (B, T, ·).
    const toBatchFirst = (t: Tensor): Tensor => (unbatched ? unsqueeze(t, 0) : this.batchFirst ? t : transpose(t, 0, 1));
    const q3 = toBatchFirst(query);
    const k3 = query === key ? q3 : toBatchFirst(key);
    const v3 = key === value ? k3 : toBatchFirst(value);
    const [B, L] = q3.shape, S = k3.shape[1];
    if (k3.shape[0] !== B || v3.shape[0] !== B || v3.shape[1] !== S) {
      throw new ShapeError(`MultiheadAttention: query ${formatShape(query.shape)}, key ${formatShape(key.shape)} and value ${formatShape(value.shape)} disagree in batch size or key length`);
    }
    let [q, k, v] = this.#projectHeads(q3, k3, v3);
    let mask = this.#combinedMask(options, B, L, S, q.dtype as FloatDType, unbatched);
    let isCausal = options.isCausal ?? false;
    const extraKeys = (this.biasK ? 1 : 0) + (this.addZeroAttn ? 1 : 0);
    if (extraKeys > 0) {
      [k, v] = this.#appendExtraKeys(k, v);
      mask = extendMask(mask, isCausal, L, S, extraKeys, q.dtype as FloatDType);
      isCausal = false; // folded into the mask: the extra keys stay visible to every query
    }
    const keyLength = S + extraKeys;

    const applyDropout = this.training && this.dropout > 0;
    let probabilities: Tensor | null = null;
    if (options.needWeights || applyDropout) {
      // Explicit (B·H, L, S) probabilities: the weights asked for, or needed for dropout.
      probabilities = this.#probabilities(q, k, mask, isCausal, L, keyLength);
    }
    let heads: Tensor; // (B, H, L, D)
    if (applyDropout && probabilities) {
      probabilities = dropout(probabilities, this.dropout, true, this.generator);
      heads = reshape(matmulT(probabilities, reshape(v, [B * H, keyLength, D])), [B, H, L, D]);
    } else {
      heads = scaledDotProductAttention(q, k, v, { isCausal, attnMask: mask });
    }
    // (B, H, L, D) → (B, L, H·D) → out_proj.
    let output = this.outProj.forward(reshape(permute(heads, [0, 2, 1, 3]), [B, L, E]));
    output = unbatched ? squeeze(output, 0) : this.batchFirst ? output : transpose(output, 0, 1);

    let weights: Tensor | null = null;
    if (options.needWeights && probabilities) {
      const perHead = reshape(probabilities, [B, H, L, keyLength]);
      weights = options.averageAttnWeights ?? true ? mean(perHead, 1) : perHead;
      if (unbatched) weights = squeeze(weights, 0);
    }
    return { output, weights };
  }

  /** Query width embedDim, key width kdim, value width vdim, all with the query's rank. */
  #checkWidths(query: Tensor, key: Tensor, value: Tensor, unbatched: boolean): void {
    const widths = [['query', query, this.embedDim], ['key', key, this.kdim], ['value', value, this.vdim]] as const;
    for (const [role, t, width] of widths) {
      if (t.ndim !== query.ndim || (t.ndim !== 3 && !unbatched) || t.shape[t.ndim - 1] !== width) {
        const layout = unbatched ? `(T, ${width})` : this.batchFirst ? `(B, T, ${width})` : `(T, B, ${width})`;
        throw new ShapeError(`MultiheadAttention: ${role} has shape ${formatShape(t.shape)}, expected ${layout} like the query ${formatShape(query.shape)}`);
      }
    }
  }

  /**
   * In-projections, split into heads (B, H, T, D). With the packed (3E, E)
   * weight, self-attention is one GEMM and shared key/value input one more.
   */
  #projectHeads(q3: Tensor, k3: Tensor, v3: Tensor): [Tensor, Tensor, Tensor] {
    const E = this.embedDim, H = this.numHeads, D = this.headDim, B = q3.shape[0], L = q3.shape[1], S = k3.shape[1];
    // (B, T, n·E) → (n, B, H, T, D) with one permute copy, then unbind into views.
    const headsOf = (projected: Tensor, count: number, length: number): Tensor[] =>
      unbind(permute(reshape(projected, [B, length, count, H, D]), [2, 0, 3, 1, 4]), 0);
    const biasRows = (start: number, count: number): Tensor | null => this.inProjBias && slice(this.inProjBias, 0, start * E, (start + count) * E);
    const packed = this.inProjWeight;
    if (!packed) {
      const separate = [[q3, this.qProjWeight], [k3, this.kProjWeight], [v3, this.vProjWeight]] as const;
      const [q, k, v] = separate.map(([x, w], i) => headsOf(linear(x, w as Tensor, biasRows(i, 1)), 1, x.shape[1])[0]);
      return [q, k, v];
    }
    const rows = (start: number, count: number): [Tensor, Tensor | null] => [slice(packed, 0, start * E, (start + count) * E), biasRows(start, count)];
    if (q3 === k3 && k3 === v3) {
      const [q, k, v] = headsOf(linear(q3, packed, this.inProjBias), 3, L);
      return [q, k, v];
    }
    const [q] = headsOf(linear(q3, ...rows(0, 1)), 1, L);
    if (k3 === v3) {
      const [k, v] = headsOf(linear(k3, ...rows(1, 2)), 2, S);
      return [q, k, v];
    }
    return [q, headsOf(linear(k3, ...rows(1, 1)), 1, S)[0], headsOf(linear(v3, ...rows(2, 1)), 1, S)[0]];
  }

  /** bias_k/bias_v (addBiasKV), then a zero key and value (addZeroAttn), appended as keys S, S + 1 of every head. */
  #appendExtraKeys(k: Tensor, v: Tensor): [Tensor, Tensor] {
    const [B, H, , D] = k.shape;
    if (this.biasK && this.biasV) {
      const asHeads = (b: Tensor): Tensor => expand(permute(reshape(b, [1, 1, H, D]), [0, 2, 1, 3]), [B, H, 1, D]);
      k = cat([k, asHeads(this.biasK)], 2);
      v = cat([v, asHeads(this.biasV)], 2);
    }
    if (this.addZeroAttn) {
      const zero = zeroTensor([B, H, 1, D], { dtype: k.dtype });
      k = cat([k, zero], 2);
      v = cat([v, zero], 2);
    }
    return [k, v];
  }

  /** softmax(q kᵀ/√D + mask) as (B·H, L, S); rows with every key blocked are zeros (see attentionProbabilities). */
  #probabilities(q: Tensor, k: Tensor, mask: Tensor | null, isCausal: boolean, L: number, S: number): Tensor {
    const batchHeads = q.shape[0] * q.shape[1], D = this.headDim;
    const maskBatches = mask && mask.size !== L * S ? batchHeads : 1;
    return attentionProbabilities(reshape(q, [batchHeads, L, D]), reshape(k, [batchHeads, S, D]), mask && reshape(mask, [maskBatches, L, S]), {
      batchHeads, queryLength: L, keyLength: S, scale: 1 / Math.sqrt(D), causal: isCausal, maskBatchStride: maskBatches === 1 ? 0 : L * S,
    });
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

/**
 * The mask once keys S … S + extra − 1 are appended: `isCausal` folded in over
 * the original keys, and the extra keys unblocked (PyTorch pads its masks with
 * zeros for bias_k/bias_v and the zero key). Null when nothing is masked.
 */
function extendMask(mask: Tensor | null, isCausal: boolean, L: number, S: number, extra: number, dtype: FloatDType): Tensor | null {
  if (!mask && !isCausal) return null;
  let base = mask;
  if (isCausal) {
    const causal = new Float64Array(L * S);
    for (let i = 0; i < L; i++) causal.fill(-Infinity, i * S + Math.max(0, i + S - L + 1), (i + 1) * S);
    const causalTensor = new TensorClass(dtype === 'float32' ? Float32Array.from(causal) : causal, [L, S]);
    base = base ? add(base, causalTensor) : causalTensor;
  }
  const padded = base as Tensor;
  return cat([padded, zeroTensor([...padded.shape.slice(0, -1), extra], { dtype })], -1);
}
