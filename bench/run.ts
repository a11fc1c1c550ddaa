/**
 * `npm run bench [-- --quick] [-- --only core,kernels,gemm,gpt,tokenizer,ngram,quality] [-- --seeds N] [-- --write]`:
 * runs every benchmark section, prints one markdown report, and with `--write`
 * saves it to bench/RESULTS.md together with the machine it ran on.
 */
import '../src/node/backend/auto.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchCore } from './core.js';
import { benchGemm } from './gemm.js';
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
  gemm: benchGemm,
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

const header = `# lmkit benchmarks\n\nMachine: ${machineDescription()}\nDate: ${new Date().toISOString().slice(0, 10)}${quick ? ' (quick mode)' : ''}\n`;
const results = new Map<string, string>();
for (const name of only) {
  process.stderr.write(`bench: running ${name}…\n`);
  const text = await sections[name]({ quick, seeds });
  process.stdout.write(`${text}\n`);
  results.set(name, text);
}
if (args.includes('--write')) writeResults(header, results);

/**
 * Store the sections just run in bench/RESULTS.md, keeping the other sections
 * from the file as they were (each under its own machine/date line), so one
 * section can be refreshed without rerunning everything.
 */
function writeResults(header: string, fresh: Map<string, string>): void {
  const path = fileURLToPath(new URL('../../bench/RESULTS.md', import.meta.url));
  const machineLine = header.split('\n').filter((line) => line.startsWith('Machine:') || line.startsWith('Date:')).join(' · ');
  const kept = new Map<string, string>();
  if (existsSync(path)) {
    const previous = readFileSync(path, 'utf8');
    for (const match of previous.matchAll(/<!-- section: (\w+) -->\n([\s\S]*?)<!-- end: \1 -->/g)) kept.set(match[1], match[2]);
  }
  for (const [name, text] of fresh) kept.set(name, `_${machineLine}_\n\n${text.trim()}\n`);
  const body = Object.keys(sections).filter((name) => kept.has(name))
    .map((name) => `<!-- section: ${name} -->\n${kept.get(name)}<!-- end: ${name} -->\n`).join('\n');
  writeFileSync(path, `# lmkit benchmarks\n\n\`npm run bench -- --write\` refreshes the sections it runs; each section names the machine, backend and date it was measured on.\n\n${body}`);
  process.stderr.write(`bench: wrote ${path}\n`);
}
