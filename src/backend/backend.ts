/**
 * The kernel interface: every loop over tensor elements lives behind it, so a
 * faster backend (native, WASM) can replace the reference "js" kernels without
 * touching ops or gradient rules. Kernels work on contiguous typed arrays with
 * explicit sizes and offsets, allocate nothing visible, and write into `out`.
 */
export type FloatArray = Float32Array | Float64Array;
export type AnyArray = Float32Array | Float64Array | Int32Array;

/** Batched GEMM: for each batch b, out_b = op(A_b) · op(B_b) (+ out_b if accumulate). */
export interface MatmulArgs {
  a: FloatArray;
  b: FloatArray;
  out: FloatArray;
  /** Rows of op(A) and of out. */
  m: number;
  /** Columns of op(B) and of out. */
  n: number;
  /** Inner dimension. */
  k: number;
  /** A is stored as (k, m) row-major and used transposed. */
  transA: boolean;
  /** B is stored as (n, k) row-major and used transposed. */
  transB: boolean;
  /** Number of batches (default 1). */
  batch?: number;
  /** Element offsets between consecutive batches; 0 broadcasts one matrix over the batch. Defaults: m·k, k·n, m·n. */
  aBatchStride?: number;
  bBatchStride?: number;
  outBatchStride?: number;
  /** Add into `out` instead of overwriting (PyTorch's beta = 1), for gradient accumulation. */
  accumulate?: boolean;
}

export type GeluApproximation = 'none' | 'tanh';

/** The shape of an attention problem, without its data (ops keep it as op attributes). */
export interface AttentionGeometry {
  batchHeads: number;
  queryLength: number;
  keyLength: number;
  headDim: number;
  valueDim: number;
  scale: number;
  /** Query i attends to keys j ≤ i + (keyLength − queryLength) (aligned to the end, as with a KV cache). */
  causal: boolean;
  /** Elements between consecutive masks; 0 broadcasts one mask over every batch·head. */
  maskBatchStride?: number;
  /**
   * Where the rows of q, k, v and out live (and of gq, gk, gv and gOut, which
   * share their layouts). Default: each contiguous (BH, T, width). The GPT passes
   * its fused projection (B, T, 3·C) directly — q, k and v are column blocks of
   * one array, heads side by side — and gets out as (B, T, C), so no head split
   * or merge is ever copied. The log-sum-exp is always contiguous (BH·Tq).
   */
  layout?: AttentionLayout;
}

/**
 * Row i of batch·head bh = b·heads + h of an operand starts at element
 * offset + b·batchStride + h·headStride + i·rowStride; its elements are contiguous.
 */
export interface OperandLayout {
  offset: number;
  batchStride: number;
  headStride: number;
  rowStride: number;
}

export interface AttentionLayout {
  /** Heads per batch (dividing batchHeads). */
  heads: number;
  q: OperandLayout;
  k: OperandLayout;
  v: OperandLayout;
  out: OperandLayout;
}

export interface AttentionArgs extends AttentionGeometry {
  /** (BH, Tq, D), (BH, Tk, D), (BH, Tk, Dv), contiguous unless `layout` says otherwise. */
  q: FloatArray;
  k: FloatArray;
  v: FloatArray;
  /**
   * Optional additive mask of shape (maskBatch, Tq, Tk) with maskBatch dividing
   * batchHeads — `-Infinity` blocks a position.
   */
  mask?: FloatArray;
}

export interface Kernels {
  readonly name: string;
  matmul(args: MatmulArgs): void;

  /** Row-wise softmax over the last axis of a (rows, cols) matrix. */
  softmaxForward(x: FloatArray, out: FloatArray, rows: number, cols: number): void;
  /** gx = y ⊙ (gy − Σ_j gy_j y_j), row-wise. */
  softmaxBackward(y: FloatArray, gy: FloatArray, gx: FloatArray, rows: number, cols: number): void;
  logSoftmaxForward(x: FloatArray, out: FloatArray, rows: number, cols: number): void;
  /** gx = gy − exp(y) · Σ_j gy_j, row-wise (y = log-softmax output). */
  logSoftmaxBackward(y: FloatArray, gy: FloatArray, gx: FloatArray, rows: number, cols: number): void;

  /**
   * Fused softmax + cross-entropy over (rows, classes) logits with integer targets.
   * Writes the per-row loss (0 for ignored rows) and the per-row log-sum-exp
   * (saved for backward). Label smoothing ε mixes the one-hot target with the
   * uniform distribution as PyTorch does: loss = (1−ε)·(−log p_t) + ε·mean_j(−log p_j).
   */
  crossEntropyForward(
    logits: FloatArray, targets: Int32Array, rows: number, classes: number,
    ignoreIndex: number, labelSmoothing: number, lossPerRow: FloatArray, logSumExp: FloatArray,
  ): void;
  /** gLogits[r, :] = rowScale[r] · (softmax(logits[r]) − smoothed one-hot target); 0 for ignored rows. */
  crossEntropyBackward(
    logits: FloatArray, targets: Int32Array, logSumExp: FloatArray, rows: number, classes: number,
    ignoreIndex: number, labelSmoothing: number, rowScale: FloatArray, gLogits: FloatArray,
  ): void;

  /** LayerNorm over the last axis; saves mean and 1/σ per row. weight/bias may be null. */
  layerNormForward(
    x: FloatArray, weight: FloatArray | null, bias: FloatArray | null, out: FloatArray,
    mean: FloatArray, rstd: FloatArray, rows: number, cols: number, eps: number,
  ): void;
  /** Writes gx; adds into gWeight/gBias when they are given. */
  layerNormBackward(
    x: FloatArray, weight: FloatArray | null, mean: FloatArray, rstd: FloatArray, gy: FloatArray,
    gx: FloatArray, gWeight: FloatArray | null, gBias: FloatArray | null, rows: number, cols: number,
  ): void;

  /** out = GELU(x), or GELU(x + bias) with `bias` (length cols, dividing x.length) broadcast over rows: the fused bias + GELU. */
  geluForward(x: FloatArray, out: FloatArray, approximate: GeluApproximation, bias?: FloatArray | null): void;
  /** gx = gy · gelu'(x) (of x + bias with a bias). */
  geluBackward(x: FloatArray, gy: FloatArray, gx: FloatArray, approximate: GeluApproximation, bias?: FloatArray | null): void;

  /**
   * Fused scaled-dot-product attention forward: out = softmax(q kᵀ · scale + mask) v.
   * Saves the per-row log-sum-exp of the scores (BH·Tq values) so backward can
   * recompute probabilities without storing the (Tq, Tk) matrix.
   */
  attentionForward(args: AttentionArgs, out: FloatArray, logSumExp: FloatArray): void;
  /** Gradients w.r.t. q, k, v (overwritten). */
  attentionBackward(
    args: AttentionArgs, out: FloatArray, logSumExp: FloatArray, gOut: FloatArray,
    gq: FloatArray, gk: FloatArray, gv: FloatArray,
  ): void;

  /** out[i, :] = table[ids[i], :]; throws RangeError on an id outside [0, rows). */
  embeddingForward(table: FloatArray, ids: Int32Array, out: FloatArray, dim: number, rows: number): void;
  /** gTable[ids[i], :] += gOut[i, :] (scatter-add; repeated ids accumulate). */
  embeddingBackward(ids: Int32Array, gOut: FloatArray, gTable: FloatArray, dim: number): void;

  /**
   * 1-D convolution, PyTorch layout: x (N, Cin, Lin), weight (Cout, Cin/groups… here groups = 1: Cin, K), out (N, Cout, Lout).
   * Lout = floor((Lin + padLeft + padRight − dilation·(K−1) − 1)/stride) + 1.
   */
  conv1dForward(args: Conv1dArgs, x: FloatArray, weight: FloatArray, bias: FloatArray | null, out: FloatArray): void;
  /** Gradients: gx overwritten; gWeight and gBias (when non-null) accumulated. */
  conv1dBackward(
    args: Conv1dArgs, x: FloatArray, weight: FloatArray, gOut: FloatArray,
    gx: FloatArray | null, gWeight: FloatArray | null, gBias: FloatArray | null,
  ): void;

  /** One AdamW step in place (Loshchilov & Hutter; Adam when weightDecay = 0). bias corrections passed in. */
  adamwUpdate(args: AdamWArgs): void;
}

export interface Conv1dArgs {
  batch: number;
  inChannels: number;
  outChannels: number;
  inLength: number;
  outLength: number;
  kernelSize: number;
  stride: number;
  padLeft: number;
  dilation: number;
}

export interface AdamWArgs {
  param: FloatArray;
  grad: FloatArray;
  expAvg: FloatArray;
  expAvgSq: FloatArray;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay (param ← param·(1 − lr·wd)) — 0 for plain Adam. */
  weightDecay: number;
  /** 1 − β1^t and 1 − β2^t for the current step t. */
  biasCorrection1: number;
  biasCorrection2: number;
}

export type UnaryOpName =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'abs' | 'sin' | 'cos' | 'sigmoid' | 'tanh' | 'relu'
  | 'erf' | 'sign' | 'reciprocal' | 'square' | 'expm1' | 'log1p' | 'floor' | 'ceil' | 'round' | 'step';
export type BinaryOpName =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type ReduceOpName = 'sum' | 'max' | 'min';

/** Elementwise, reduction and data-movement kernels (the "small" ones every op uses). */
export interface ElementwiseKernels {
  /** out[i] = f(x[i]); `out` may be `x` (in place). */
  unary(op: UnaryOpName, x: AnyArray, out: AnyArray): void;
  /**
   * out = a ∘ b over `shape`, where a and b are read through (broadcast) strides in
   * that shape's index space (stride 0 = broadcast). Comparisons write 0/1.
   */
  binary(op: BinaryOpName, a: AnyArray, aStrides: readonly number[], b: AnyArray, bStrides: readonly number[], out: AnyArray, shape: readonly number[]): void;
  /** out = cond ? a : b with broadcast strides as in `binary`. */
  where(cond: AnyArray, condStrides: readonly number[], a: AnyArray, aStrides: readonly number[], b: AnyArray, bStrides: readonly number[], out: AnyArray, shape: readonly number[]): void;
  /** out[i] = clamp(x[i], min, max); NaN bounds are ignored. */
  clamp(x: AnyArray, min: number, max: number, out: AnyArray): void;
  /** out[i] = x[i] ** exponent. */
  powScalar(x: AnyArray, exponent: number, out: AnyArray): void;
  /** out[i] = alpha·x[i] + beta (affine map, used by scalar ops and schedules). */
  affine(x: AnyArray, alpha: number, beta: number, out: AnyArray): void;
  /** dst[i] += alpha·src[i] (gradient accumulation, optimizer updates). */
  addScaled(dst: AnyArray, src: AnyArray, alpha: number): void;
  /** Reduce a (outer, n, inner) view over its middle axis into (outer, inner). */
  reduce(op: ReduceOpName, x: AnyArray, outer: number, n: number, inner: number, out: AnyArray): void;
  /** Index of the max/min along the middle axis of (outer, n, inner); first occurrence on ties. */
  argReduce(op: 'argmax' | 'argmin', x: AnyArray, outer: number, n: number, inner: number, out: Int32Array): void;
  /** Inclusive prefix sum along the middle axis of (outer, n, inner). */
  cumsum(x: AnyArray, outer: number, n: number, inner: number, out: AnyArray): void;
  /** Gather `shape` elements from src at `srcOffset + Σ index·srcStrides` into contiguous dst. */
  stridedCopy(src: AnyArray, srcOffset: number, srcStrides: readonly number[], shape: readonly number[], dst: AnyArray): void;
  /** Scatter-add contiguous src (of `shape`) into dst through strides (adjoint of stridedCopy). */
  stridedAdd(src: AnyArray, dst: AnyArray, dstOffset: number, dstStrides: readonly number[], shape: readonly number[]): void;
  /** Σ x[i]·y[i] in double precision. */
  dot(x: AnyArray, y: AnyArray): number;
}

export interface Backend extends Kernels, ElementwiseKernels {}
