/** Loading PyTorch golden fixtures (see scripts/fixtures/README.md for the format). */
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { Tensor, type DType } from '../../src/index.js';

export interface FixtureTensor {
  shape: number[];
  dtype: 'float64' | 'int64' | 'bool';
  data: (number | string)[];
}

/** One case of an ops.json-format file (ops.json, ops-new.json); see scripts/fixtures/README.md. */
export interface OpFixtureCase {
  name: string;
  op: string;
  inputs: FixtureTensor[];
  attrs: Record<string, unknown>;
  outputs: FixtureTensor[];
  upstream: (FixtureTensor | null)[];
  grads: (FixtureTensor | null)[];
}

/** Read test/fixtures/<name> (tests run from dist/test/…, fixtures stay in the source tree). */
export function readFixture<T>(name: string): T {
  const url = new URL(`../../../test/fixtures/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as T;
}

export function decodeNumber(v: number | string): number {
  if (typeof v === 'number') return v;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (v === 'nan') return NaN;
  throw new Error(`fixture: bad number ${v}`);
}

/** Fixture tensor → lmkit tensor; floats in `floatDtype`, int64/bool → int32. */
export function toTensor(t: FixtureTensor, floatDtype: DType = 'float64'): Tensor {
  const values = t.data.map(decodeNumber);
  const data = t.dtype === 'float64' ? (floatDtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values)) : Int32Array.from(values);
  return new Tensor(data, t.shape);
}

/** Assert |actual − expected| ≤ atol + rtol·|expected| elementwise, with the same shape; non-finite values must match exactly. */
export function assertClose(actual: Tensor, expected: FixtureTensor | Tensor, tolerance: { atol: number; rtol: number }, label: string): void {
  const shape = expected instanceof Tensor ? expected.shape : expected.shape;
  const values = expected instanceof Tensor ? Array.from(expected.data) : expected.data.map(decodeNumber);
  assert.deepEqual([...actual.shape], [...shape], `${label}: shape ${JSON.stringify(actual.shape)} vs expected ${JSON.stringify(shape)}`);
  for (let i = 0; i < values.length; i++) {
    const a = actual.data[i], e = values[i];
    if (!Number.isFinite(e)) {
      assert.ok(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)), `${label}[${i}]: got ${a}, expected ${e}`);
      continue;
    }
    const ok = Math.abs(a - e) <= tolerance.atol + tolerance.rtol * Math.abs(e);
    if (!ok) assert.fail(`${label}[${i}]: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)}, atol ${tolerance.atol}, rtol ${tolerance.rtol})`);
  }
}

/** True when every value of a fixture tensor survives float32: finite ones neither overflow nor flush to 0. */
export function fitsFloat32(t: FixtureTensor): boolean {
  return t.dtype !== 'float64' || t.data.every((v) => {
    const x = decodeNumber(v);
    return !Number.isFinite(x) || x === 0 || (Math.abs(x) < 1e37 && Math.abs(x) > 1e-30);
  });
}

/** float64 kernels agree with PyTorch's float64 to rounding; float32 to single-precision rounding of the inputs. */
export const TOLERANCE = {
  float64: { atol: 1e-10, rtol: 1e-9 },
  float32: { atol: 2e-5, rtol: 2e-4 },
} as const;
