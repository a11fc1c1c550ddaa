/**
 * RNN-LM: a recurrent language model (Mikolov et al. 2010; seed 000's "RNN
 * Language Model", seed 002's char-level LSTM on Shakespeare), written as
 * PyTorch's word_language_model example is — with its parameter names, so a
 * state dict moves across both ways:
 *
 *   encoder   Embedding (V, E)              x_t = E[w_t]                      (seed 004: "mapping each tokenized id into its embedding")
 *   rnn       RNN / LSTM / GRU, stacked     h_t = f_θ(x_t, h_{t−1})           (seed 002's Elman, LSTM and GRU equations; see src/nn/rnn.ts)
 *   decoder   Linear (V, H) + bias          p(w_{t+1} | w_≤t) = softmax(W h_t + b)
 *
 * Seed 000: "convert all previous words to a fixed length vector h_t, and
 * define p(w_t | h_t) that conditions on the vector", so that
 *   p(w_1 … w_T) = Π_t p(w_t | h_t),
 * trained by maximum likelihood: the loss is the mean per-step cross-entropy
 * −(1/N) Σ_t log p(w_{t+1} | h_t) (seed 000's "RNN-LM + loss"; seed 004's training
 * pairs: inputs START w_1 … w_n, targets w_1 … w_n STOP).
 *
 * The hidden state is explicit: `forward(idx, targets, state)` starts from
 * `state` (zeros when absent, seed 002's h_0 = [0, …, 0]) and returns the final
 * one, so a long text is read in chunks of T tokens with the state carried over
 * and detached in between — truncated backpropagation through time (seed 002:
 * "we will truncate at some length (here T = 50)").
 *
 * Parameter names (word_language_model's RNNModel): encoder.weight,
 * rnn.weight_ih_l{k}, rnn.weight_hh_l{k}, rnn.bias_ih_l{k}, rnn.bias_hh_l{k},
 * decoder.weight, decoder.bias; gates stacked as PyTorch's (LSTM i, f, g, o;
 * GRU r, z, n).
 */
import { zeros } from '../../tensor/creation.js';
import type { FloatDType } from '../../tensor/dtype.js';
import { defaultGenerator, Generator } from '../../tensor/random.js';
import { formatShape, ShapeError } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Dropout } from '../../nn/dropout.js';
import { Embedding } from '../../nn/embedding.js';
import { uniform, zeros as zeroInit } from '../../nn/init.js';
import { Linear } from '../../nn/linear.js';
import { Module, type ModuleOptions } from '../../nn/module.js';
import { GRU, LSTM, RNN } from '../../nn/rnn.js';
import { checkTokenBatch, nextTokenLoss } from '../token-batch.js';
import { resolveRNNLMConfig, type RNNLMConfig, type RNNLMConfigInput } from './config.js';
import { RNNLanguageModel, type RNNLanguageModelOptions } from './language-model.js';

/**
 * The recurrent state between chunks: h of every layer, (numLayers, B, hiddenSize),
 * and for an LSTM the cell states c of the same shape. (A type alias rather than
 * an interface so it is a plain record of tensors, as checkpoints store it.)
 */
export type RNNState = { readonly h: Tensor; readonly c?: Tensor };

/** What `RNNLM.forward` returns: nanoGPT's (logits, loss) plus the final state. */
export interface RNNLMOutput {
  /** (B, T, vocabSize) unnormalized next-token scores at every position. */
  logits: Tensor;
  /** Mean cross-entropy over the non-ignored positions when targets were given, else null. */
  loss: Tensor | null;
  /** The state after the last position, to pass to the next chunk (detach it first when training). */
  state: RNNState;
}

/** What `RNNLM.forwardHidden` returns: the top layer's outputs before the decoder, and the final state. */
export interface RNNLMHidden {
  /** (B, T, hiddenSize): h_t of the top layer (after output dropout in training mode). */
  output: Tensor;
  state: RNNState;
}

/** word_language_model's init range for the encoder and decoder weights. */
const INIT_RANGE = 0.1;

/**
 * A generator whose draws are constants: the embedding and decoder are built
 * with it because their PyTorch-default initialization is overwritten right
 * after (see `RNNLM.#initWeights`), so a large vocabulary does not pay twice for
 * random numbers.
 */
class NoRandomness extends Generator {
  override normal(mean = 0): number {
    return mean;
  }

  override uniform(low = 0): number {
    return low;
  }
}

/**
 * The RNN language model. `new RNNLM({ vocabSize, hiddenSize, cell: 'lstm', … })`
 * (see RNNLMConfig for the rest and their defaults); initialization and dropout
 * masks come from `options.generator` (default: the seeded `defaultGenerator`).
 *
 * Initialization (word_language_model's init_weights): encoder.weight and
 * decoder.weight ~ U(−0.1, 0.1), decoder.bias = 0; the recurrent weights keep
 * PyTorch's default U(±1/√hiddenSize). Small embeddings keep the first layer's
 * gates out of saturation (PyTorch's Embedding default is N(0, 1)).
 */
export class RNNLM extends Module {
  readonly config: Readonly<RNNLMConfig>;
  /** Token embeddings (vocabSize, embeddingSize). */
  readonly encoder: Embedding;
  /** Zaremba et al. 2014's non-recurrent dropout, on the embeddings and the top layer's outputs. */
  readonly drop: Dropout;
  /** The stacked recurrent layers, batchFirst, with `dropout` between layers. */
  readonly rnn: RNN | LSTM | GRU;
  /** Output projection (vocabSize, hiddenSize) + bias; its weight is encoder.weight when tied. */
  readonly decoder: Linear;
  /**
   * forward keeps no tensor it allocates (the state it returns is the caller's to
   * keep or copy), so a training step may recycle all of its buffers (TrainTask.stepLocal).
   */
  readonly stepLocal = true;

  constructor(config: RNNLMConfigInput, options: ModuleOptions = {}) {
    super();
    const c = resolveRNNLMConfig(config);
    this.config = Object.freeze(c);
    const generator = options.generator ?? defaultGenerator;
    const { dtype } = options;
    const noDraws = { dtype, generator: new NoRandomness() };
    this.encoder = this.registerModule('encoder', new Embedding(c.vocabSize, c.embeddingSize, noDraws));
    this.drop = this.registerModule('drop', new Dropout(c.dropout, { generator }));
    const recurrent = { dtype, generator, numLayers: c.numLayers, dropout: c.dropout, batchFirst: true };
    this.rnn = this.registerModule('rnn', c.cell === 'lstm'
      ? new LSTM(c.embeddingSize, c.hiddenSize, recurrent)
      : c.cell === 'gru'
        ? new GRU(c.embeddingSize, c.hiddenSize, recurrent)
        : new RNN(c.embeddingSize, c.hiddenSize, { ...recurrent, nonlinearity: c.nonlinearity }));
    this.decoder = this.registerModule('decoder', new Linear(c.hiddenSize, c.vocabSize, noDraws));
    // Weight tying (Press & Wolf 2017): one Parameter in both places, updated once, saved under both names.
    if (c.tieWeights) this.decoder.weight = this.encoder.weight;
    this.#initWeights(generator);
  }

  #initWeights(generator: Generator): void {
    uniform(this.encoder.weight, -INIT_RANGE, INIT_RANGE, { generator });
    if (!this.config.tieWeights) uniform(this.decoder.weight, -INIT_RANGE, INIT_RANGE, { generator });
    if (this.decoder.bias) zeroInit(this.decoder.bias);
  }

  /** Element type of the parameters (float32 unless converted with `.double()`). */
  get dtype(): FloatDType {
    return this.encoder.weight.dtype as FloatDType;
  }

  /**
   * idx: int32 (B, T) token ids; targets: int32 (B, T), the next token at each
   * position (−1 = ignore); state: the state after the previous chunk (null or
   * absent = zeros). Returns logits (B, T, V), the mean cross-entropy over the
   * non-ignored targets (fused log-softmax + NLL) when targets are given, and the
   * final state.
   */
  forward(idx: Tensor, targets?: Tensor | null, state?: RNNState | null): RNNLMOutput {
    checkTokenBatch('RNNLM.forward', idx, this.config.vocabSize);
    const { output, state: next } = this.#run(idx, state ?? null, 'RNNLM.forward');
    const logits = this.decoder.forward(output); //                    (B, T, V): one GEMM over all B·T positions
    const loss = targets === undefined || targets === null ? null : nextTokenLoss('RNNLM.forward', logits, targets);
    return { logits, loss, state: next };
  }

  /**
   * The recurrent part alone: ids (B, T) and a state → the top layer's outputs
   * (B, T, hiddenSize) and the final state, without the decoder. The LanguageModel
   * adapter uses it to feed a prompt without paying for V logits per position.
   */
  forwardHidden(idx: Tensor, state?: RNNState | null): RNNLMHidden {
    checkTokenBatch('RNNLM.forwardHidden', idx, this.config.vocabSize);
    return this.#run(idx, state ?? null, 'RNNLM.forwardHidden');
  }

  #run(idx: Tensor, state: RNNState | null, op: string): RNNLMHidden {
    if (state) this.#checkState(op, state, idx.shape[0]);
    const embedded = this.drop.forward(this.encoder.forward(idx)); //  (B, T, E), dropout on the embeddings
    let output: Tensor, next: RNNState;
    if (this.rnn instanceof LSTM) {
      const r = this.rnn.forward(embedded, state ? state.h : null, state ? (state.c as Tensor) : null);
      output = r.output;
      next = { h: r.hN, c: r.cN };
    } else {
      const r = this.rnn.forward(embedded, state ? state.h : null);
      output = r.output;
      next = { h: r.hN };
    } //                                                                output (B, T, H); h, c (numLayers, B, H)
    return { output: this.drop.forward(output), state: next }; //     dropout on the top layer's outputs
  }

  /** The zero state for `batchSize` sequences (what a null state means), in the model's dtype. */
  initialState(batchSize: number): RNNState {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`RNNLM.initialState: batchSize must be a positive integer, got ${batchSize}`);
    const shape = [this.config.numLayers, batchSize, this.config.hiddenSize];
    const h = zeros(shape, { dtype: this.dtype });
    return this.config.cell === 'lstm' ? { h, c: zeros(shape, { dtype: this.dtype }) } : { h };
  }

  /**
   * The same values cut from the graph (sharing storage): carry it into the next
   * chunk so that backward stops at the chunk boundary — truncated BPTT.
   */
  detachState(state: RNNState): RNNState {
    return state.c ? { h: state.h.detach(), c: state.c.detach() } : { h: state.h.detach() };
  }

  /** A state must match (numLayers, B, hiddenSize) and the dtype, with c exactly for an LSTM. */
  #checkState(op: string, state: RNNState, batchSize: number): void {
    const { numLayers, hiddenSize, cell } = this.config;
    const expected = [numLayers, batchSize, hiddenSize];
    const check = (t: Tensor, role: string): void => {
      if (t.ndim !== 3 || t.shape.some((d, i) => d !== expected[i])) {
        throw new ShapeError(`${op}: state.${role} has shape ${formatShape(t.shape)}, expected ${formatShape(expected)} (numLayers, B, hiddenSize) for idx with B = ${batchSize}`);
      }
      if (t.dtype !== this.dtype) throw new TypeError(`${op}: state.${role} is ${t.dtype} but the model is ${this.dtype}; make the state with model.initialState(B) or cast it`);
    };
    if (!state || typeof state !== 'object' || !state.h) throw new TypeError(`${op}: state must be { h${cell === 'lstm' ? ', c' : ''} } (from a previous forward or initialState), got ${String(state)}`);
    check(state.h, 'h');
    if (cell === 'lstm') {
      if (!state.c) throw new TypeError(`${op}: an LSTM state needs the cell state c as well as h; pass the state a previous forward returned, or null for zeros`);
      check(state.c, 'c');
    } else if (state.c) {
      throw new TypeError(`${op}: a ${cell.toUpperCase()} state has only h, but this one has c too (an LSTM's state?)`);
    }
  }

  /**
   * This model as a LanguageModel (next-token log-probabilities, the hidden
   * state carried in immutable states), for scoring, perplexity, sampling and
   * beam search. See RNNLanguageModel.
   */
  asLanguageModel(options: RNNLanguageModelOptions = {}): RNNLanguageModel {
    return new RNNLanguageModel(this, options);
  }

  protected override extraRepr(): string {
    const c = this.config;
    const parts = [`vocabSize=${c.vocabSize}`, `cell=${c.cell}`, `embeddingSize=${c.embeddingSize}`, `hiddenSize=${c.hiddenSize}`, `numLayers=${c.numLayers}`];
    if (c.dropout) parts.push(`dropout=${c.dropout}`);
    if (c.cell === 'rnn') parts.push(`nonlinearity=${c.nonlinearity}`);
    if (c.tieWeights) parts.push('tieWeights=true');
    return parts.join(', ');
  }
}
