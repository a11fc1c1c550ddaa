/**
 * Recurrent layers: RNN (Elman), LSTM and GRU, stacked (numLayers), optionally
 * bidirectional, with dropout between layers, batchFirst, an initial state in
 * and the final state out — PyTorch's nn.RNN/LSTM/GRU, with the same parameter
 * names ('weight_ih_l0', 'bias_hh_l1_reverse', …), layouts (gates stacked i,f,g,o
 * for LSTM and r,z,n for GRU) and state shapes ((numLayers·D, B, H)), so weights
 * copy across in both directions.
 *
 * Equations (seed 002's RNN/LSTM/GRU slides; seed 000's Elman RNN, whose σ is
 * the logistic sigmoid — `nonlinearity: 'sigmoid'`):
 *   Elman:  h_t = act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)
 *   LSTM:   i, f, o = σ(·), g = tanh(·) of W_i* x_t + b_i* + W_h* h_{t−1} + b_h*
 *           c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
 *   GRU:    r, z = σ(W_i* x_t + b_i* + W_h* h_{t−1} + b_h*)
 *           n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t−1} + b_hn))
 *           h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
 * GRU follows PyTorch (and Cho et al. 2014's v2): r multiplies W_hn h + b_hn,
 * and z weights the old state; seed 002 writes r ⊙ h inside W_hh(·) and swaps
 * the roles of z and 1 − z — the same family, but PyTorch's form is what makes
 * weights interchangeable.
 *
 * Speed: each layer/direction computes the input projections of all timesteps
 * with ONE GEMM (T·B rows); a step then costs one (B, H) × (H, G·H) GEMM plus
 * a few elementwise ops. Both biases are folded into that GEMM where the
 * equations allow (Elman, LSTM). `unbind` hands out per-step views whose
 * backward is one concatenation.
 */
import { add, mul, sub } from '../ops/binary.js';
import { dropout } from '../ops/dropout.js';
import { linear, matmulT } from '../ops/matmul.js';
import { cat, squeeze, stack, transpose, unsqueeze } from '../ops/shape.js';
import { relu, sigmoid, tanh } from '../ops/unary.js';
import { rejectUnknownOptions } from '../options.js';
import { zeros } from '../tensor/creation.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { layerDefaults } from './init.js';
import { Module, type ModuleOptions } from './module.js';
import { chunk, split, unbind } from '../ops/shape.js';
import { emptyParameter, requirePositiveInteger, requireProbability } from './util.js';

export type RNNNonlinearity = 'tanh' | 'relu' | 'sigmoid';
type CellKind = 'rnn' | 'lstm' | 'gru';

const GATE_COUNT: Record<CellKind, number> = { rnn: 1, lstm: 4, gru: 3 };
const CLASS_NAME: Record<CellKind, string> = { rnn: 'RNN', lstm: 'LSTM', gru: 'GRU' };

export interface RecurrentOptions extends ModuleOptions {
  /** Stacked layers; layer k > 0 reads layer k−1's outputs (default 1). */
  numLayers?: number;
  /** Learn b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are (B, T, ·) instead of (T, B, ·) (default false, as PyTorch). States stay (numLayers·D, B, H). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** A second pass right to left; outputs concatenate [forward, reverse] on the last dim (default false). */
  bidirectional?: boolean;
}

export interface RNNOptions extends RecurrentOptions {
  /** Elman cell nonlinearity (default 'tanh'; seed 000 uses 'sigmoid'). */
  nonlinearity?: RNNNonlinearity;
}

export interface LSTMOptions extends RecurrentOptions {
  /**
   * LSTM with projections (Sak et al. 2014; PyTorch's proj_size): h_t = W_hr (o ⊙ tanh(c_t))
   * has this size instead of hiddenSize, with weight_hr_l{k} (projSize, hiddenSize).
   * Must be < hiddenSize; default 0 = no projection.
   */
  projSize?: number;
}

const RECURRENT_OPTIONS: readonly (keyof RecurrentOptions)[] = ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'dtype', 'generator'];
const KNOWN_OPTIONS: Record<CellKind, readonly string[]> = {
  rnn: [...RECURRENT_OPTIONS, 'nonlinearity'],
  lstm: [...RECURRENT_OPTIONS, 'projSize'],
  gru: RECURRENT_OPTIONS,
};

/** Output of RNN and GRU: all top-layer states and the final state of every layer/direction. */
export interface RecurrentResult {
  /** (T, B, D·H), or (B, T, D·H) with batchFirst. */
  output: Tensor;
  /** (numLayers·D, B, H): layer by layer, forward before reverse. */
  hN: Tensor;
}

export interface LSTMResult extends RecurrentResult {
  /** Final cell states, (numLayers·D, B, H). */
  cN: Tensor;
}

// ---------------------------------------------------------------- one step of each cell

function activate(x: Tensor, nonlinearity: RNNNonlinearity): Tensor {
  return nonlinearity === 'tanh' ? tanh(x) : nonlinearity === 'relu' ? relu(x) : sigmoid(x);
}

/*
 * The steps take the previous state as a tensor, never null: a missing h0 is
 * a zero tensor that still goes through W_hh, so W_hh gets PyTorch's (zero)
 * gradient from it rather than none at all.
 */

/** The zero initial state of `rows` × `size` for a step whose input projection is `xProj`. */
function zeroState(xProj: Tensor, size: number): Tensor {
  return zeros([xProj.shape[0], size], { dtype: xProj.dtype });
}

/** Elman step; `xProj` = W_ih x + b_ih + b_hh. */
function elmanStep(xProj: Tensor, h: Tensor, weightHh: Tensor, nonlinearity: RNNNonlinearity): Tensor {
  return activate(add(xProj, matmulT(h, weightHh, false, true)), nonlinearity);
}

/** LSTM step; `xProj` = W_ih x + b_ih + b_hh, gates stacked i, f, g, o; `weightHr` projects h (projSize). */
function lstmStep(xProj: Tensor, h: Tensor, c: Tensor, weightHh: Tensor, weightHr: Tensor | null = null): [Tensor, Tensor] {
  const gates = add(xProj, matmulT(h, weightHh, false, true));
  const [gi, gf, gg, go] = chunk(gates, 4, -1);
  const input = sigmoid(gi), forget = sigmoid(gf), candidate = tanh(gg), output = sigmoid(go);
  const cell = add(mul(forget, c), mul(input, candidate));
  const hidden = mul(output, tanh(cell));
  return [weightHr ? matmulT(hidden, weightHr, false, true) : hidden, cell];
}

/** GRU step; `xProj` = W_ih x + b_ih (b_hh stays per step: b_hn sits inside r ⊙ (·)), gates r, z, n. */
function gruStep(xProj: Tensor, h: Tensor, weightHh: Tensor, biasHh: Tensor | null): Tensor {
  const hiddenSize = weightHh.shape[1];
  const hProj = biasHh ? add(matmulT(h, weightHh, false, true), biasHh) : matmulT(h, weightHh, false, true);
  const [xRZ, xN] = split(xProj, [2 * hiddenSize, hiddenSize], -1);
  const [hRZ, hN] = split(hProj, [2 * hiddenSize, hiddenSize], -1);
  const [reset, update] = chunk(sigmoid(add(xRZ, hRZ)), 2, -1);
  const candidate = tanh(add(xN, mul(reset, hN)));
  // (1 − z) ⊙ n + z ⊙ h  =  n + z ⊙ (h − n).
  return add(candidate, mul(update, sub(h, candidate)));
}

// ---------------------------------------------------------------- stacked, bidirectional layers

/** Shared machinery of RNN, LSTM and GRU (PyTorch's RNNBase). */
export abstract class RNNBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** Size of h (LSTM's projSize), or 0 when h has hiddenSize entries. */
  readonly projSize: number;
  /** Generator for the between-layer dropout masks. */
  readonly generator: Generator;
  readonly #kind: CellKind;
  readonly #nonlinearity: RNNNonlinearity;

  protected constructor(kind: CellKind, inputSize: number, hiddenSize: number, options: RNNOptions & LSTMOptions) {
    super();
    const name = CLASS_NAME[kind];
    rejectUnknownOptions(name, options, KNOWN_OPTIONS[kind]);
    requirePositiveInteger(name, 'inputSize', inputSize);
    requirePositiveInteger(name, 'hiddenSize', hiddenSize);
    const numLayers = options.numLayers ?? 1;
    requirePositiveInteger(name, 'numLayers', numLayers);
    const dropoutP = options.dropout ?? 0;
    requireProbability(name, 'dropout', dropoutP);
    const nonlinearity = options.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu' && nonlinearity !== 'sigmoid') {
      throw new RangeError(`${name}: nonlinearity must be 'tanh', 'relu' or 'sigmoid', got '${String(nonlinearity)}'`);
    }
    const projSize = options.projSize ?? 0;
    if (!Number.isInteger(projSize) || projSize < 0 || projSize >= hiddenSize) {
      throw new RangeError(`${name}: projSize must be an integer in [0, hiddenSize = ${hiddenSize}), got ${projSize}`);
    }
    this.#kind = kind;
    this.#nonlinearity = nonlinearity;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.projSize = projSize;
    this.numLayers = numLayers;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = dropoutP;
    this.bidirectional = options.bidirectional ?? false;
    this.generator = options.generator ?? defaultGenerator;
    const gates = GATE_COUNT[kind] * hiddenSize;
    const directions = this.bidirectional ? 2 : 1;
    const stateSize = this.stateSize;
    const created: Tensor[] = [];
    // PyTorch's order: for each layer, for each direction: weight_ih, weight_hh, bias_ih, bias_hh, weight_hr.
    for (let layer = 0; layer < numLayers; layer++) {
      const layerInput = layer === 0 ? inputSize : stateSize * directions;
      for (let dir = 0; dir < directions; dir++) {
        const suffix = parameterSuffix(layer, dir);
        created.push(this.registerParameter(`weight_ih${suffix}`, emptyParameter([gates, layerInput], options.dtype)));
        created.push(this.registerParameter(`weight_hh${suffix}`, emptyParameter([gates, stateSize], options.dtype)));
        if (this.bias) {
          created.push(this.registerParameter(`bias_ih${suffix}`, emptyParameter([gates], options.dtype)));
          created.push(this.registerParameter(`bias_hh${suffix}`, emptyParameter([gates], options.dtype)));
        }
        if (projSize > 0) created.push(this.registerParameter(`weight_hr${suffix}`, emptyParameter([projSize, hiddenSize], options.dtype)));
      }
    }
    layerDefaults.recurrent(created, hiddenSize, options);
  }

  /** Size of h: projSize when set, else hiddenSize. */
  get stateSize(): number {
    return this.projSize > 0 ? this.projSize : this.hiddenSize;
  }

  /** Run all layers; `c0` only for LSTM. */
  protected run(input: Tensor, h0: Tensor | null, c0: Tensor | null): { output: Tensor; hN: Tensor; cN: Tensor | null } {
    const kind = this.#kind, name = CLASS_NAME[kind];
    const directions = this.bidirectional ? 2 : 1;
    const stateCount = this.numLayers * directions;
    const unbatched = input.ndim === 2;
    if ((input.ndim !== 3 && !unbatched) || input.shape[input.ndim - 1] !== this.inputSize) {
      const layout = this.batchFirst ? `(B, T, ${this.inputSize})` : `(T, B, ${this.inputSize})`;
      throw new ShapeError(`${name}: input has shape ${formatShape(input.shape)}, expected ${layout} or unbatched (T, ${this.inputSize})`);
    }
    // Work time-major: (T, B, ·), so each timestep is a contiguous (B, ·) block.
    let x = unbatched ? unsqueeze(input, 1) : this.batchFirst ? transpose(input, 0, 1) : input;
    const [steps, batch] = x.shape;
    if (steps === 0) throw new ShapeError(`${name}: input has no timesteps (shape ${formatShape(input.shape)})`);
    const states = (t: Tensor | null, role: string, size: number): Tensor[] | null => {
      if (!t) return null;
      const expected = unbatched ? [stateCount, size] : [stateCount, batch, size];
      if (t.ndim !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
        const sizeName = size === this.hiddenSize ? 'hiddenSize' : 'projSize';
        throw new ShapeError(`${name}: ${role} has shape ${formatShape(t.shape)}, expected ${formatShape(expected)} (numLayers·directions, B, ${sizeName})`);
      }
      return unbind(unbatched ? unsqueeze(t, 1) : t, 0);
    };
    const initialH = states(h0, 'h0', this.stateSize), initialC = states(c0, 'c0', this.hiddenSize);
    const finalH: Tensor[] = [], finalC: Tensor[] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outputs: Tensor[] = [];
      for (let dir = 0; dir < directions; dir++) {
        const suffix = parameterSuffix(layer, dir);
        const weightIh = this.registeredParameter(`weight_ih${suffix}`);
        const weightHh = this.registeredParameter(`weight_hh${suffix}`);
        const biasIh = this.bias ? this.registeredParameter(`bias_ih${suffix}`) : null;
        const biasHh = this.bias ? this.registeredParameter(`bias_hh${suffix}`) : null;
        const weightHr = this.projSize > 0 ? this.registeredParameter(`weight_hr${suffix}`) : null;
        // All timesteps' input projections in one GEMM: (T, B, in) → (T, B, G·H).
        const projectionBias = kind === 'gru' || !biasIh || !biasHh ? biasIh : add(biasIh, biasHh);
        const projected = unbind(linear(x, weightIh, projectionBias), 0);
        const index = layer * directions + dir;
        let h = initialH ? initialH[index] : zeroState(projected[0], this.stateSize);
        let c = initialC ? initialC[index] : kind === 'lstm' ? zeroState(projected[0], this.hiddenSize) : null;
        const hs = new Array<Tensor>(steps);
        for (let s = 0; s < steps; s++) {
          const t = dir === 0 ? s : steps - 1 - s;
          if (kind === 'lstm') [h, c] = lstmStep(projected[t], h, c as Tensor, weightHh, weightHr);
          else if (kind === 'gru') h = gruStep(projected[t], h, weightHh, biasHh);
          else h = elmanStep(projected[t], h, weightHh, this.#nonlinearity);
          hs[t] = h;
        }
        outputs.push(stack(hs, 0));
        finalH.push(h);
        if (c) finalC.push(c);
      }
      x = directions === 2 ? cat(outputs, -1) : outputs[0];
      if (layer < this.numLayers - 1 && this.dropout > 0) x = dropout(x, this.dropout, this.training, this.generator);
    }
    let output = x, hN = stack(finalH, 0), cN = kind === 'lstm' ? stack(finalC, 0) : null;
    if (unbatched) {
      output = squeeze(output, 1);
      hN = squeeze(hN, 1);
      cN = cN && squeeze(cN, 1);
    } else if (this.batchFirst) {
      output = transpose(output, 0, 1);
    }
    return { output, hN, cN };
  }

  protected override extraRepr(): string {
    const parts = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (this.projSize) parts.push(`projSize=${this.projSize}`);
    if (this.#kind === 'rnn' && this.#nonlinearity !== 'tanh') parts.push(`nonlinearity='${this.#nonlinearity}'`);
    if (!this.bias) parts.push('bias=false');
    if (this.batchFirst) parts.push('batchFirst=true');
    if (this.dropout) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push('bidirectional=true');
    return parts.join(', ');
  }
}

function parameterSuffix(layer: number, direction: number): string {
  return `_l${layer}${direction === 1 ? '_reverse' : ''}`;
}

/** Elman RNN (seed 000's algorithm 1 with 'sigmoid'; PyTorch's default 'tanh'). */
export class RNN extends RNNBase {
  readonly nonlinearity: RNNNonlinearity;

  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('rnn', inputSize, hiddenSize, options);
    this.nonlinearity = options.nonlinearity ?? 'tanh';
  }

  /** input (T, B, in) [batchFirst: (B, T, in)], h0 (numLayers·D, B, H) or zeros. */
  forward(input: Tensor, h0: Tensor | null = null): RecurrentResult {
    const { output, hN } = this.run(input, h0, null);
    return { output, hN };
  }
}

/** Long short-term memory (Hochreiter & Schmidhuber 1997; seed 002). */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}) {
    super('lstm', inputSize, hiddenSize, options);
  }

  /** input (T, B, in) [batchFirst: (B, T, in)]; h0 (numLayers·D, B, projSize or H) and c0 (numLayers·D, B, H), both or neither (zeros). */
  forward(input: Tensor, h0: Tensor | null = null, c0: Tensor | null = null): LSTMResult {
    if ((h0 === null) !== (c0 === null)) throw new Error('LSTM: pass both h0 and c0, or neither (zero initial state)');
    const { output, hN, cN } = this.run(input, h0, c0);
    return { output, hN, cN: cN as Tensor };
  }
}

/** Gated recurrent unit (Cho et al. 2014), PyTorch's equations. */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('gru', inputSize, hiddenSize, options);
  }

  /** input (T, B, in) [batchFirst: (B, T, in)], h0 (numLayers·D, B, H) or zeros. */
  forward(input: Tensor, h0: Tensor | null = null): RecurrentResult {
    const { output, hN } = this.run(input, h0, null);
    return { output, hN };
  }
}

// ---------------------------------------------------------------- single cells

export interface CellOptions extends ModuleOptions {
  bias?: boolean;
}

const CELL_OPTIONS: readonly (keyof CellOptions)[] = ['bias', 'dtype', 'generator'];

/** One step of a recurrent cell, for hand-written loops; PyTorch's RNNCell/LSTMCell/GRUCell names and layouts. */
export abstract class RNNCellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  readonly #kind: CellKind;

  protected constructor(kind: CellKind, inputSize: number, hiddenSize: number, options: CellOptions) {
    super();
    const name = `${CLASS_NAME[kind]}Cell`;
    rejectUnknownOptions(name, options, kind === 'rnn' ? [...CELL_OPTIONS, 'nonlinearity'] : CELL_OPTIONS);
    requirePositiveInteger(name, 'inputSize', inputSize);
    requirePositiveInteger(name, 'hiddenSize', hiddenSize);
    this.#kind = kind;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = options.bias ?? true;
    const gates = GATE_COUNT[kind] * hiddenSize;
    const created = [
      this.registerParameter('weight_ih', emptyParameter([gates, inputSize], options.dtype)),
      this.registerParameter('weight_hh', emptyParameter([gates, hiddenSize], options.dtype)),
    ];
    if (this.bias) {
      created.push(this.registerParameter('bias_ih', emptyParameter([gates], options.dtype)));
      created.push(this.registerParameter('bias_hh', emptyParameter([gates], options.dtype)));
    }
    layerDefaults.recurrent(created, hiddenSize, options);
  }

  /** Check shapes, add a batch dim to unbatched input, and project the input. */
  protected prepare(input: Tensor, states: readonly (Tensor | null)[]): { xProj: Tensor; states: Tensor[]; unbatched: boolean } {
    const name = `${CLASS_NAME[this.#kind]}Cell`;
    const unbatched = input.ndim === 1;
    if ((input.ndim !== 2 && !unbatched) || input.shape[input.ndim - 1] !== this.inputSize) {
      throw new ShapeError(`${name}: input has shape ${formatShape(input.shape)}, expected (B, ${this.inputSize}) or (${this.inputSize})`);
    }
    const x = unbatched ? unsqueeze(input, 0) : input;
    const expected = [x.shape[0], this.hiddenSize];
    const xProj = linear(x, this.registeredParameter('weight_ih'), this.#projectionBias());
    const checked = states.map((s) => {
      if (!s) return zeroState(xProj, this.hiddenSize);
      const t = unbatched ? unsqueeze(s, 0) : s;
      if (t.ndim !== 2 || t.shape[0] !== expected[0] || t.shape[1] !== expected[1]) {
        throw new ShapeError(`${name}: state has shape ${formatShape(s.shape)}, expected ${formatShape(unbatched ? [this.hiddenSize] : expected)}`);
      }
      return t;
    });
    return { xProj, states: checked, unbatched };
  }

  /** b_ih + b_hh folded into the input GEMM (GRU keeps b_hh inside the reset product). */
  #projectionBias(): Tensor | null {
    const biasIh = this.bias ? this.registeredParameter('bias_ih') : null;
    const biasHh = this.bias ? this.registeredParameter('bias_hh') : null;
    return this.#kind === 'gru' || !biasIh || !biasHh ? biasIh : add(biasIh, biasHh);
  }

  protected override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias ? '' : ', bias=false'}`;
  }
}

export class RNNCell extends RNNCellBase {
  readonly nonlinearity: RNNNonlinearity;

  constructor(inputSize: number, hiddenSize: number, options: CellOptions & { nonlinearity?: RNNNonlinearity } = {}) {
    super('rnn', inputSize, hiddenSize, options);
    this.nonlinearity = options.nonlinearity ?? 'tanh';
  }

  /** (B, in), h (B, H) or zeros → h′ (B, H). */
  forward(input: Tensor, h: Tensor | null = null): Tensor {
    const { xProj, states: [state], unbatched } = this.prepare(input, [h]);
    const next = elmanStep(xProj, state, this.registeredParameter('weight_hh'), this.nonlinearity);
    return unbatched ? squeeze(next, 0) : next;
  }
}

export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: CellOptions = {}) {
    super('lstm', inputSize, hiddenSize, options);
  }

  /** (B, in), h and c (B, H) (both or neither) → { h′, c′ }. */
  forward(input: Tensor, h: Tensor | null = null, c: Tensor | null = null): { h: Tensor; c: Tensor } {
    if ((h === null) !== (c === null)) throw new Error('LSTMCell: pass both h and c, or neither (zero state)');
    const { xProj, states: [hState, cState], unbatched } = this.prepare(input, [h, c]);
    const [hNext, cNext] = lstmStep(xProj, hState, cState, this.registeredParameter('weight_hh'));
    return unbatched ? { h: squeeze(hNext, 0), c: squeeze(cNext, 0) } : { h: hNext, c: cNext };
  }
}

export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: CellOptions = {}) {
    super('gru', inputSize, hiddenSize, options);
  }

  /** (B, in), h (B, H) or zeros → h′ (B, H). */
  forward(input: Tensor, h: Tensor | null = null): Tensor {
    const { xProj, states: [state], unbatched } = this.prepare(input, [h]);
    const next = gruStep(xProj, state, this.registeredParameter('weight_hh'), this.bias ? this.registeredParameter('bias_hh') : null);
    return unbatched ? squeeze(next, 0) : next;
  }
}
