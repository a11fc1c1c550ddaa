/**
 * The Tensor: a contiguous typed array with a shape and a dtype, plus the
 * bookkeeping autograd needs (whether it requires a gradient, the graph node that
 * produced it, its tangent under forward mode). Memory is owned by the JavaScript
 * garbage collector: there is no dispose() or tidy() anywhere.
 *
 * Operations (add, matmul, …) are attached as methods in src/ops/methods.ts so
 * that this file stays free of import cycles; they are also free functions.
 */
import { allocate, dtypeOf, isFloat, type DType, type TypedArray } from './dtype.js';
import { formatShape, sizeOf, type Shape } from './shape.js';

/** A node of the reverse-mode tape: what produced a tensor and how to differentiate it. */
export interface GraphNode {
  /** Op name, for error messages and anomaly mode. */
  readonly opName: string;
  readonly inputs: readonly Tensor[];
  /** Number of outputs of the op (multi-output ops such as split). */
  readonly outputCount: number;
  /** Vector–Jacobian product: output cotangents (null = zero) → input cotangents. */
  vjp: ((grads: readonly (Tensor | null)[]) => readonly (Tensor | null)[]) | null;
}

export type NestedArray = number | boolean | readonly NestedArray[];

let nextTensorId = 1;

export class Tensor {
  /** Contiguous row-major storage; `data.length === size`. May be a view of a larger buffer. */
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Accumulated gradient after `backward()`; same shape and dtype. */
  grad: Tensor | null = null;
  /** @internal The node that produced this tensor (null for leaves and untracked results). */
  node: GraphNode | null = null;
  /** @internal Which output of `node` this tensor is. */
  outputIndex = 0;
  /** @internal Tangent under forward-mode differentiation (seeded by `jvp` in ../autograd/functional.ts, pushed on by ../ops/op.ts). */
  tangent: Tensor | null = null;
  /** Unique id, handy for debugging and as a stable key. */
  readonly id: number = nextTensorId++;
  private requiresGradFlag = false;

  constructor(data: TypedArray, shape: Shape) {
    const size = sizeOf(shape);
    if (data.length !== size) {
      throw new RangeError(`Tensor: data has ${data.length} elements but shape ${formatShape(shape)} needs ${size}`);
    }
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`Tensor: invalid shape ${formatShape(shape)}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOf(data);
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Number of dimensions (PyTorch's `dim()`). */
  get ndim(): number {
    return this.shape.length;
  }

  dim(): number {
    return this.shape.length;
  }

  numel(): number {
    return this.data.length;
  }

  /** Whether gradients flow into this tensor. Only float tensors can require gradients. */
  get requiresGrad(): boolean {
    return this.requiresGradFlag;
  }

  set requiresGrad(value: boolean) {
    if (value && !isFloat(this.dtype)) {
      throw new TypeError(`requiresGrad: only float tensors can require gradients, this one is ${this.dtype}`);
    }
    if (!value && this.node) {
      throw new Error('requiresGrad: cannot turn off gradients of a non-leaf tensor; use detach() instead');
    }
    this.requiresGradFlag = value;
  }

  /** Set requiresGrad in place and return this (PyTorch's `requires_grad_()`). */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }

  /** @internal Mark a freshly made op output as tracked (bypasses the leaf check). */
  markTracked(node: GraphNode, outputIndex: number): void {
    this.node = node;
    this.outputIndex = outputIndex;
    this.requiresGradFlag = true;
  }

  /** True for tensors not produced by a tracked op (user-created tensors and parameters). */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /** A tensor sharing this one's storage, cut from the graph (truncated BPTT needs it). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** A deep copy of the data (not tracked). */
  clone(): Tensor {
    return new Tensor(this.data.slice() as TypedArray, this.shape);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) {
      throw new RangeError(`item: only one-element tensors can be converted to a number, this one has shape ${formatShape(this.shape)}`);
    }
    return this.data[0];
  }

  /** Nested JavaScript arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    if (this.shape.length === 0) return this.data[0];
    const build = (dim: number, offset: number, stride: number): NestedArray => {
      const n = this.shape[dim];
      const inner = stride / (n || 1);
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) {
        out.push(dim === this.shape.length - 1 ? this.data[offset + i] : build(dim + 1, offset + i * inner, inner));
      }
      return out;
    };
    return build(0, 0, this.data.length);
  }

  /** Readable, PyTorch-like text: `tensor([[1.0000, 2.0000]], dtype=float64)`. */
  toString(): string {
    return formatTensor(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Make an empty (zero-filled) tensor of a shape and dtype. */
export function emptyTensor(shape: Shape, dtype: DType): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape)), shape);
}

/**
 * A tensor for a kernel to fill: its contents are unspecified (a recycled buffer
 * is not zeroed), so use it only where the kernel writes every element — GEMM,
 * elementwise, LayerNorm, GELU and attention outputs — and emptyTensor where a
 * kernel accumulates into zeros.
 */
export function outputTensor(shape: Shape, dtype: DType): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape), false), shape);
}

const MAX_ELEMENTS_SHOWN = 1000;
const EDGE_ITEMS = 3;

function formatTensor(t: Tensor): string {
  const summarize = t.size > MAX_ELEMENTS_SHOWN;
  const float = t.dtype !== 'int32';
  let useExp = false;
  if (float) {
    let maxAbs = 0, minAbs = Infinity;
    for (let i = 0; i < t.data.length; i++) {
      const a = Math.abs(t.data[i]);
      if (Number.isFinite(a)) { if (a > maxAbs) maxAbs = a; if (a > 0 && a < minAbs) minAbs = a; }
    }
    useExp = maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity) || (maxAbs / minAbs > 1e3 && minAbs !== Infinity);
  }
  const fmt = (v: number): string => {
    if (!float) return String(v);
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    return useExp ? v.toExponential(4) : v.toFixed(4);
  };
  const cells: string[] = [];
  for (let i = 0; i < t.data.length; i++) cells.push(fmt(t.data[i]));
  const width = Math.max(0, ...cells.map((c) => c.length));
  const render = (dim: number, offset: number, indent: string): string => {
    if (t.shape.length === 0) return cells[0];
    const n = t.shape[dim];
    let stride = 1;
    for (let d = dim + 1; d < t.shape.length; d++) stride *= t.shape[d];
    const indices: (number | null)[] = [];
    if (summarize && n > 2 * EDGE_ITEMS) {
      for (let i = 0; i < EDGE_ITEMS; i++) indices.push(i);
      indices.push(null);
      for (let i = n - EDGE_ITEMS; i < n; i++) indices.push(i);
    } else {
      for (let i = 0; i < n; i++) indices.push(i);
    }
    if (dim === t.shape.length - 1) {
      return `[${indices.map((i) => (i === null ? '...' : cells[offset + i].padStart(width))).join(', ')}]`;
    }
    const sep = `,${'\n'.repeat(t.shape.length - dim - 1)}${indent} `;
    return `[${indices.map((i) => (i === null ? '...' : render(dim + 1, offset + i * stride, `${indent} `))).join(sep)}]`;
  };
  const extras: string[] = [];
  if (t.dtype !== 'float32') extras.push(`dtype=${t.dtype}`);
  if (t.node) extras.push(`gradFn=${t.node.opName}`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  if (t.size === 0) extras.unshift(`size=${formatShape(t.shape)}`);
  const body = render(0, 0, ' '.repeat('tensor('.length));
  return `tensor(${body}${extras.length ? `, ${extras.join(', ')}` : ''})`;
}
