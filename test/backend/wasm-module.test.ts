// The committed WebAssembly module (src/backend/wasm/kernels-wasm.ts) must be the
// one scripts/wasm/build.mjs makes from the current C sources: the generated file
// records a hash of every source it was built from, and this recomputes it with
// the build script's own function — so CI notices a stale module without clang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { WASM_BASE64, WASM_BYTE_LENGTH, WASM_SOURCE_HASH } from '../../src/backend/wasm/kernels-wasm.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The part of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
interface Descriptor { module?: string; name: string; kind: string }
const wasm = (globalThis as unknown as {
  WebAssembly: {
    Module: { new (bytes: Uint8Array): object; imports(m: object): Descriptor[]; exports(m: object): Descriptor[] };
  };
}).WebAssembly;

test('the embedded wasm module is up to date with native/ (else run: npm run build:wasm)', async () => {
  const build = (await import(new URL('../../../scripts/wasm/build.mjs', import.meta.url).href)) as { sourceHash(base: string): string };
  assert.equal(WASM_SOURCE_HASH, build.sourceHash(root),
    'native/ or scripts/wasm/build.mjs changed since src/backend/wasm/kernels-wasm.ts was generated: run `npm run build:wasm` (needs clang and lld)');
});

test('the embedded module decodes, validates and imports only Math.log', () => {
  const bytes = Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0));
  assert.equal(bytes.length, WASM_BYTE_LENGTH);
  const module = new wasm.Module(bytes);
  assert.deepEqual(wasm.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`), ['env.log:function']);
  const exports = new Set(wasm.Module.exports(module).map((e) => e.name));
  for (const name of ['memory', 'init', 'args', 'matmul', 'attentionForward', 'attentionBackward', 'geluForward', 'layerNormBackward', 'crossEntropyBackward', 'adamwUpdate']) {
    assert.ok(exports.has(name), `missing export ${name}`);
  }
});
