/**
 * `node --cpu-prof dist/bench/profile-step.js [updates]`: run the shakespeare-char
 * preset's training update on the selected backend (LMKIT_BACKEND) for
 * profiling — the same code path as the `gpt` bench section, nothing else.
 */
import '../src/node/backend/auto.js';
import { describeBackend } from '../src/node/backend/select.js';
import { lmkitStepMs } from './gpt-step.js';

const updates = Number(process.argv[2] ?? 30);
const { ms } = await lmkitStepMs(updates);
process.stdout.write(`${describeBackend()}: ${ms.toFixed(1)} ms / update (median after warm-up, ${updates} updates)\n`);
