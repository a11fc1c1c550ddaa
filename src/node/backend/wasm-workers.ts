/**
 * Node's way to start the threaded wasm build's workers (src/backend/wasm/
 * workers.ts stays browser-safe): a worker_threads script evaluated from source,
 * unreferenced so an idle pool never keeps the process alive.
 */
import { Worker } from 'node:worker_threads';
import type { WorkerSpawner } from '../../backend/wasm/index.js';

export const nodeWorkerSpawner: WorkerSpawner = (source, data) => {
  const worker = new Worker(`${source}\nstart(require('node:worker_threads').workerData);\n`, { eval: true, workerData: data });
  worker.unref();
};
