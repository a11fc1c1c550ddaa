#!/usr/bin/env node
/**
 * The wasm backend in a real browser (Debian's Chromium, headless): serves this
 * checkout with and without the COOP/COEP headers that cross-origin isolation
 * needs, runs a page that calls initWasmBackend({ threads: 2 }), a GEMM checked
 * against the js kernel and a biasGelu, and prints one result line per mode.
 * Isolated: 2 threads and Web Workers that ran tasks; not isolated: the
 * single-threaded fallback. Not part of `npm test` (CI has no browser):
 *
 *   apt-get install -y chromium && npm run build && node scripts/browser/wasm-threads-check.mjs
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const page = `<!doctype html><html><body><pre id="out">running</pre><script type="module">
import * as lm from '/dist/src/index.js';
const out = document.getElementById('out');
try {
  const isolated = self.crossOriginIsolated;
  const backend = await lm.initWasmBackend({ threads: 2 });
  const n = 384, a = new Float32Array(n * n).map((_, i) => (i % 7) - 3), res = new Float32Array(n * n);
  let tasks = 0;
  const { wasmWorkerTasks } = await import('/dist/src/backend/wasm/index.js');
  for (let i = 0; i < 200 && wasmWorkerTasks() === 0; i++) { backend.matmul({ a, b: a, out: res, m: n, n, k: n, transA: false, transB: false }); await new Promise((r) => setTimeout(r, 20)); }
  tasks = wasmWorkerTasks();
  const ref = new Float32Array(n * n);
  lm.setBackend('js'); lm.getBackend().matmul({ a, b: a, out: ref, m: n, n, k: n, transA: false, transB: false });
  let maxDiff = 0; for (let i = 0; i < res.length; i++) maxDiff = Math.max(maxDiff, Math.abs(res[i] - ref[i]));
  lm.setBackend('wasm');
  lm.manualSeed(0);
  const x = lm.randn([8, 64]); const y = lm.biasGelu(x, lm.randn([64]));
  out.textContent = 'RESULT isolated=' + isolated + ' threads=' + lm.wasmThreads() + ' workerTasks=' + tasks + ' maxDiff=' + maxDiff + ' gelu=' + y.data[0].toFixed(4);
} catch (e) { out.textContent = 'ERROR ' + e.stack; }
</script></body></html>`;

const server = createServer(async (req, res) => {
  const plain = (req.headers.referer ?? '').includes('plain') || req.url.includes('plain');
  const headers = plain ? {} : { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  if (req.url === '/' || req.url.startsWith('/?')) {
    res.writeHead(200, { ...headers, 'content-type': 'text/html' });
    res.end(page);
    return;
  }
  try {
    const path = normalize(join(root, decodeURIComponent(req.url.split('?')[0])));
    if (!path.startsWith(root)) throw new Error('outside the checkout');
    const body = await readFile(path);
    res.writeHead(200, { ...headers, 'content-type': extname(path) === '.js' ? 'text/javascript' : 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404, headers);
    res.end('not found');
  }
});
await new Promise((resolve) => server.listen(0, resolve));
const { port } = server.address();
let failed = false;
for (const mode of ['isolated', 'plain']) {
  const url = `http://localhost:${port}/${mode === 'plain' ? '?plain' : ''}`;
  // Asynchronous, so the server above keeps answering while Chromium loads the page.
  const dom = await new Promise((resolve) => {
    execFile('chromium', ['--headless=new', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=30000', '--dump-dom', url],
      { encoding: 'utf8', timeout: 120_000 }, (error, stdout) => resolve(error ? `ERROR ${error.message}` : stdout));
  });
  const line = /RESULT [^<]*|ERROR [^<]*/.exec(dom)?.[0] ?? 'ERROR no result in the page';
  process.stdout.write(`${mode}: ${line}\n`);
  const expected = mode === 'isolated' ? /threads=2 workerTasks=[1-9]\d* maxDiff=0 / : /threads=1 workerTasks=0 maxDiff=0 /;
  if (!expected.test(line)) failed = true;
}
server.close();

process.exit(failed ? 1 : 0);
