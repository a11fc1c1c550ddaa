/**
 * The backends the kernel tests run on: js always, and native and wasm when they
 * load here (`npm ci` builds the addon; the wasm module is committed). The
 * kernel tests loop over this list, so every compiled kernel is checked against
 * the same references as the js one. LMKIT_TEST_BACKENDS=js,wasm restricts it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.js';
import { availableBackends, getBackend, setBackend } from '../../src/backend/index.js';
import { loadNativeBackend } from '../../src/node/backend/native.js';
import { registerNodeBackends } from '../../src/node/backend/select.js';

export function testBackends(): Backend[] {
  registerNodeBackends();
  const only = process.env.LMKIT_TEST_BACKENDS?.split(',').map((name) => name.trim()).filter(Boolean);
  const active = getBackend().name;
  const names = availableBackends().filter((name) => !only || only.includes(name));
  const backends = names.map((name) => setBackend(name));
  setBackend(active);
  return backends;
}

/**
 * One `describe('<name> backend')` per test backend, that backend selected while its
 * tests run and the previous one restored after: the same references for every set of kernels.
 */
export function describeEachBackend(body: (backend: Backend) => void): void {
  for (const backend of testBackends()) {
    describe(`${backend.name} backend`, () => {
      let previous = 'js';
      before(() => {
        previous = getBackend().name;
        setBackend(backend.name);
      });
      after(() => setBackend(previous));
      test('the kernels in use are this backend\'s', () => assert.equal(getBackend().name, backend.name));
      body(backend);
    });
  }
}

/** True for backends whose float32 kernels accumulate in float32 (the compiled ones) rather than in doubles (js). */
export function accumulatesInFloat32(backend: Backend): boolean {
  return backend.name !== 'js';
}

/**
 * Runs `fn` with the native backend switched to each instruction set this CPU has
 * ('generic', 'avx2', 'avx512'), then restores the default one. Does nothing when
 * the addon is not loaded (or LMKIT_TEST_BACKENDS leaves native out).
 * Each switch re-initialises the addon, which then reads the parameter block of the
 * backend loaded last: the native backend testBackends() registered must not run
 * after this in the same process, so call it from a test file's last test.
 */
export function forEachNativeIsa(fn: (isa: string, backend: Backend) => void): void {
  if (!testBackends().some((backend) => backend.name === 'native')) return;
  // The addon file select.ts loaded (LMKIT_NATIVE_PATH: e.g. a sanitizer build), not always build/Release.
  const path = process.env.LMKIT_NATIVE_PATH || undefined;
  const initial = loadNativeBackend({ path });
  try {
    for (const isa of ['generic', 'avx2', 'avx512']) {
      let loaded;
      try {
        loaded = loadNativeBackend({ isa, path });
      } catch (error) {
        if (!/not available on this CPU/.test((error as Error).message)) throw error;
        continue;
      }
      assert.equal(loaded.info.isa, isa);
      fn(isa, loaded.backend);
    }
  } finally {
    loadNativeBackend({ isa: initial.info.isa, path });
  }
}
