/**
 * Compact binary save/load of a finished n-gram model, for fast reloading.
 *
 * Layout (little-endian):
 *   bytes 0..7    magic "LMKITNG1"
 *   bytes 8..11   uint32 length L of the JSON header
 *   bytes 12..    JSON header {info, vocab, sizes, sections}, zero-padded to a multiple of 8
 *   then          the typed arrays of the frozen trie, each starting on an 8-byte boundary,
 *                 in the order the header's `sections` lists them.
 * The hash tables are not stored: they are rebuilt on load in one linear pass,
 * which keeps files about a third smaller. Loading makes typed-array views on the
 * buffer (no copy) when it is 8-byte aligned.
 */
import { hashPair, slotCount } from './hash-index.js';
import type { FrozenOrder } from './freeze.js';
import { NgramModel, type NgramModelInfo } from './model.js';
import { NgramVocabulary } from './vocabulary.js';

const MAGIC = 'LMKITNG1';
const FORMAT_VERSION = 1;

type ArrayName = 'words' | 'logProb' | 'logBackoff' | 'childStart' | 'suffixId' | 'suffixOrder' | 'blank';
type TypedArray = Int32Array | Float32Array | Uint8Array;

interface Section {
  readonly order: number;
  readonly name: ArrayName;
  readonly type: 'i32' | 'f32' | 'u8';
  readonly length: number;
}

interface Header {
  readonly version: number;
  readonly littleEndian: true;
  readonly info: NgramModelInfo;
  readonly vocab: readonly string[];
  readonly sizes: readonly number[];
  readonly sections: readonly Section[];
}

const NAMES: readonly ArrayName[] = ['words', 'logProb', 'logBackoff', 'childStart', 'suffixId', 'suffixOrder', 'blank'];

function typeOf(a: TypedArray): Section['type'] {
  return a instanceof Int32Array ? 'i32' : a instanceof Float32Array ? 'f32' : 'u8';
}

const align8 = (n: number): number => (n + 7) & ~7;

export function isNgramBinary(bytes: Uint8Array): boolean {
  if (bytes.length < 12) return false;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return false;
  return true;
}

export function serializeNgramModel(model: NgramModel): Uint8Array {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('binary n-gram format: big-endian platforms are not supported');
  const sections: Section[] = [];
  const arrays: TypedArray[] = [];
  const sizes: number[] = [];
  for (let k = 1; k <= model.order; k++) {
    const o = model.tables[k];
    sizes.push(o.size);
    for (const name of NAMES) {
      const a = o[name] as TypedArray | undefined;
      if (!a) continue;
      sections.push({ order: k, name, type: typeOf(a), length: a.length });
      arrays.push(a);
    }
  }
  const header: Header = { version: FORMAT_VERSION, littleEndian: true, info: model.info, vocab: model.vocab.words(), sizes, sections };
  const json = new TextEncoder().encode(JSON.stringify(header));
  let total = align8(12 + json.length);
  for (const a of arrays) total = align8(total + a.byteLength);
  const out = new Uint8Array(total);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  let offset = align8(12 + json.length);
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
    offset = align8(offset + a.byteLength);
  }
  return out;
}

export function deserializeNgramModel(input: Uint8Array, source = 'n-gram binary'): NgramModel {
  if (!isNgramBinary(input)) throw new Error(`${source}: not an lmkit binary n-gram model (bad magic)`);
  const bytes = input.byteOffset % 8 === 0 ? input : input.slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(8, true);
  if (12 + jsonLength > bytes.length) throw new Error(`${source}: truncated header`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(12, 12 + jsonLength))) as Header;
  } catch {
    throw new Error(`${source}: corrupt JSON header`);
  }
  if (header.version !== FORMAT_VERSION) throw new Error(`${source}: format version ${header.version} is not supported (expected ${FORMAT_VERSION})`);
  const N = header.info.order;
  const orders: Record<string, TypedArray>[] = [];
  for (let k = 0; k <= N; k++) orders.push({});
  let offset = align8(12 + jsonLength);
  for (const s of header.sections) {
    const width = s.type === 'u8' ? 1 : 4;
    const end = offset + s.length * width;
    if (end > bytes.length) throw new Error(`${source}: truncated data (${s.order}-gram ${s.name})`);
    const at = bytes.byteOffset + offset;
    const a = s.type === 'i32' ? new Int32Array(bytes.buffer, at, s.length) : s.type === 'f32' ? new Float32Array(bytes.buffer, at, s.length) : new Uint8Array(bytes.buffer, at, s.length);
    orders[s.order][s.name] = a;
    offset = align8(end);
  }
  const frozen: FrozenOrder[] = [{ size: 0, logProb: new Float32Array(0) }];
  for (let k = 1; k <= N; k++) {
    const a = orders[k];
    const size = header.sizes[k - 1];
    let slots: Int32Array | undefined;
    if (k >= 2) {
      const words = a.words as Int32Array;
      const cs = orders[k - 1].childStart as Int32Array;
      slots = new Int32Array(slotCount(Math.ceil(size * 1.5) + 1)).fill(-1);
      const mask = slots.length - 1;
      for (let parent = 0; parent + 1 < cs.length; parent++) {
        for (let id = cs[parent]; id < cs[parent + 1]; id++) {
          let i = hashPair(parent, words[id]) & mask;
          while (slots[i] >= 0) i = (i + 1) & mask;
          slots[i] = id;
        }
      }
    }
    frozen.push({
      size,
      words: a.words as Int32Array | undefined,
      logProb: a.logProb as Float32Array,
      logBackoff: a.logBackoff as Float32Array | undefined,
      childStart: a.childStart as Int32Array | undefined,
      suffixId: a.suffixId as Int32Array | undefined,
      suffixOrder: a.suffixOrder as Uint8Array | undefined,
      blank: a.blank as Uint8Array | undefined,
      slots,
    });
  }
  const vocab = new NgramVocabulary(header.vocab.slice(3));
  if (vocab.size !== header.vocab.length) throw new Error(`${source}: vocabulary has duplicate words`);
  return new NgramModel(vocab, header.info, frozen);
}
