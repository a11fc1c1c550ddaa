/**
 * Embedding lookup (the seeds' lookup table: row ids[i] of the table is the vector
 * of token i) and its scatter-add backward.
 */
import type { FloatArray } from '../backend.js';

function checkId(op: string, id: number, position: number, rows: number): void {
  if (!(id >= 0 && id < rows)) {
    throw new RangeError(`${op}: id ${id} at position ${position} is outside the table of ${rows} rows (valid ids 0…${rows - 1})`);
  }
}

/** out[i, :] = table[ids[i], :]. */
export function embeddingForward(table: FloatArray, ids: Int32Array, out: FloatArray, dim: number, rows: number): void {
  if (!Number.isInteger(dim) || dim < 0 || !Number.isInteger(rows) || rows < 0) {
    throw new RangeError(`embeddingForward: dim and rows must be non-negative integers, got dim ${dim}, rows ${rows}`);
  }
  if (table.length < rows * dim) throw new RangeError(`embeddingForward: table has ${table.length} elements, needs ${rows} × ${dim}`);
  if (out.length < ids.length * dim) throw new RangeError(`embeddingForward: out has ${out.length} elements, needs ${ids.length} × ${dim}`);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    checkId('embeddingForward', id, i, rows);
    const src = id * dim;
    const dest = i * dim;
    for (let d = 0; d < dim; d++) out[dest + d] = table[src + d];
  }
}

/** gTable[ids[i], :] += gOut[i, :]; repeated ids accumulate (a tied or reused row gets every contribution). */
export function embeddingBackward(ids: Int32Array, gOut: FloatArray, gTable: FloatArray, dim: number): void {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`embeddingBackward: dim must be a positive integer, got ${dim}`);
  if (gOut.length < ids.length * dim) throw new RangeError(`embeddingBackward: gOut has ${gOut.length} elements, needs ${ids.length} × ${dim}`);
  const rows = Math.floor(gTable.length / dim);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    checkId('embeddingBackward', id, i, rows);
    const dest = id * dim;
    const src = i * dim;
    for (let d = 0; d < dim; d++) gTable[dest + d] += gOut[src + d];
  }
}
