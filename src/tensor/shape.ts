/** Shape arithmetic: sizes, strides, broadcasting (NumPy/PyTorch rules), dim normalization. */
export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Broadcast two shapes (trailing dims aligned; a dim of 1 stretches). */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together (dim ${i - n}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `shape` seen as broadcast to `target` (0 where a dim is stretched or missing). */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const strides = contiguousStrides(shape);
  const out = new Array<number>(target.length).fill(0);
  const offset = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[i + offset] = shape[i] === 1 ? 0 : strides[i];
  return out;
}

/** Map a possibly negative dim into [0, rank). */
export function normalizeDim(op: string, dim: number, rank: number): number {
  const d = dim < 0 ? dim + rank : dim;
  if (!Number.isInteger(dim) || d < 0 || d >= rank) {
    throw new RangeError(`${op}: dim ${dim} is out of range for a tensor of rank ${rank} (valid: ${-rank}..${rank - 1})`);
  }
  return d;
}

/** Normalize a dim list (null/undefined = all dims); sorted, unique. */
export function normalizeDims(op: string, dims: number | readonly number[] | null | undefined, rank: number): number[] {
  if (dims === null || dims === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof dims === 'number' ? [dims] : dims;
  const out = [...new Set(list.map((d) => normalizeDim(op, d, rank)))].sort((x, y) => x - y);
  if (out.length !== list.length) throw new RangeError(`${op}: repeated dim in ${formatShape(list)}`);
  return out;
}

export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}
