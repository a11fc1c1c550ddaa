/**
 * `npm run bench [-- --quick] [-- --only core,kernels,gpt,tokenizer,ngram,quality] [-- --seeds N] [-- --write]`:
 * runs every benchmark section, prints one markdown report, and with `--write`
 * saves it to bench/RESULTS.md together with the machine it ran on.
 */
import '../src/node/backend/auto.js';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchCore } from './core.js';
import { benchGptStep } from './gpt-step.js';
import { benchKernels } from './kernels.js';
import { machineDescription } from './machine.js';
import { benchNgram } from './ngram.js';
import { benchQuality } from './quality.js';
import { benchTokenizerEncode } from './tokenizer-encode.js';
import { benchTokenizerTrain } from './tokenizer-train.js';

const sections: Record<string, (options: { quick: boolean; seeds: number }) => Promise<string>> = {
  core: benchCore,
  kernels: benchKernels,
  gpt: benchGptStep,
  tokenizer: async (o) => `${await benchTokenizerEncode(o)}\n${await benchTokenizerTrain(o)}`,
  ngram: benchNgram,
  quality: benchQuality,
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyIndex = args.indexOf('--only');
const seedsIndex = args.indexOf('--seeds');
const seeds = seedsIndex >= 0 ? Number(args[seedsIndex + 1]) : 1;
const only = onlyIndex >= 0 ? args[onlyIndex + 1].split(',') : Object.keys(sections);
for (const name of only) if (!sections[name]) throw new Error(`bench: unknown section '${name}' (have: ${Object.keys(sections).join(', ')})`);

const parts = [`# lmkit benchmarks\n\nMachine: ${machineDescription()}\nDate: ${new Date().toISOString().slice(0, 10)}${quick ? ' (quick mode)' : ''}\n`];
for (const name of only) {
  process.stderr.write(`bench: running ${name}…\n`);
  const text = await sections[name]({ quick, seeds });
  process.stdout.write(`${text}\n`);
  parts.push(text);
}
if (args.includes('--write')) {
  const path = fileURLToPath(new URL('../../bench/RESULTS.md', import.meta.url));
  writeFileSync(path, `${parts.join('\n')}\n`);
  process.stderr.write(`bench: wrote ${path}\n`);
}
