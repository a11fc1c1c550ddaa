/**
 * GPT: a decoder-only Transformer language model (Radford et al. 2018/2019),
 * written the way nanoGPT's model.py reads — top to bottom, shapes in comments,
 * GPT-2's parameter names — from lmkit's nn modules.
 *
 * Seed 000 / 001, "Transformer Language Model": the next-token distribution is
 *   p(w_t | w_1..w_{t−1}) = softmax(W_out · h_t^(L)),
 * where h_t^(0) = w_t + p_t (token embedding plus position embedding, seed 000's
 * "add this to the word embedding") and each of the L layers applies
 *   causal multi-head self-attention   softmax(Q Kᵀ/√d_k + M) V per head, concatenated (seed 000/002)
 *   a position-wise feed-forward MLP   W2 · GELU(W1 x + b1) + b2, 4× wide
 *   LayerNorm and residual connections, in one of seed 001's two orders:
 *     Pre-LN  (GPT-2):                 x = x + Attn(LN1(x));   x = x + MLP(LN2(x));   final LN at the top
 *     Post-LN (Vaswani et al. 2017):   x = LN1(x + Attn(x));   x = LN2(x + MLP(x))    (no final LN: every layer ends in one)
 *
 * Parameter names are nanoGPT's (= Hugging Face GPT-2's, with Linear's (out, in)
 * weight layout): transformer.wte, transformer.wpe, transformer.h.{i}.ln_1,
 * .attn.c_attn, .attn.c_proj, .ln_2, .mlp.c_fc, .mlp.c_proj, transformer.ln_f,
 * lm_head. See gpt2.ts for Hugging Face's transposed Conv1D layout.
 *
 * Attention runs as one fused kernel by default; config `attention: 'plain'`
 * spells it out op by op instead (nanoGPT's non-flash path) — see
 * CausalSelfAttention. The KV cache used for generation is in kv-cache.ts.
 */
import { noGrad } from '../../autograd/mode.js';
import { packedSelfAttention, scaledDotProductAttention } from '../../ops/attention.js';
import { biasGelu, gelu, softmax } from '../../ops/activations.js';
import { add, mul } from '../../ops/binary.js';
import { cast } from '../../ops/cast.js';
import { dropout } from '../../ops/dropout.js';
import { maskedFill } from '../../ops/indexing.js';
import { linear, matmul, matmulT } from '../../ops/matmul.js';
import { permute, reshape, unbind } from '../../ops/shape.js';
import type { FloatDType } from '../../tensor/dtype.js';
import { defaultGenerator, Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { ModuleList } from '../../nn/container.js';
import { Dropout } from '../../nn/dropout.js';
import { Embedding } from '../../nn/embedding.js';
import { normal, zeros } from '../../nn/init.js';
import { Linear } from '../../nn/linear.js';
import { Module, type ModuleOptions } from '../../nn/module.js';
import { LayerNorm } from '../../nn/norm.js';
import { LearnedPositionEmbedding, SinusoidalPositionEncoding } from '../../nn/position.js';
import { checkTokenBatch, checkTokenIds, nextTokenLoss } from '../token-batch.js';
import { resolveGPTConfig, type GPTAttention, type GPTConfig, type GPTConfigInput } from './config.js';
import { gpt2ToStateDict, inferGPT2Config, stateDictToGPT2, type GPT2HFConfig, type ToGPT2Options } from './gpt2.js';
import { KVCache } from './kv-cache.js';
import { GPTLanguageModel, type GPTLanguageModelOptions } from './language-model.js';

/**
 * A generator whose draws are constants (the mean, the lower bound). The layers
 * are built with it because their PyTorch-default initialization is overwritten
 * right after — by nanoGPT's init, or by loaded weights — so building a large
 * model does not pay twice for random numbers (seconds at GPT-2 sizes).
 */
class NoRandomness extends Generator {
  override normal(mean = 0): number {
    return mean;
  }

  override uniform(low = 0): number {
    return low;
  }
}

const NO_DRAWS = new NoRandomness();

/** Where a forward pass reads and writes cached keys/values (inference only). */
interface CacheSlot {
  cache: KVCache;
  layer: number;
}

/**
 * Causal multi-head self-attention with one fused Q/K/V projection (nanoGPT's
 * CausalSelfAttention). Two ways to compute it, as nanoGPT keeps both (config
 * `attention`): 'fused', one kernel over the packed projection, and 'plain', the
 * maths op by op (`plainCausalAttention`). They agree to rounding.
 */
export class CausalSelfAttention extends Module {
  readonly nHead: number;
  readonly nEmbd: number;
  readonly headDim: number;
  readonly dropoutP: number;
  readonly attention: GPTAttention;
  readonly generator: Generator;
  /** W^Q, W^K, W^V stacked: (3·nEmbd, nEmbd). */
  readonly cAttn: Linear;
  /** W^O: (nEmbd, nEmbd). */
  readonly cProj: Linear;
  readonly residDropout: Dropout;

  constructor(config: GPTConfig, options: ModuleOptions = {}) {
    super();
    this.nHead = config.nHead;
    this.nEmbd = config.nEmbd;
    this.headDim = config.nEmbd / config.nHead;
    this.dropoutP = config.dropout;
    this.attention = config.attention ?? 'fused';
    this.generator = options.generator ?? defaultGenerator;
    const linear = { dtype: options.dtype, generator: NO_DRAWS, bias: config.bias }; // initialized by GPT
    this.cAttn = this.registerModule('c_attn', new Linear(config.nEmbd, 3 * config.nEmbd, linear));
    this.cProj = this.registerModule('c_proj', new Linear(config.nEmbd, config.nEmbd, linear));
    this.residDropout = new Dropout(config.dropout, options);
  }

  /** (B, T, C) → (B, T, C). With `slot` (B = 1, inference): attend over the cached keys too, and cache the new ones. */
  forward(x: Tensor, slot?: CacheSlot): Tensor {
    const qkv = this.cAttn.forward(x); //                  (B, T, C) → (B, T, 3C): one GEMM for q, k and v
    let y: Tensor; //                                       (B, T, C)
    if (this.attention === 'fused' && !slot && !this.#attentionDropout) {
      // The kernel reads each head's q, k, v in place from the packed rows and writes the heads side by side:
      // no head split or merge is copied and no (T, T) matrix is stored.
      y = packedSelfAttention(qkv, this.nHead, { isCausal: true });
    } else {
      const [q, k, v] = splitHeads(qkv, this.nHead); //     (B, T, 3C) → 3 × (B, nh, T, hs)
      const heads = slot ? slot.cache.attend(slot.layer, q, k, v, this.#attend) : this.#attend(q, k, v);
      y = mergeHeads(heads); //                             (B, nh, T, hs) → (B, T, C)
    }
    return this.residDropout.forward(this.cProj.forward(y)); // output projection W^O
  }

  /** Dropout on the attention probabilities is on (training, p > 0): the fused kernels have none, so the plain maths runs. */
  get #attentionDropout(): boolean {
    return this.training && this.dropoutP > 0;
  }

  /** q (…, T, hs), k and v (…, L, hs) → (…, T, hs): plain maths when asked for or when dropout needs the probabilities. */
  readonly #attend = (q: Tensor, k: Tensor, v: Tensor): Tensor => {
    if (this.attention === 'plain' || this.#attentionDropout) {
      return plainCausalAttention(q, k, v, this.#attentionDropout ? this.dropoutP : 0, this.generator);
    }
    return scaledDotProductAttention(q, k, v, { isCausal: true }); // the fused kernel on split heads (KV cache)
  };
}

/** (B, T, 3C) → (B, T, 3, nh, hs) → (3, B, nh, T, hs): one copy, then q, k, v as zero-copy (B, nh, T, hs) views. */
function splitHeads(qkv: Tensor, nHead: number): Tensor[] {
  const [B, T, threeC] = qkv.shape;
  return unbind(permute(reshape(qkv, [B, T, 3, nHead, threeC / (3 * nHead)]), [2, 0, 3, 1, 4]), 0);
}

/** Re-assemble the heads side by side: (B, nh, T, hs) → (B, T, nh, hs) → (B, T, C). */
function mergeHeads(y: Tensor): Tensor {
  const [B, H, T, D] = y.shape;
  if (T === 1) return reshape(y, [B, T, H * D]); // one position: the heads already lie side by side, no copy
  return reshape(permute(y, [0, 2, 1, 3]), [B, T, H * D]);
}

/**
 * nanoGPT's attention without the flash kernel, op by op:
 *   softmax(maskedFill(q·kᵀ/√hs, future, −∞)) · v,   dropout on the probabilities.
 * q (…, T, hs); k, v (…, L, hs) with L ≥ T: the queries are the last T of L
 * positions (L > T with a KV cache), so query i sees keys j ≤ i + (L − T).
 */
function plainCausalAttention(q: Tensor, k: Tensor, v: Tensor, dropoutP: number, generator: Generator): Tensor {
  const [T, hs] = q.shape.slice(-2);
  const L = k.shape[k.ndim - 2];
  let att = mul(matmulT(q, k, false, true), 1 / Math.sqrt(hs)); // q·kᵀ/√hs: (…, T, L), kᵀ read in place
  att = maskedFill(att, futureMask(T, L), -Infinity); //            no query sees a later position
  att = softmax(att, -1); //                                          each row sums to 1 over the visible keys
  att = dropout(att, dropoutP, true, generator); //                  identity when dropoutP = 0
  return matmul(att, v); //                                           (…, T, L) · (…, L, hs) → (…, T, hs)
}

/** (T, L) int32, 1 where key j comes after query i (j > i + L − T): nanoGPT's `bias[:, :, :T, :T] == 0`. */
function futureMask(T: number, L: number): Tensor {
  const mask = new Int32Array(T * L);
  for (let i = 0; i < T; i++) mask.fill(1, i * L + i + (L - T) + 1, (i + 1) * L);
  return new Tensor(mask, [T, L]);
}

/** The position-wise feed-forward network, 4× wide: c_proj(GELU(c_fc(x))). */
export class GPTMLP extends Module {
  readonly approximate: 'none' | 'tanh';
  readonly cFc: Linear;
  readonly cProj: Linear;
  readonly dropout: Dropout;

  constructor(config: GPTConfig, options: ModuleOptions = {}) {
    super();
    this.approximate = config.activation === 'geluTanh' ? 'tanh' : 'none';
    const linear = { dtype: options.dtype, generator: NO_DRAWS, bias: config.bias }; // initialized by GPT
    this.cFc = this.registerModule('c_fc', new Linear(config.nEmbd, 4 * config.nEmbd, linear));
    this.cProj = this.registerModule('c_proj', new Linear(4 * config.nEmbd, config.nEmbd, linear));
    this.dropout = new Dropout(config.dropout, options);
  }

  /** (B, T, C) → (B, T, 4C) → (B, T, C). With biases, c_fc's bias is added inside the GELU kernel (biasGelu). */
  forward(x: Tensor): Tensor {
    const bias = this.cFc.bias;
    const hidden = bias ? biasGelu(linear(x, this.cFc.weight), bias, this.approximate) : gelu(this.cFc.forward(x), this.approximate);
    return this.dropout.forward(this.cProj.forward(hidden));
  }
}

/** One Transformer layer: attention and MLP sublayers with residuals and LayerNorm (seed 001's Pre-LN / Post-LN). */
export class GPTBlock extends Module {
  readonly norm: GPTConfig['norm'];
  readonly ln1: LayerNorm;
  readonly attn: CausalSelfAttention;
  readonly ln2: LayerNorm;
  readonly mlp: GPTMLP;

  constructor(config: GPTConfig, options: ModuleOptions = {}) {
    super();
    this.norm = config.norm;
    const ln = { dtype: options.dtype, eps: config.layerNormEps, bias: config.bias };
    this.ln1 = this.registerModule('ln_1', new LayerNorm(config.nEmbd, ln));
    this.attn = this.registerModule('attn', new CausalSelfAttention(config, options));
    this.ln2 = this.registerModule('ln_2', new LayerNorm(config.nEmbd, ln));
    this.mlp = this.registerModule('mlp', new GPTMLP(config, options));
  }

  /** (B, T, C) → (B, T, C). */
  forward(x: Tensor, slot?: CacheSlot): Tensor {
    if (this.norm === 'pre') {
      x = add(x, this.attn.forward(this.ln1.forward(x), slot)); // x + Attn(LN1(x))
      return add(x, this.mlp.forward(this.ln2.forward(x))); //     x + MLP(LN2(x))
    }
    x = this.ln1.forward(add(x, this.attn.forward(x, slot))); //   LN1(x + Attn(x))
    return this.ln2.forward(add(x, this.mlp.forward(x))); //       LN2(x + MLP(x))
  }
}

/** nanoGPT's `transformer` ModuleDict: embeddings, the layers, and the final LayerNorm. */
export class GPTTransformer extends Module {
  /** Token embeddings (vocabSize, nEmbd). */
  readonly wte: Embedding;
  /** Position embeddings (blockSize, nEmbd), learned, or fixed sinusoids (no parameters). */
  readonly wpe: LearnedPositionEmbedding | SinusoidalPositionEncoding;
  readonly drop: Dropout;
  readonly h: ModuleList<GPTBlock>;
  /** Final LayerNorm (Pre-LN only; a Post-LN stack already ends in one). */
  readonly lnF: LayerNorm | null;

  constructor(config: GPTConfig, options: ModuleOptions = {}) {
    super();
    this.wte = this.registerModule('wte', new Embedding(config.vocabSize, config.nEmbd, { dtype: options.dtype, generator: NO_DRAWS }));
    this.wpe = this.registerModule('wpe', config.positions === 'learned'
      ? new LearnedPositionEmbedding(config.blockSize, config.nEmbd, { dtype: options.dtype, generator: NO_DRAWS })
      : new SinusoidalPositionEncoding(config.nEmbd, { dtype: options.dtype, maxLength: config.blockSize }));
    this.drop = this.registerModule('drop', new Dropout(config.dropout, options));
    this.h = this.registerModule('h', new ModuleList(Array.from({ length: config.nLayer }, () => new GPTBlock(config, options))));
    this.lnF = this.registerModule('ln_f', config.norm === 'pre' ? new LayerNorm(config.nEmbd, { dtype: options.dtype, eps: config.layerNormEps, bias: config.bias }) : null);
  }

  /**
   * int32 ids (B, T) → final hidden states (B, T, C). Positions start at
   * `cache.filled` when a cache is given (and the new keys/values are written to it).
   */
  forward(idx: Tensor, cache?: KVCache): Tensor {
    const T = idx.shape[1];
    const offset = cache ? cache.filled : 0;
    const tokens = this.wte.forward(idx); //                           (B, T, C)
    let positions = this.wpe.forward(T, offset); //                    (T, C), a view of rows offset…offset+T−1
    if (positions.dtype !== tokens.dtype) positions = cast(positions, tokens.dtype);
    let x = this.drop.forward(add(tokens, positions)); //              h⁰ = w_t + p_t, broadcast over B
    let layer = 0;
    for (const block of this.h) x = block.forward(x, cache && { cache, layer: layer++ });
    return this.lnF ? this.lnF.forward(x) : x; //                      (B, T, C)
  }
}

/** What `GPT.forward` returns, as nanoGPT's `(logits, loss)`. */
export interface GPTOutput {
  /** (B, T, vocabSize) unnormalized next-token scores at every position. */
  logits: Tensor;
  /** Mean cross-entropy over the non-ignored positions when targets were given, else null. */
  loss: Tensor | null;
}

export interface GPTNumParametersOptions {
  trainableOnly?: boolean;
  /**
   * Leave out the position embeddings (nanoGPT's get_num_params(non_embedding=True)).
   * Token embeddings stay counted: with tied weights they are also the output layer.
   */
  excludePositionEmbeddings?: boolean;
}

export interface FromGPT2Options {
  /** Hugging Face config.json contents (n_head, layer_norm_epsilon, activation_function, …). */
  hfConfig?: GPT2HFConfig;
  /** GPTConfig fields that override config.json and the shapes (e.g. { nHead: 12 } without a config.json, or dropout for fine-tuning). */
  config?: Partial<GPTConfig>;
  /** Parameter dtype (default float32; float16/bfloat16 files are widened). */
  dtype?: FloatDType;
}

/** Target value that `GPT.forward` skips in the loss (nanoGPT's ignore_index=-1); shared with RNNLM. */
export { IGNORE_TARGET } from '../token-batch.js';

/**
 * The GPT language model. `new GPT({ vocabSize, blockSize, nLayer, nHead, nEmbd, … })`
 * with nanoGPT's defaults (see GPTConfig); initialization from `options.generator`
 * (default: the seeded `defaultGenerator`).
 */
export class GPT extends Module {
  /**
   * forward keeps no tensor it allocates (no caches, no carried state), so a
   * training step may recycle all of its buffers (TrainTask.stepLocal).
   */
  readonly stepLocal = true;
  readonly config: Readonly<GPTConfig>;
  readonly transformer: GPTTransformer;
  /** Output projection (vocabSize, nEmbd), no bias; the same Parameter as wte.weight when tied. */
  readonly lmHead: Linear;

  constructor(config: GPTConfigInput, options: ModuleOptions = {}) {
    super();
    const resolved = resolveGPTConfig(config);
    this.config = Object.freeze(resolved);
    this.transformer = this.registerModule('transformer', new GPTTransformer(resolved, options));
    this.lmHead = this.registerModule('lm_head', new Linear(resolved.nEmbd, resolved.vocabSize, { dtype: options.dtype, generator: NO_DRAWS, bias: false }));
    // Weight tying (Press & Wolf 2017): one Parameter in both places, so it is updated once and saved under both names.
    if (resolved.tieWeights) this.lmHead.weight = this.transformer.wte.weight;
    this.#initWeights(options.generator ?? defaultGenerator);
  }

  /**
   * nanoGPT's _init_weights: N(0, 0.02²) for every Linear and Embedding weight,
   * zero biases, LayerNorm at ones/zeros; then the two residual-branch outputs of
   * each layer (attn.c_proj, mlp.c_proj) at N(0, (0.02/√(2·nLayer))²) — GPT-2's
   * scaling by 1/√N for the N = 2·nLayer residual additions, so the variance of
   * the residual stream does not grow with depth.
   */
  #initWeights(generator: Generator): void {
    const std = 0.02;
    const residualStd = std / Math.sqrt(2 * this.config.nLayer);
    for (const [name, m] of this.namedModules()) {
      if (m instanceof Linear) {
        normal(m.weight, 0, name.endsWith('c_proj') ? residualStd : std, { generator });
        if (m.bias) zeros(m.bias);
      } else if (m instanceof Embedding || m instanceof LearnedPositionEmbedding) {
        normal(m.weight, 0, std, { generator });
      }
    }
  }

  /** Element type of the parameters (float32 unless converted with `.double()`). */
  get dtype(): FloatDType {
    return this.transformer.wte.weight.dtype as FloatDType;
  }

  /**
   * idx: int32 (B, T) token ids with T ≤ blockSize; targets: int32 (B, T), the
   * next token at each position (−1 = ignore). Returns logits (B, T, V) and, with
   * targets, the mean cross-entropy J = −(1/N) Σ log p(target | prefix) over the
   * N non-ignored positions (seed 001's Transformer-LM objective), computed by the
   * fused log-softmax + NLL op.
   */
  forward(idx: Tensor, targets?: Tensor | null): GPTOutput {
    const { vocabSize, blockSize } = this.config;
    checkTokenBatch('GPT.forward', idx, vocabSize, blockSize); // idx (B, T)
    const x = this.transformer.forward(idx); //    (B, T, C)
    const logits = this.lmHead.forward(x); //      (B, T, V): one GEMM reading W (V, C) transposed in place
    const loss = targets === undefined || targets === null ? null : nextTokenLoss('GPT.forward', logits, targets);
    return { logits, loss };
  }

  /** A KV cache for this model's shape and dtype (see `forwardCached`). */
  newCache(initialCapacity = 0): KVCache {
    const { nLayer, nHead, nEmbd, blockSize } = this.config;
    return new KVCache({ nLayer, nHead, headDim: nEmbd / nHead, blockSize }, this.dtype, initialCapacity);
  }

  /**
   * Inference with a KV cache: run `tokens` (one sequence) as the positions
   * cache.filled … cache.filled + n − 1, attending to every cached position
   * before them, append their keys/values to `cache`, and return the final
   * hidden state of the last new token (nEmbd) — `lmHead.forward` of it gives
   * the next-token logits. One call with a whole prompt is one forward over its
   * n positions (prefill); one call per token then costs O(filled) attention.
   * No gradients, no dropout (whatever the training mode). The cache must not
   * outgrow blockSize: crop and start a new cache (GPTLanguageModel does).
   * With `cache` null the tokens are positions 0 … n − 1 and nothing is kept
   * (the plain batched forward: for a cropped window no key is reusable anyway).
   */
  forwardCached(cache: KVCache | null, tokens: ArrayLike<number>): Tensor {
    const n = tokens.length;
    const { blockSize, vocabSize, nEmbd: C } = this.config;
    if (cache) this.#checkCache(cache, n);
    else if (n < 1 || n > blockSize) throw new RangeError(`GPT.forwardCached: ${n} tokens; give 1 … blockSize ${blockSize}`);
    const ids = Int32Array.from(tokens);
    checkTokenIds('GPT.forwardCached', ids, vocabSize, n);
    return noGrad(() => this.#withoutDropout(() => {
      cache?.reserve(cache.filled + n);
      const hidden = this.transformer.forward(new Tensor(ids, [1, n]), cache ?? undefined); // (1, n, C)
      cache?.commit(ids);
      // The last position's row, copied so a state does not keep the whole (n, C) output alive.
      return new Tensor(hidden.data.slice((n - 1) * C, n * C), [C]); //                   (C)
    }));
  }

  /** The cache must fit this model and have room for `n` more positions. */
  #checkCache(cache: KVCache, n: number): void {
    const { nLayer, nHead, nEmbd, blockSize } = this.config;
    if (cache.nLayer !== nLayer || cache.nHead !== nHead || cache.headDim !== nEmbd / nHead || cache.blockSize !== blockSize || cache.dtype !== this.dtype) {
      throw new RangeError(`GPT.forwardCached: the cache was made for another model shape or dtype; create it with gpt.newCache()`);
    }
    if (n < 1) throw new RangeError('GPT.forwardCached: no tokens to feed');
    if (cache.filled + n > blockSize) {
      throw new RangeError(`GPT.forwardCached: ${cache.filled} cached + ${n} new positions exceed blockSize ${blockSize}; crop the context to its last ${blockSize} tokens in a new cache`);
    }
  }

  /** Run `fn` in eval mode when dropout could be active, restoring each module's mode after. */
  #withoutDropout<T>(fn: () => T): T {
    if (this.config.dropout === 0 || !this.training) return fn();
    const modes = this.modules().map((m) => [m, m.training] as const);
    this.eval();
    try {
      return fn();
    } finally {
      for (const [m, mode] of modes) m.training = mode;
    }
  }

  /** Number of scalar parameters, tied weights counted once. */
  override numParameters(options: GPTNumParametersOptions = {}): number {
    let n = super.numParameters(options);
    const wpe = this.transformer.wpe;
    if (options.excludePositionEmbeddings && wpe instanceof LearnedPositionEmbedding && (!options.trainableOnly || wpe.weight.requiresGrad)) n -= wpe.weight.size;
    return n;
  }

  /**
   * This model as a LanguageModel (next-token log-probabilities with a KV cache),
   * for scoring, perplexity, sampling and beam search. See GPTLanguageModel.
   */
  asLanguageModel(options: GPTLanguageModelOptions = {}): GPTLanguageModel {
    return new GPTLanguageModel(this, options);
  }

  /**
   * Build a GPT from a Hugging Face GPT-2 state dict (GPT2LMHeadModel or
   * GPT2Model names, Conv1D weights (in, out), e.g. `parseSafetensors(bytes).tensors`).
   * The config comes from the weight shapes plus `hfConfig` (config.json) and
   * `config` overrides; nHead must be in one of them. See gpt2.ts.
   */
  static fromGPT2(tensors: ReadonlyMap<string, Tensor> | Record<string, Tensor>, options: FromGPT2Options = {}): GPT {
    const config = inferGPT2Config(tensors, { hfConfig: options.hfConfig, config: options.config });
    // The weights are overwritten right away: skip drawing random numbers for them (seconds for GPT-2 sizes).
    const model = new GPT(config, { dtype: options.dtype, generator: NO_DRAWS });
    model.loadGPT2StateDict(tensors);
    return model;
  }

  /** Copy a Hugging Face GPT-2 state dict into this model (in place; errors list every mismatched key and shape). */
  loadGPT2StateDict(tensors: ReadonlyMap<string, Tensor> | Record<string, Tensor>): void {
    this.loadStateDict(gpt2ToStateDict(tensors, this.config));
  }

  /** This model's weights with Hugging Face GPT-2 names and Conv1D (in, out) layout (copies for the transposed ones, views otherwise). */
  toGPT2StateDict(options: ToGPT2Options = {}): Map<string, Tensor> {
    return stateDictToGPT2(this.stateDict(), this.config, options);
  }

  protected override extraRepr(): string {
    const c = this.config;
    return `vocabSize=${c.vocabSize}, blockSize=${c.blockSize}, nLayer=${c.nLayer}, nHead=${c.nHead}, nEmbd=${c.nEmbd}, norm=${c.norm}, positions=${c.positions}, tieWeights=${c.tieWeights}${c.attention ? `, attention=${c.attention}` : ''}`;
  }
}
