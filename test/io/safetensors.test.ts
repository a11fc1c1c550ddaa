/**
 * safetensors reader/writer. The reference file is assembled by
 * scripts/fixtures/safetensors_sample.py from the format description, with
 * values converted by PyTorch (float16/bfloat16 → float32 incl. ±inf, NaN,
 * subnormals), so the decoders are checked against torch, not against themselves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSafetensors, serializeSafetensors, SafetensorsError } from '../../src/io/safetensors.js';
import { readSafetensorsFile, writeSafetensorsFile } from '../../src/node/io/safetensors-file.js';
import { Tensor } from '../../src/tensor/tensor.js';

const fixtureUrl = (name: string): URL => new URL(`../../../test/fixtures/safetensors/${name}`, import.meta.url);
const sampleBytes = (): Uint8Array => new Uint8Array(readFileSync(fixtureUrl('sample.safetensors')));

interface Expected { dtype: string; shape: number[]; data: (number | string)[] }
const expected = JSON.parse(readFileSync(fixtureUrl('sample.json'), 'utf8')) as { metadata: Record<string, string>; tensors: Record<string, Expected> };
const decodeNumber = (v: number | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));

test('reads every dtype of the torch-written sample exactly as torch converts it', () => {
  const { tensors, metadata } = parseSafetensors(sampleBytes(), 'sample.safetensors');
  assert.deepEqual(metadata, expected.metadata);
  assert.deepEqual([...tensors.keys()].sort(), Object.keys(expected.tensors).sort());
  for (const [name, want] of Object.entries(expected.tensors)) {
    const t = tensors.get(name) as Tensor;
    assert.deepEqual([...t.shape], want.shape, name);
    const wantDtype = want.dtype === 'F64' ? 'float64' : want.dtype.startsWith('F') || want.dtype === 'BF16' ? 'float32' : 'int32';
    assert.equal(t.dtype, wantDtype, name);
    assert.equal(t.size, want.data.length, name);
    for (let i = 0; i < t.size; i++) {
      const w = decodeNumber(want.data[i]);
      // Exact: f16/bf16 → f32 is exact, and torch's f32/f64 values are printed exactly.
      assert.ok(Object.is(t.data[i], w) || (Number.isNaN(w) && Number.isNaN(t.data[i])) || t.data[i] === w, `${name}[${i}]: got ${t.data[i]}, torch says ${w}`);
    }
  }
});

test('write → read round trip keeps names, order, shapes, dtypes, bits and metadata; header is 8-byte aligned', () => {
  const tensors = new Map<string, Tensor>([
    ['b.weight', new Tensor(Float32Array.from([1.5, -0, NaN, Infinity, 1e-40, 3]), [2, 3])],
    ['a.ids', new Tensor(Int32Array.from([-7, 0, 2147483647]), [3])],
    ['c.f64', new Tensor(Float64Array.from([Math.PI, -1e300]), [2, 1])],
    ['empty', new Tensor(new Float32Array(0), [0, 5])],
  ]);
  const bytes = serializeSafetensors(tensors, { step: '12' });
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(headerLength % 8, 0);
  const back = parseSafetensors(bytes);
  assert.deepEqual(back.metadata, { step: '12' });
  assert.deepEqual([...back.tensors.keys()], ['b.weight', 'a.ids', 'c.f64', 'empty']);
  for (const [name, t] of tensors) {
    const r = back.tensors.get(name) as Tensor;
    assert.equal(r.dtype, t.dtype);
    assert.deepEqual(r.shape, t.shape);
    assert.deepEqual(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength), new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), name);
  }
});

test('views into larger buffers are written as their own elements only', () => {
  const big = new Float32Array([9, 1, 2, 3, 9]);
  const view = new Tensor(big.subarray(1, 4), [3]);
  const back = parseSafetensors(serializeSafetensors({ v: view })).tensors.get('v') as Tensor;
  assert.deepEqual([...back.data], [1, 2, 3]);
});

function expectError(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => parseSafetensors(bytes, 'model.safetensors'), (err: unknown) => {
    assert.ok(err instanceof SafetensorsError, String(err));
    assert.match(err.message, /^model\.safetensors: /);
    assert.match(err.message, pattern);
    return true;
  });
}

function withHeader(header: unknown, data: Uint8Array, pad = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('corrupt and truncated files are errors naming the file and what is wrong', () => {
  const good = sampleBytes();
  expectError(good.subarray(0, 5), /only 5 bytes.*truncated/);
  expectError(good.subarray(0, 40), /header says \d+ bytes of JSON.*truncated/);
  expectError(good.subarray(0, good.length - 3), /only \d+ follow the header \(truncated file\)/);
  const extended = new Uint8Array(good.length + 4);
  extended.set(good);
  expectError(extended, /4 bytes after the last tensor are not described/);
  const notJson = new Uint8Array(good);
  notJson[8] = 0x5b; // '['
  expectError(notJson, /does not start with "\{"/);
  const garbage = new Uint8Array(64).fill(0xff);
  expectError(garbage, /implausible/);
  const four = new Uint8Array(16);
  expectError(withHeader({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, four.subarray(0, 4)), /F32 \[2\] needs 8 bytes but data_offsets span 4/);
  expectError(withHeader({ x: { dtype: 'Q4', shape: [1], data_offsets: [0, 4] } }, four.subarray(0, 4)), /unknown dtype "Q4"/);
  expectError(withHeader({ x: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, four.subarray(0, 8)), /a hole/);
  expectError(withHeader({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, y: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, four.subarray(0, 8)), /overlaps/);
  expectError(withHeader({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, four.subarray(0, 4)), /shape must be a list of non-negative integers/);
  expectError(withHeader({ __metadata__: { a: 1 } }, new Uint8Array(0)), /__metadata__\.a must be a string/);
  const big = new Uint8Array(8);
  new DataView(big.buffer).setBigInt64(0, 2n ** 40n, true);
  expectError(withHeader({ x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, big), /does not fit in int32/);
  expectError(withHeader({ x: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /F8_E4M3 cannot be read/);
});

test('header padding with trailing spaces is accepted', () => {
  const data = new Uint8Array(new Float32Array([1, 2]).buffer);
  const { tensors } = parseSafetensors(withHeader({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, data, 5));
  assert.deepEqual([...(tensors.get('x') as Tensor).data], [1, 2]);
});

test('files: atomic write refuses to overwrite without force; read errors name the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-st-'));
  const path = join(dir, 'w.safetensors');
  writeSafetensorsFile(path, { x: new Tensor(Float32Array.from([1, 2]), [2]) });
  assert.throws(() => writeSafetensorsFile(path, { x: new Tensor(Float32Array.from([3]), [1]) }), /already exists; pass --force/);
  assert.deepEqual([...(readSafetensorsFile(path).tensors.get('x') as Tensor).data], [1, 2]);
  writeSafetensorsFile(path, { x: new Tensor(Float32Array.from([3]), [1]) }, { force: true });
  assert.deepEqual([...(readSafetensorsFile(path).tensors.get('x') as Tensor).data], [3]);
  assert.throws(() => readSafetensorsFile(join(dir, 'missing.safetensors')), /missing\.safetensors: no such file/);
  writeFileSync(join(dir, 'bad.safetensors'), 'hello');
  assert.throws(() => readSafetensorsFile(join(dir, 'bad.safetensors')), /bad\.safetensors: only 5 bytes/);
});
