/**
 * One Transformer layer (seed 000's Transformer-LM block; seed 001's Post-LN
 * vs Pre-LN): multi-head self-attention and a position-wise MLP, each wrapped
 * in a residual connection with LayerNorm —
 *   post (Vaswani et al. 2017):  x = LN1(x + SA(x));   x = LN2(x + FF(x))
 *   pre  (GPT-2; Xiong et al. 2020, trains without warmup tricks):
 *                                x = x + SA(LN1(x));   x = x + FF(LN2(x))
 * with FF(x) = W2 · act(W1 x + b1) + b2. Parameter names are those of
 * torch.nn.TransformerEncoderLayer (self_attn.*, linear1, linear2, norm1, norm2),
 * so its state dict loads directly. Input is batch-first (B, T, E).
 */
import { gelu } from '../ops/activations.js';
import { add } from '../ops/binary.js';
import { relu } from '../ops/unary.js';
import { rejectUnknownOptions } from '../options.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { MultiheadAttention } from './attention.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { Module, type ModuleOptions } from './module.js';
import { LayerNorm } from './norm.js';
import { requirePositiveInteger } from './util.js';

export type TransformerNorm = 'pre' | 'post';
export type TransformerActivation = 'gelu' | 'geluTanh' | 'relu';

export interface TransformerBlockOptions extends ModuleOptions {
  /** Hidden width of the MLP (default 4·embedDim). */
  ffDim?: number;
  /** Where LayerNorm sits (default 'pre'). */
  norm?: TransformerNorm;
  /** Causal self-attention: position t sees positions ≤ t (default false). */
  causal?: boolean;
  /** MLP nonlinearity: exact GELU (default), GPT-2's tanh-approximated GELU, or ReLU. */
  activation?: TransformerActivation;
  layerNormEps?: number;
  /** Dropout on the attention probabilities, inside the MLP and on both residual branches (default 0). */
  dropout?: number;
  /** Biases in the linear layers and LayerNorms (default true). */
  bias?: boolean;
}

export interface TransformerBlockForwardOptions {
  /** Extra (T, T) or (B·numHeads, T, T) mask: bool (nonzero = blocked) or additive float. */
  attnMask?: Tensor | null;
  /** (B, T): bool (nonzero = padding) or additive float. */
  keyPaddingMask?: Tensor | null;
}

const TRANSFORMER_BLOCK_OPTIONS: readonly (keyof TransformerBlockOptions)[] = [
  'ffDim', 'norm', 'causal', 'activation', 'layerNormEps', 'dropout', 'bias', 'dtype', 'generator',
];

export class TransformerBlock extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly ffDim: number;
  readonly norm: TransformerNorm;
  readonly causal: boolean;
  readonly activation: TransformerActivation;
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;

  constructor(embedDim: number, numHeads: number, options: TransformerBlockOptions = {}) {
    super();
    rejectUnknownOptions('TransformerBlock', options, TRANSFORMER_BLOCK_OPTIONS);
    requirePositiveInteger('TransformerBlock', 'embedDim', embedDim);
    const ffDim = options.ffDim ?? 4 * embedDim;
    requirePositiveInteger('TransformerBlock', 'ffDim', ffDim);
    const norm = options.norm ?? 'pre';
    if (norm !== 'pre' && norm !== 'post') throw new RangeError(`TransformerBlock: norm must be 'pre' or 'post', got '${String(norm)}'`);
    const activation = options.activation ?? 'gelu';
    if (activation !== 'gelu' && activation !== 'geluTanh' && activation !== 'relu') {
      throw new RangeError(`TransformerBlock: activation must be 'gelu', 'geluTanh' or 'relu', got '${String(activation)}'`);
    }
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.ffDim = ffDim;
    this.norm = norm;
    this.causal = options.causal ?? false;
    this.activation = activation;
    const p = options.dropout ?? 0;
    const bias = options.bias ?? true;
    const common = { dtype: options.dtype, generator: options.generator };
    // Registration order and names follow nn.TransformerEncoderLayer.
    this.selfAttn = this.registerModule('self_attn', new MultiheadAttention(embedDim, numHeads, { ...common, bias, batchFirst: true, dropout: p }));
    this.linear1 = new Linear(embedDim, ffDim, { ...common, bias });
    this.dropout = new Dropout(p, common);
    this.linear2 = new Linear(ffDim, embedDim, { ...common, bias });
    const eps = options.layerNormEps ?? 1e-5;
    this.norm1 = new LayerNorm(embedDim, { dtype: options.dtype, eps, bias });
    this.norm2 = new LayerNorm(embedDim, { dtype: options.dtype, eps, bias });
    this.dropout1 = new Dropout(p, common);
    this.dropout2 = new Dropout(p, common);
  }

  /** (B, T, E) → (B, T, E). */
  forward(input: Tensor, options: TransformerBlockForwardOptions = {}): Tensor {
    if (input.ndim !== 3 || input.shape[2] !== this.embedDim) {
      throw new ShapeError(`TransformerBlock: input has shape ${formatShape(input.shape)}, expected (B, T, ${this.embedDim})`);
    }
    let x = input;
    if (this.norm === 'pre') {
      x = add(x, this.#attentionBranch(this.norm1.forward(x), options));
      x = add(x, this.#feedForwardBranch(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(add(x, this.#attentionBranch(x, options)));
      x = this.norm2.forward(add(x, this.#feedForwardBranch(x)));
    }
    return x;
  }

  #attentionBranch(x: Tensor, options: TransformerBlockForwardOptions): Tensor {
    const { output } = this.selfAttn.forward(x, x, x, {
      isCausal: this.causal, attnMask: options.attnMask ?? null, keyPaddingMask: options.keyPaddingMask ?? null,
    });
    return this.dropout1.forward(output);
  }

  #feedForwardBranch(x: Tensor): Tensor {
    const hidden = this.linear1.forward(x);
    const activated = this.activation === 'relu' ? relu(hidden) : gelu(hidden, this.activation === 'geluTanh' ? 'tanh' : 'none');
    return this.dropout2.forward(this.linear2.forward(this.dropout.forward(activated)));
  }

  protected override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, ffDim=${this.ffDim}, norm='${this.norm}', causal=${this.causal}, activation='${this.activation}'`;
  }
}
