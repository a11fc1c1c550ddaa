/**
 * The backends the kernel tests run on: js always, and native and wasm when they
 * load here (`npm ci` builds the addon; the wasm module is committed). The
 * kernel tests loop over this list, so every compiled kernel is checked against
 * the same references as the js one. LMKIT_TEST_BACKENDS=js,wasm restricts it.
 */
import type { Backend } from '../../src/backend/backend.js';
import { availableBackends, getBackend, setBackend } from '../../src/backend/index.js';
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

/** True for backends whose float32 kernels accumulate in float32 (the compiled ones) rather than in doubles (js). */
export function accumulatesInFloat32(backend: Backend): boolean {
  return backend.name !== 'js';
}
