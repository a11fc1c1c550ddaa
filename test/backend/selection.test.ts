// Backend selection in Node, run in child processes (selection happens once per
// process, at load): native → wasm → js; LMKIT_BACKEND overrides; a missing or
// broken addon falls back with exactly one notice on stderr; an explicit choice
// that is honoured prints nothing.
import { test } from 'node:test';
import { availableParallelism } from 'node:os';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerNodeBackends } from '../../src/node/backend/select.js';

/** What `lmkit --version` prints after the backend, from the module the CLI uses (without loading the whole CLI). */
const select = new URL('../../src/node/backend/select.js', import.meta.url).href;
const script = `import { selectNodeBackend, describeBackend } from '${select}'; selectNodeBackend(); console.log('backend: ' + describeBackend());`;
const hasNative = registerNodeBackends().includes('native');

function version(env: Record<string, string>): { stdout: string; stderr: string } {
  const clean = { ...process.env };
  for (const key of ['LMKIT_BACKEND', 'LMKIT_THREADS', 'LMKIT_NATIVE_ISA', 'LMKIT_NATIVE_PATH']) delete clean[key];
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...clean, ...env }, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return { stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

/** The wasm backend runs one worker per further CPU (when it is the one in use). */
const cpus = Math.min(availableParallelism(), 64);
const wasmLabel = cpus > 1 ? `wasm (${cpus} threads)` : 'wasm';

test('without LMKIT_BACKEND the fastest backend is chosen silently', () => {
  const { stdout, stderr } = version({});
  assert.match(stdout, hasNative ? /backend: native \((avx512|avx2|generic), \d+ threads?\)/ : /backend: wasm/);
  if (hasNative) assert.equal(stderr, '');
});

test('LMKIT_BACKEND=js and =wasm are honoured without a notice, even with no addon', () => {
  for (const name of ['js', 'wasm']) {
    const { stdout, stderr } = version({ LMKIT_BACKEND: name, LMKIT_NATIVE_PATH: '/nonexistent/lmkit_native.node' });
    assert.equal(stdout, `backend: ${name === 'wasm' ? wasmLabel : name}`);
    assert.equal(stderr, '');
  }
  // LMKIT_THREADS sizes the wasm worker pool too.
  assert.equal(version({ LMKIT_BACKEND: 'wasm', LMKIT_THREADS: '1' }).stdout, 'backend: wasm');
  assert.equal(version({ LMKIT_BACKEND: 'wasm', LMKIT_THREADS: '3' }).stdout, 'backend: wasm (3 threads)');
});

test('a missing addon falls back to wasm with one notice', () => {
  const { stdout, stderr } = version({ LMKIT_NATIVE_PATH: '/nonexistent/lmkit_native.node' });
  assert.equal(stdout, `backend: ${wasmLabel}`);
  const lines = stderr.split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0], /^lmkit: native backend unavailable \(the addon was not built \(no \/nonexistent\/lmkit_native\.node\)\); using wasm\. .*npm rebuild lmkit.*LMKIT_BACKEND=wasm/);
});

test('a broken addon falls back too, naming the load error; LMKIT_BACKEND=native says it was not honoured', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-broken-'));
  try {
    const path = join(dir, 'lmkit_native.node');
    writeFileSync(path, 'not a shared library');
    const auto = version({ LMKIT_NATIVE_PATH: path });
    assert.equal(auto.stdout, `backend: ${wasmLabel}`);
    assert.equal(auto.stderr.split('\n').length, 1);
    assert.match(auto.stderr, /native backend unavailable \(.*(invalid ELF|file too short|not a valid).*\); using wasm/);
    const asked = version({ LMKIT_NATIVE_PATH: path, LMKIT_BACKEND: 'native' });
    assert.equal(asked.stdout, `backend: ${wasmLabel}`);
    assert.match(asked.stderr, /^lmkit: LMKIT_BACKEND=native is not available \(.*\); using wasm$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('LMKIT_THREADS caps the native pool; bad values are reported, not fatal', { skip: !hasNative && 'no native addon' }, () => {
  assert.match(version({ LMKIT_THREADS: '1' }).stdout, /native \(\w+, 1 thread\)/);
  const bad = version({ LMKIT_THREADS: 'many' });
  assert.match(bad.stderr, /LMKIT_THREADS must be a positive integer, got 'many'/);
  assert.match(version({ LMKIT_BACKEND: 'gpu' }).stderr, /LMKIT_BACKEND must be js, wasm or native, got 'gpu'/);
});
