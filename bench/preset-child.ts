/**
 * Child process of the `quality` bench section: one full preset run (own
 * process, so its peak RSS is its own), then the loss over every
 * non-overlapping window of the validation split. Prints one JSON line.
 *
 * Usage: node dist/bench/preset-child.js <preset> <seed> <outDir>
 */
import '../src/node/backend/auto.js';
import { describeBackend } from '../src/node/backend/select.js';
import { runTraining } from '../src/node/train/run.js';
import { getPreset } from '../src/train/presets.js';
import { streamLoss } from '../src/train/evaluate.js';
import { encodeStream, splitTrainVal } from '../src/train/tokens.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [presetName, seedText, outDir] = process.argv.slice(2);
const preset = getPreset(presetName);
const dataPath = fileURLToPath(new URL(`../../${preset.data}`, import.meta.url));
const summary = await runTraining({
  model: { ...preset.model }, dataPath, outDir, quiet: true, force: true,
  training: { ...preset.training, seed: Number(seedText) },
});
const val = splitTrainVal(encodeStream(readFileSync(dataPath, 'utf8'), summary.tokenizer)).val;
const fullVal = streamLoss(summary.model, val).loss;
process.stdout.write(`${JSON.stringify({
  backend: describeBackend(), steps: summary.steps, seconds: summary.seconds, msPerIter: summary.msPerIter,
  trainLoss: summary.trainLoss, valLoss: summary.valLoss, fullVal, peakRssMb: process.resourceUsage().maxRSS / 1024,
})}\n`);
