/**
 * `node --cpu-prof dist/bench/profile-step.js [updates]`: run the shakespeare-char
 * preset's training update on the selected backend (LMKIT_BACKEND) for
 * profiling — the same code path as the `gpt` bench section, nothing else.
 */
import '../src/node/backend/auto.js';
import { describeBackend } from '../src/node/backend/select.js';
import { lmkitStepMs } from './gpt-step.js';

const updates = Number(process.argv[2] ?? 30);
const { ms, times } = await lmkitStepMs(updates);
const sorted = [...times].sort((a, b) => a - b);
const at = (q: number): string => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
process.stdout.write(`${describeBackend()}: ${ms.toFixed(1)} ms / update (median after warm-up, ${updates} updates; min ${at(0)}, p10 ${at(0.1)}, p90 ${at(0.9)}, max ${at(1)})\n`);
