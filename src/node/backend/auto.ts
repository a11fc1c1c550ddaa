/**
 * Imported for its side effect: select the fastest available backend
 * (native → wasm → js, see ./select.ts) when a Node entry point loads.
 */
import { selectNodeBackend } from './select.js';

selectNodeBackend();
