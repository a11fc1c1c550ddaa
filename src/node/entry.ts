/**
 * `lmkit` under Node (the package's "node" export condition): the browser-safe
 * core of ../index.ts, with the fastest available backend selected at load
 * (native → wasm → js; see ./backend/select.ts).
 */
import './backend/auto.js';

export * from '../index.js';
