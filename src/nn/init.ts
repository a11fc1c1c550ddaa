/**
 * Weight initializers, PyTorch's `torch.nn.init`: each fills a tensor in place
 * (outside autograd) and returns it, drawing from the seeded generator (the
 * `generator` option, default `defaultGenerator`), so a seed fixes every weight.
 *
 * Xavier/Glorot (Glorot & Bengio 2010) keeps activation variance constant for
 * tanh-like units: Var(w) = gain²·2/(fanIn + fanOut). Kaiming/He (He et al.
 * 2015) does it for ReLU-like units: Var(w) = gain²/fan. Orthogonal (Saxe et al.
 * 2014) takes Q from the QR decomposition of a Gaussian matrix.
 *
 * `layerDefaults` holds the per-layer defaults PyTorch uses, so lmkit's layers
 * start from the same distributions.
 */
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

export interface InitOptions {
  generator?: Generator;
}

export type Nonlinearity = 'linear' | 'identity' | 'conv1d' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';
export type FanMode = 'fanIn' | 'fanOut';

export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky ReLU that follows (PyTorch's `a`, default 0). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

function writable(op: string, t: Tensor): void {
  if (t.dtype === 'int32') throw new TypeError(`init.${op}: tensor must be float32 or float64, got int32`);
  if (!t.isLeaf) throw new Error(`init.${op}: can only fill leaf tensors (parameters), not results of ops`);
}

/** The recommended gain for a nonlinearity (PyTorch's `calculate_gain`). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'identity': case 'conv1d': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leakyRelu': { const slope = param ?? 0.01; return Math.sqrt(2 / (1 + slope * slope)); }
    case 'selu': return 3 / 4;
  }
}

/** fanIn = size(1)·receptive field, fanOut = size(0)·receptive field (tensors of ≥ 2 dims). */
export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new RangeError(`init: fan in/out need a tensor with at least 2 dims, got ${formatShape(t.shape)}`);
  let receptive = 1;
  for (let d = 2; d < t.ndim; d++) receptive *= t.shape[d];
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

/** U(low, high). */
export function uniform(t: Tensor, low = 0, high = 1, options: InitOptions = {}): Tensor {
  writable('uniform', t);
  const g = options.generator ?? defaultGenerator;
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = g.uniform(low, high);
  return t;
}

/** N(mean, std²). */
export function normal(t: Tensor, mean = 0, std = 1, options: InitOptions = {}): Tensor {
  writable('normal', t);
  const g = options.generator ?? defaultGenerator;
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = g.normal(mean, std);
  return t;
}

export function constant(t: Tensor, value: number): Tensor {
  writable('constant', t);
  t.data.fill(value);
  return t;
}

export function zeros(t: Tensor): Tensor {
  return constant(t, 0);
}

export function ones(t: Tensor): Tensor {
  return constant(t, 1);
}

/** U(−a, a) with a = gain·√(6/(fanIn + fanOut)). */
export function xavierUniform(t: Tensor, options: InitOptions & { gain?: number } = {}): Tensor {
  const { fanIn, fanOut } = fans(t);
  const bound = (options.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(t, -bound, bound, options);
}

/** N(0, std²) with std = gain·√(2/(fanIn + fanOut)). */
export function xavierNormal(t: Tensor, options: InitOptions & { gain?: number } = {}): Tensor {
  const { fanIn, fanOut } = fans(t);
  return normal(t, 0, (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), options);
}

function kaimingStd(t: Tensor, options: KaimingOptions): number {
  const { fanIn, fanOut } = fans(t);
  const fan = (options.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  return calculateGain(options.nonlinearity ?? 'leakyRelu', options.a ?? 0) / Math.sqrt(fan);
}

/** U(−b, b) with b = gain·√(3/fan); gain from `nonlinearity` and `a` (default leaky ReLU with a = 0, i.e. √2). */
export function kaimingUniform(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return uniform(t, -bound, bound, options);
}

/** N(0, std²) with std = gain/√fan. */
export function kaimingNormal(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal(t, 0, kaimingStd(t, options), options);
}

/**
 * A (semi-)orthogonal matrix: the tensor is viewed as (rows, rest); a Gaussian
 * matrix of that shape (transposed if wide, so it is tall) is factored A = QR by
 * modified Gram–Schmidt, Q's columns are sign-corrected by diag(R) so the result
 * is uniformly distributed (Mezzadri 2007), and scaled by `gain`.
 */
export function orthogonal(t: Tensor, options: InitOptions & { gain?: number } = {}): Tensor {
  writable('orthogonal', t);
  if (t.ndim < 2) throw new RangeError(`init.orthogonal: needs a tensor with at least 2 dims, got ${formatShape(t.shape)}`);
  const g = options.generator ?? defaultGenerator;
  const rows = t.shape[0], cols = t.size / rows;
  const wide = rows < cols;
  const m = wide ? cols : rows, n = wide ? rows : cols; // tall m×n, m ≥ n
  // Column-major storage of the tall matrix: column j is q[j*m … j*m+m).
  const q = new Float64Array(m * n);
  for (let i = 0; i < q.length; i++) q[i] = g.normal();
  for (let j = 0; j < n; j++) {
    const cj = j * m;
    for (let k = 0; k < j; k++) {
      const ck = k * m;
      let dot = 0;
      for (let i = 0; i < m; i++) dot += q[ck + i] * q[cj + i];
      for (let i = 0; i < m; i++) q[cj + i] -= dot * q[ck + i];
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += q[cj + i] * q[cj + i];
    norm = Math.sqrt(norm);
    // R's diagonal entry is +norm > 0 here, so the sign correction is the identity;
    // it would matter only for a Householder QR, whose diagonal can be negative.
    for (let i = 0; i < m; i++) q[cj + i] /= norm;
  }
  const gain = options.gain ?? 1;
  const d = t.data;
  // Tall: out[r][c] = Q[r][c] = q[c*m + r]. Wide: out = Qᵀ, out[r][c] = Q[c][r] = q[r*m + c].
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) d[r * cols + c] = gain * (wide ? q[r * m + c] : q[c * m + r]);
  }
  return t;
}

/** PyTorch's default initializations per layer type. */
export const layerDefaults = {
  /**
   * nn.Linear / nn.Conv1d: kaiming_uniform(a = √5) on the weight, which is
   * U(±1/√fanIn), and U(±1/√fanIn) on the bias.
   */
  linear(weight: Tensor, bias: Tensor | null, options: InitOptions = {}): void {
    kaimingUniform(weight, { ...options, a: Math.sqrt(5) });
    if (bias) {
      const { fanIn } = fans(weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform(bias, -bound, bound, options);
    }
  },
  /** nn.RNN / LSTM / GRU and their cells: every weight and bias U(±1/√hiddenSize). */
  recurrent(tensors: readonly Tensor[], hiddenSize: number, options: InitOptions = {}): void {
    const bound = hiddenSize > 0 ? 1 / Math.sqrt(hiddenSize) : 0;
    for (const t of tensors) uniform(t, -bound, bound, options);
  },
};
