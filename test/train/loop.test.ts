/**
 * The training loop and checkpoints, on a tiny GPT with dropout (so the
 * generator's state matters):
 * - same seed + config → bit-identical loss curve;
 * - N updates == N/2 + save to disk + load + N/2 (bit-identical weights);
 * - an aborted loop saves last/ and reports 'interrupt';
 * - an interrupted save leaves the previous checkpoint intact;
 * - corrupt files and config/weight mismatches are errors naming the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GPT } from '../../src/lm/gpt.js';
import { CharTokenizer } from '../../src/text/char.js';
import { Generator } from '../../src/tensor/random.js';
import { resolveTrainConfig, type TrainConfig } from '../../src/train/config.js';
import { trainLoop, type TrainingSnapshot } from '../../src/train/loop.js';
import { gptTask } from '../../src/train/tasks/index.js';
import { encodeStream, splitTrainVal } from '../../src/train/tokens.js';
import { lossCurveSvg } from '../../src/train/plot.js';
import { bufferPoolBytes, clearBufferPool } from '../../src/tensor/buffer-pool.js';
import { runTraining } from '../../src/node/train/run.js';
import { configureOptimizer as createOptimizer } from '../../src/train/configure-optimizer.js';
import { loadCheckpoint, loadTrainingSnapshot, saveCheckpoint } from '../../src/node/train/checkpoint-dir.js';
import type { ModelConfig } from '../../src/lm/factory.js';

const text = 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n'.repeat(12);
const tokenizer = CharTokenizer.train(text, { unkToken: null });
const splits = splitTrainVal(encodeStream(text, tokenizer));
const modelConfig: ModelConfig = { type: 'gpt', vocabSize: tokenizer.vocabSize, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0.1, bias: true, norm: 'pre', positions: 'learned', tieWeights: true, activation: 'gelu', layerNormEps: 1e-5 };
const config = (overrides: Partial<TrainConfig> = {}): TrainConfig => resolveTrainConfig({
  maxIters: 20, batchSize: 4, blockSize: 16, learningRate: 3e-3, warmupIters: 4, lrDecayIters: 20, evalInterval: 10, evalIters: 2, logInterval: 1, seed: 7, ...overrides,
});

function setup(cfg: TrainConfig) {
  const generator = new Generator(cfg.seed);
  const { type: _t, ...gptConfig } = modelConfig as Extract<ModelConfig, { type: 'gpt' }>;
  const model = new GPT(gptConfig, { generator });
  const task = gptTask(model, { splits, batchSize: cfg.batchSize, blockSize: cfg.blockSize }, generator, cfg.seed + 1);
  return { model, task, generator, optimizer: createOptimizer(model, cfg) };
}

async function run(cfg: TrainConfig, resume?: TrainingSnapshot, onCheckpoint?: (kind: string, s: TrainingSnapshot) => void) {
  const parts = setup(cfg);
  const losses: number[] = [];
  const result = await trainLoop({ ...parts, config: cfg, resume, onStep: (m) => losses.push(m.loss), onCheckpoint });
  return { ...parts, losses, result };
}

const weightsOf = (model: GPT): number[][] => model.parameters().map((p) => Array.from(p.data));

test('same seed and config → bit-identical loss curve; another seed differs', async () => {
  const a = await run(config()), b = await run(config()), c = await run(config({ seed: 8 }));
  assert.equal(a.losses.length, 20);
  assert.deepEqual(a.losses, b.losses);
  assert.notDeepEqual(a.losses, c.losses);
  assert.ok(a.losses[19] < a.losses[0], `loss should fall: ${a.losses[0]} → ${a.losses[19]}`);
  assert.equal(a.result.stoppedBy, 'maxIters');
  assert.equal(a.result.state.history.val.length, 3); // updates 0, 10, 20
});

test('resume equality: 20 updates == 10 + save to disk + load + 10 (dropout on, bit-identical weights)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-resume-'));
  try {
    const full = await run(config());
    const cfg = config();
    const first = setup(cfg);
    await trainLoop({
      ...first, config: { ...cfg, maxIters: 10 },
      onCheckpoint: (kind, snapshot) => {
        if (kind === 'last') saveCheckpoint(join(dir, 'last'), { model: first.model, modelConfig, tokenizer, training: cfg, snapshot });
      },
    });
    const generator = new Generator(0);
    const loaded = loadCheckpoint(join(dir, 'last'), { generator });
    const snapshot = loadTrainingSnapshot(join(dir, 'last'));
    assert.equal(snapshot.loop.step, 10);
    const model = loaded.model as GPT;
    const task = gptTask(model, { splits, batchSize: cfg.batchSize, blockSize: cfg.blockSize }, generator, cfg.seed + 1);
    const rest = await trainLoop({ task, config: cfg, optimizer: createOptimizer(model, cfg), generator, resume: snapshot });
    assert.equal(rest.state.step, 20);
    assert.deepEqual(weightsOf(model), weightsOf(full.model));
    assert.deepEqual(rest.state.history.val, full.result.state.history.val);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('abort: the loop stops between updates, saves last/, and reports interrupt', async () => {
  const controller = new AbortController();
  const saved: string[] = [];
  const parts = setup(config());
  let steps = 0;
  const result = await trainLoop({
    ...parts, config: config({ maxIters: 1000 }), signal: controller.signal,
    onStep: () => { if (++steps === 3) controller.abort(); },
    onCheckpoint: (kind) => { saved.push(kind); },
  });
  assert.equal(result.stoppedBy, 'interrupt');
  assert.equal(result.state.step, 3);
  assert.equal(saved.at(-1), 'last');
});

test('time budget: maxTime stops the run and ends with an evaluation', async () => {
  let now = 0;
  const parts = setup(config());
  const result = await trainLoop({ ...parts, config: config({ maxIters: 1000, maxTime: 0.5 }), clock: () => (now += 100) });
  assert.equal(result.stoppedBy, 'maxTime');
  assert.ok(result.state.step < 10);
  assert.equal(result.state.lastEvalStep, result.state.step);
});

test('an interrupted save keeps the previous checkpoint; corrupt files and mismatched configs are named errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-ckpt-'));
  try {
    const { model } = setup(config());
    const ckpt = join(dir, 'ckpt');
    saveCheckpoint(ckpt, { model, modelConfig, tokenizer });
    const before = readFileSync(join(ckpt, 'model.safetensors'));
    const original = Array.from(model.parameters()[0].data);
    model.parameters()[0].data[0] += 1;
    assert.throws(() => saveCheckpoint(ckpt, { model, modelConfig, tokenizer }, { beforeSwap: () => { throw new Error('power cut'); } }), /power cut/);
    assert.deepEqual(readFileSync(join(ckpt, 'model.safetensors')), before);
    assert.deepEqual(readdirSync(dir), ['ckpt']); // no temp directory left behind
    // Round trip: the loaded model has the weights of the last good save (before the +1).
    const loaded = loadCheckpoint(ckpt);
    assert.deepEqual(Array.from(loaded.model.parameters()[0].data), original);
    // Truncated weights.
    writeFileSync(join(ckpt, 'model.safetensors'), before.subarray(0, before.length - 10));
    assert.throws(() => loadCheckpoint(ckpt), /model\.safetensors: .*truncated/);
    writeFileSync(join(ckpt, 'model.safetensors'), before);
    // Config that does not match the weights.
    const cfg = JSON.parse(readFileSync(join(ckpt, 'config.json'), 'utf8'));
    cfg.model.nEmbd = 32;
    writeFileSync(join(ckpt, 'config.json'), JSON.stringify(cfg));
    assert.throws(() => loadCheckpoint(ckpt), (err: Error) => /model\.safetensors does not match .*config\.json/.test(err.message) && /transformer\.wte\.weight/.test(err.message) && /16/.test(err.message));
    writeFileSync(join(ckpt, 'config.json'), '{"format": "something-else"}');
    assert.throws(() => loadCheckpoint(ckpt), /config\.json: not an lmkit checkpoint config/);
    rmSync(join(ckpt, 'config.json'));
    assert.throws(() => loadCheckpoint(ckpt), /not a checkpoint \(no config\.json\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runTraining: refuses an existing run without --force; writes metrics.jsonl, loss.svg, best/ and last/; resume continues', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-run-'));
  try {
    const out = join(dir, 'run');
    const options = {
      model: { type: 'gpt' as const, nLayer: 1, nHead: 2, nEmbd: 16 }, text, outDir: out, quiet: true,
      training: { maxIters: 6, batchSize: 4, blockSize: 16, evalInterval: 3, evalIters: 1, logInterval: 1, warmupIters: 2, lrDecayIters: 6 },
    };
    const summary = await runTraining(options);
    assert.equal(summary.steps, 6);
    for (const f of ['best/model.safetensors', 'last/state.json', 'last/optimizer.safetensors', 'last/tokenizer.json', 'metrics.jsonl', 'loss.svg']) assert.ok(existsSync(join(out, f)), f);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.filter((l) => l.kind === 'step').length, 6);
    assert.equal(lines.filter((l) => l.kind === 'eval').length, 3);
    assert.match(readFileSync(join(out, 'loss.svg'), 'utf8'), /<svg[\s\S]*val \(eval\)[\s\S]*<\/svg>/);
    await assert.rejects(runTraining(options), /already holds a run; pass --resume to continue it, --force to replace it/);
    const resumed = await runTraining({ ...options, resume: true, training: { maxIters: 9 } });
    assert.equal(resumed.steps, 9);
    const forced = await runTraining({ ...options, force: true });
    assert.equal(forced.steps, 6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lossCurveSvg: well-formed SVG with every series and escaped labels', () => {
  const svg = lossCurveSvg([
    { label: 'train <per update>', points: [[1, 4.2], [2, 3.9], [3, 3.1]], color: '#111' },
    { label: 'val', points: [[0, 4.3], [3, 3.3]], color: '#d00', markers: true },
  ], { title: 'a & b' });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /train &lt;per update&gt;/);
  assert.match(svg, /a &amp; b/);
  assert.equal((svg.match(/<polyline/g) ?? []).length, 2);
  // every opened element is closed or self-closing
  const withoutSelfClosing = svg.replace(/<[^>]*\/>/g, '');
  const opened = (withoutSelfClosing.match(/<(svg|text|polyline|title)[\s>]/g) ?? []).length;
  const closed = (svg.match(/<\/(svg|text|polyline|title)>/g) ?? []).length;
  assert.equal(opened, closed);
});

test('RNN-LM (LSTM, dropout): truncated-BPTT training resumes bit-identically, carried state and cursor included', async () => {
  const { RNNLM } = await import('../../src/lm/rnn-lm.js');
  const { rnnTask } = await import('../../src/train/tasks/index.js');
  const cfg = config({ blockSize: 8, batchSize: 3, maxIters: 12, evalInterval: 6, lrDecayIters: 12 });
  const rnnConfig = { vocabSize: tokenizer.vocabSize, cell: 'lstm' as const, embeddingSize: 8, hiddenSize: 12, numLayers: 2, dropout: 0.2 };
  const build = (generator: Generator) => {
    const model = new RNNLM(rnnConfig, { generator });
    return { model, task: rnnTask(model, { splits, batchSize: cfg.batchSize, blockSize: cfg.blockSize }), generator, optimizer: createOptimizer(model, cfg) };
  };
  const full = build(new Generator(cfg.seed));
  const fullResult = await trainLoop({ ...full, config: cfg });
  const first = build(new Generator(cfg.seed));
  let saved: TrainingSnapshot | undefined;
  await trainLoop({ ...first, config: { ...cfg, maxIters: 6 }, onCheckpoint: (kind, s) => { if (kind === 'last') saved = s; } });
  assert.ok(saved && saved.task.tensors.has('state.h') && saved.task.tensors.has('state.c'), 'the carried LSTM state is part of the snapshot');
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-rnn-'));
  try {
    saveCheckpoint(join(dir, 'last'), { model: first.model, modelConfig: { type: 'lstm', ...first.model.config }, tokenizer, training: cfg, snapshot: saved });
    const generator = new Generator(0);
    const loaded = loadCheckpoint(join(dir, 'last'), { generator });
    const model = loaded.model as InstanceType<typeof RNNLM>;
    const task = rnnTask(model, { splits, batchSize: cfg.batchSize, blockSize: cfg.blockSize });
    const rest = await trainLoop({ task, generator, optimizer: createOptimizer(model, cfg), config: cfg, resume: loadTrainingSnapshot(join(dir, 'last')) });
    assert.equal(rest.state.step, 12);
    assert.deepEqual(model.parameters().map((p) => Array.from(p.data)), full.model.parameters().map((p) => Array.from(p.data)));
    assert.deepEqual(rest.state.history.val, fullResult.state.history.val);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a short seeded Shakespeare run falls below a stated loss (GPT, 200 updates on the first 100 kB)', async () => {
  const shakespeare = readFileSync(new URL('../../../data/tinyshakespeare.txt', import.meta.url), 'utf8').slice(0, 100_000);
  const out = mkdtempSync(join(tmpdir(), 'lmkit-shakespeare-'));
  try {
    const summary = await runTraining({
      model: { type: 'gpt', nLayer: 2, nHead: 2, nEmbd: 32, bias: false }, text: shakespeare, outDir: join(out, 'run'), quiet: true,
      training: { maxIters: 200, batchSize: 8, blockSize: 32, learningRate: 5e-3, minLr: 5e-4, warmupIters: 10, lrDecayIters: 200, evalInterval: 200, evalIters: 4, seed: 1 },
    });
    // Uniform over the ~60 characters is ln 60 ≈ 4.1 nats; unigram frequencies give ≈ 3.3. Measured: 2.54 (seed 1, js backend).
    assert.ok((summary.valLoss as number) < 2.75, `val loss ${summary.valLoss}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('a step-local GPT recycles every buffer of a step and trains bit-identically to one that does not', async () => {
  // Large enough that activations and gradients pass the pool's size threshold; dropout on, two micro-batches.
  const long = text.repeat(4);
  const longSplits = splitTrainVal(encodeStream(long, tokenizer));
  const cfg = config({ maxIters: 6, batchSize: 4, blockSize: 32, gradAccumulation: 2, evalInterval: 3 });
  const { type: _type, ...gptConfig } = modelConfig as Extract<ModelConfig, { type: 'gpt' }>;
  const train = async (recycle: boolean) => {
    clearBufferPool();
    const generator = new Generator(cfg.seed);
    const model = new GPT({ ...gptConfig, blockSize: 32, nEmbd: 64, nHead: 4 }, { generator });
    const task = { ...gptTask(model, { splits: longSplits, batchSize: 4, blockSize: 32 }, generator, 3), stepLocal: recycle };
    const losses: number[] = [];
    const result = await trainLoop({ task, config: cfg, generator, optimizer: createOptimizer(model, cfg), onStep: (m) => losses.push(m.loss) });
    return { losses, weights: weightsOf(model), val: result.state.history.val, pooled: bufferPoolBytes() };
  };
  assert.equal(gptTask(new GPT(gptConfig), { splits, batchSize: 4, blockSize: 16 }, new Generator(1)).stepLocal, true);
  const plain = await train(false), recycled = await train(true);
  assert.ok(recycled.pooled > plain.pooled, `the recycling run pooled more (${recycled.pooled} vs ${plain.pooled} bytes)`);
  assert.deepEqual(recycled.losses, plain.losses);
  assert.deepEqual(recycled.val, plain.val);
  assert.deepEqual(recycled.weights, plain.weights);
});
