/**
 * safetensors, the weight format of Hugging Face and most of the PyTorch world,
 * read and written in plain TypeScript (browser-safe: bytes in, bytes out).
 *
 * Layout (huggingface/safetensors, "Format"):
 *   8 bytes   N, the header length, unsigned little-endian 64-bit
 *   N bytes   JSON header: { "__metadata__"?: {string: string},
 *                            name: { dtype, shape, data_offsets: [begin, end] }, … }
 *             (UTF-8, starts with '{', may be padded with trailing spaces)
 *   rest      the byte buffer; offsets are relative to its start, little-endian,
 *             row-major, and together must cover it exactly — no holes, no overlaps.
 *
 * Reading accepts float32, float16 and bfloat16 (→ float32 tensors), float64
 * (→ float64), and the integer types (→ int32, when every value fits). Writing
 * stores float32 / float64 / int32 tensors as F32 / F64 / I32. Every structural
 * problem is an error that names the source and what is wrong, so a truncated
 * download or a file that is not safetensors at all is reported as such.
 */
import type { DType } from '../tensor/dtype.js';
import { formatShape, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

export class SafetensorsError extends Error {
  constructor(readonly source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'SafetensorsError';
  }
}

export interface SafetensorsContents {
  /** Tensors by name, in the order their data appears in the file. */
  tensors: Map<string, Tensor>;
  /** The optional free-form `__metadata__` string map. */
  metadata: Record<string, string>;
}

/** The header's per-tensor entry. */
interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Bytes per element of each dtype the format defines (readable or not, for clear errors). */
const ELEMENT_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
};

/** The reference implementation refuses headers above 100 MB; so do we (it protects against garbage lengths). */
const MAX_HEADER_BYTES = 100_000_000;

const littleEndianPlatform = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Parse a safetensors file's bytes. `source` (a file name) prefixes every error. */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors data'): SafetensorsContents {
  if (bytes.length < 8) throw new SafetensorsError(source, `only ${bytes.length} bytes; a safetensors file starts with an 8-byte header length (truncated or not a safetensors file)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES) throw new SafetensorsError(source, `header length ${headerLength} is implausible (limit ${MAX_HEADER_BYTES}); not a safetensors file`);
  if (8 + headerLength > bytes.length) {
    throw new SafetensorsError(source, `header says ${headerLength} bytes of JSON but the file has only ${bytes.length - 8} after the length (truncated)`);
  }
  const header = parseHeader(bytes.subarray(8, 8 + headerLength), source);
  const buffer = bytes.subarray(8 + headerLength);

  const metadata: Record<string, string> = {};
  const entries: [string, HeaderEntry][] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SafetensorsError(source, '__metadata__ must be an object of strings');
      for (const [key, text] of Object.entries(value as Record<string, unknown>)) {
        if (typeof text !== 'string') throw new SafetensorsError(source, `__metadata__.${key} must be a string, got ${typeof text}`);
        metadata[key] = text;
      }
      continue;
    }
    entries.push([name, validateEntry(name, value, source)]);
  }

  // The offsets must tile the buffer exactly: sort by start and walk.
  entries.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0] || a[1].data_offsets[1] - b[1].data_offsets[1]);
  let cursor = 0;
  for (const [name, entry] of entries) {
    const [begin, end] = entry.data_offsets;
    if (begin !== cursor) {
      throw new SafetensorsError(source, begin > cursor
        ? `tensor '${name}' starts at byte ${begin} of the data but the previous tensor ends at ${cursor} (a hole: corrupt header)`
        : `tensor '${name}' (bytes ${begin}–${end}) overlaps the previous tensor, which ends at ${cursor} (corrupt header)`);
    }
    cursor = end;
  }
  if (cursor > buffer.length) throw new SafetensorsError(source, `the header describes ${cursor} bytes of tensor data but only ${buffer.length} follow the header (truncated file)`);
  if (cursor < buffer.length) throw new SafetensorsError(source, `${buffer.length - cursor} bytes after the last tensor are not described by the header (corrupt file)`);

  const tensors = new Map<string, Tensor>();
  for (const [name, entry] of entries) {
    const [begin, end] = entry.data_offsets;
    tensors.set(name, decodeTensor(name, entry, buffer.subarray(begin, end), source));
  }
  return { tensors, metadata };
}

function parseHeader(headerBytes: Uint8Array, source: string): Record<string, unknown> {
  let text: string;
  try {
    // ignoreBOM: the header is JSON with no signature; a U+FEFF there makes it invalid JSON, as in the Rust reader.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(source, 'header is not valid UTF-8 (corrupt or not a safetensors file)');
  }
  if (!text.startsWith('{')) throw new SafetensorsError(source, 'header does not start with "{" (corrupt or not a safetensors file)');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(source, `header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError(source, 'header must be a JSON object');
  return header as Record<string, unknown>;
}

function validateEntry(name: string, value: unknown, source: string): HeaderEntry {
  const where = `tensor '${name}'`;
  if (typeof value !== 'object' || value === null) throw new SafetensorsError(source, `${where}: header entry must be an object with dtype, shape and data_offsets`);
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in ELEMENT_BYTES)) throw new SafetensorsError(source, `${where}: unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new SafetensorsError(source, `${where}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[1] < offsets[0]) {
    throw new SafetensorsError(source, `${where}: data_offsets must be [begin, end] with 0 ≤ begin ≤ end, got ${JSON.stringify(offsets)}`);
  }
  const expected = sizeOf(shape as number[]) * ELEMENT_BYTES[dtype];
  if (offsets[1] - offsets[0] !== expected) {
    throw new SafetensorsError(source, `${where}: ${dtype} ${formatShape(shape as number[])} needs ${expected} bytes but data_offsets span ${offsets[1] - offsets[0]}`);
  }
  return { dtype, shape: shape as number[], data_offsets: offsets as [number, number] };
}

/** float16 bits → number (IEEE 754 binary16: 1 sign, 5 exponent, 10 mantissa bits). */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // subnormal (and ±0)
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function decodeTensor(name: string, entry: HeaderEntry, raw: Uint8Array, source: string): Tensor {
  const count = sizeOf(entry.shape);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (entry.dtype) {
    case 'F32': return new Tensor(copyFloat32(raw, view, count), entry.shape);
    case 'F64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
      return new Tensor(out, entry.shape);
    }
    case 'F16': {
      // A 65 536-entry table would be faster for huge files; this runs once per load.
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      return new Tensor(out, entry.shape);
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift the 16 bits back into place.
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return new Tensor(new Float32Array(bits.buffer), entry.shape);
    }
    case 'BOOL': case 'U8': case 'I8': case 'I16': case 'U16': case 'I32': case 'U32': case 'I64': case 'U64':
      return new Tensor(decodeIntegers(name, entry.dtype, view, count, source), entry.shape);
    default:
      throw new SafetensorsError(source, `tensor '${name}': dtype ${entry.dtype} cannot be read (lmkit reads F32, F16, BF16, F64 and integer types)`);
  }
}

function copyFloat32(raw: Uint8Array, view: DataView, count: number): Float32Array {
  if (littleEndianPlatform) {
    // One copy of the bytes into fresh, aligned storage (the tensor must not pin the whole file).
    const out = new Float32Array(count);
    new Uint8Array(out.buffer).set(raw);
    return out;
  }
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

function decodeIntegers(name: string, dtype: string, view: DataView, count: number, source: string): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let value: number;
    switch (dtype) {
      case 'BOOL': case 'U8': value = view.getUint8(i); break;
      case 'I8': value = view.getInt8(i); break;
      case 'I16': value = view.getInt16(2 * i, true); break;
      case 'U16': value = view.getUint16(2 * i, true); break;
      case 'I32': value = view.getInt32(4 * i, true); break;
      case 'U32': value = view.getUint32(4 * i, true); break;
      case 'I64': value = Number(view.getBigInt64(8 * i, true)); break;
      default: value = Number(view.getBigUint64(8 * i, true)); break;
    }
    if (value < -0x80000000 || value > 0x7fffffff) {
      throw new SafetensorsError(source, `tensor '${name}': ${dtype} value ${value} at index ${i} does not fit in int32`);
    }
    out[i] = value;
  }
  return out;
}

const DTYPE_CODES: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32' };

/**
 * Serialize tensors (name → tensor) and optional string metadata. Tensors are
 * written in the given order; the header is padded with spaces to a multiple of
 * 8 bytes so every tensor's data is aligned, as the reference writer does.
 */
export function serializeSafetensors(tensors: Record<string, Tensor> | ReadonlyMap<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const list: [string, Tensor][] = tensors instanceof Map ? [...tensors] : Object.entries(tensors as Record<string, Tensor>);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') throw new TypeError(`serializeSafetensors: metadata '${key}' must be a string, got ${typeof value}`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const [name, tensor] of list) {
    if (name === '__metadata__') throw new RangeError("serializeSafetensors: '__metadata__' is reserved and cannot name a tensor");
    const bytes = tensor.data.byteLength;
    header[name] = { dtype: DTYPE_CODES[tensor.dtype], shape: [...tensor.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const withSpaces = new Uint8Array(padded).fill(0x20);
    withSpaces.set(json);
    json = withSpaces;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let cursor = 8 + json.length;
  for (const [, tensor] of list) {
    const data = tensor.data;
    if (littleEndianPlatform) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), cursor);
    } else {
      const view = new DataView(out.buffer, cursor, data.byteLength);
      for (let i = 0; i < data.length; i++) {
        if (tensor.dtype === 'float32') view.setFloat32(4 * i, data[i], true);
        else if (tensor.dtype === 'float64') view.setFloat64(8 * i, data[i], true);
        else view.setInt32(4 * i, data[i], true);
      }
    }
    cursor += data.byteLength;
  }
  return out;
}
