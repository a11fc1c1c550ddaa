/**
 * The training road without Node: the same core session that `lmkit train`
 * runs, on a browser-style host (checkpoints in a MemoryCheckpointStore,
 * callbacks instead of files and progress bars). Everything imported here is
 * from the browser-safe core (src/index.ts, never src/node/).
 *
 * - GPT and LSTM train, save best/ and last/ to memory, and resume from the
 *   memory store bit-identically (6 + 6 updates == 12);
 * - a checkpoint restores to the same model;
 * - any model, optimizer, schedule and metric: a classifier trained with SGD
 *   and a step schedule, its best checkpoint chosen by validation accuracy;
 * - resolveRun: family defaults and presets as data, nanoGPT's schedule rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  argmax, crossEntropy, FAMILY_DEFAULTS, Generator, languageModelSession, Linear, MemoryCheckpointStore, restoreLanguageModel, resolveRun,
  resolveTrainConfig, resumeRun, runTrainingSession, SGD, startRun, stepSchedule, Tensor, type EvalRecord, type ModelType, type TrainTask,
} from '../../src/index.js';

const text = 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n'.repeat(12);

function spec(type: ModelType, maxIters: number) {
  const model = type === 'gpt' ? { nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0.1 } : { embeddingSize: 8, hiddenSize: 16, dropout: 0.1 };
  return resolveRun({ type, model, training: { maxIters, batchSize: 4, blockSize: 16, evalInterval: 4, evalIters: 2, seed: 5, warmupIters: 2, lrDecayIters: 12 } });
}

const weightsOf = (model: { parameters(): Tensor[] }): number[][] => model.parameters().map((p) => Array.from(p.data));

for (const type of ['gpt', 'lstm'] as const) {
  test(`${type}: the core session trains on a memory store, and 6 + resume-from-memory + 6 == 12 updates bit for bit`, async () => {
    const full = startRun(spec(type, 12), text);
    const fullStore = new MemoryCheckpointStore();
    const evals: EvalRecord[] = [];
    const fullResult = await runTrainingSession(languageModelSession(full, text), { store: fullStore, onEval: (record) => evals.push(record) });
    assert.equal(fullResult.state.step, 12);
    assert.deepEqual(evals.map((e) => e.step), [0, 4, 8, 12]);
    assert.ok(fullStore.has('best') && fullStore.has('last'));
    assert.equal(fullResult.history.val.length, 4);

    const store = new MemoryCheckpointStore();
    const first = startRun(spec(type, 6), text);
    await runTrainingSession(languageModelSession(first, text), { store });
    const saved = store.load('last');
    assert.ok(saved?.state, 'last/ holds the training state');
    const resumed = resumeRun(saved, 'memory', { maxIters: 12 });
    assert.equal(resumed.resume?.loop.step, 6);
    const rest = await runTrainingSession(languageModelSession(resumed, text), { store });
    assert.equal(rest.state.step, 12);
    assert.deepEqual(weightsOf(resumed.model), weightsOf(full.model));
    assert.equal(rest.valLoss, fullResult.valLoss);

    // The store kept copies: the last checkpoint restores to the final weights, whatever the model did afterwards.
    const restored = restoreLanguageModel(fullStore.load('last') ?? assert.fail('no last checkpoint'), 'memory');
    const finalWeights = weightsOf(full.model);
    full.model.parameters()[0].data.fill(0);
    assert.deepEqual(weightsOf(restored.model), finalWeights);
    assert.equal(restored.tokenizer.decode(restored.tokenizer.encode('To be')), 'To be');
    assert.equal(restored.modelConfig.type, type);
  });
}

test('a stop signal ends the session after the current update and still saves last/', async () => {
  const run = startRun(spec('gpt', 100), text);
  const store = new MemoryCheckpointStore();
  const controller = new AbortController();
  const result = await runTrainingSession(languageModelSession(run, text), {
    store, signal: controller.signal, onStep: (record) => { if (record.step === 10) controller.abort(); },
  });
  assert.equal(result.stoppedBy, 'interrupt');
  assert.equal(result.state.step, 10);
  assert.equal(store.load('last')?.state?.json.loop.step, 10);
});

/**
 * A non-language-model task on the same road: logistic regression on two
 * Gaussian blobs, SGD with a step schedule, validation accuracy as a metric and
 * as the selection criterion for best/.
 */
function blobTask(generator: Generator): TrainTask & { accuracies: number[] } {
  const model = new Linear(2, 2, { generator });
  const sample = (n: number): { x: Tensor; y: Tensor } => {
    const x = new Float32Array(2 * n), y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      x[2 * i] = (y[i] ? 1.5 : -1.5) + generator.normal();
      x[2 * i + 1] = generator.normal();
    }
    return { x: new Tensor(x, [n, 2]), y: new Tensor(y, [n]) };
  };
  const train = sample(64), val = sample(64);
  const accuracies: number[] = [];
  return {
    model, tokensPerBatch: 64, accuracies,
    trainLoss: () => crossEntropy(model.forward(train.x), train.y),
    evalLoss: (split) => crossEntropy(model.forward(split === 'train' ? train.x : val.x), split === 'train' ? train.y : val.y).item(),
    evalMetrics() {
      const predicted = argmax(model.forward(val.x), 1).data;
      let correct = 0;
      for (let i = 0; i < predicted.length; i++) if (predicted[i] === val.y.data[i]) correct++;
      accuracies.push(correct / predicted.length);
      return { 'val.accuracy': correct / predicted.length };
    },
    saveState: () => ({ json: {}, tensors: new Map() }),
    loadState() {},
  };
}

test('any model, optimizer, schedule and metric: SGD + step schedule, best/ chosen by validation accuracy, hooks merged', async () => {
  const generator = new Generator(11);
  const task = blobTask(generator);
  const store = new MemoryCheckpointStore();
  const evals: EvalRecord[] = [];
  const lrs: number[] = [];
  const result = await runTrainingSession({
    task, optimizer: new SGD(task.model.parameters(), { lr: 0.5 }), schedule: stepSchedule(0.5, 10, 0.5), generator,
    config: { maxIters: 30, maxTime: 0, gradAccumulation: 1, gradClip: 0, evalInterval: 5, evalIters: 1, logInterval: 1 },
    evalHooks: [() => ({ 'val.constant': 7 })],
    selectBy: { metric: 'val.accuracy', mode: 'max' },
    checkpoint: () => ({ config: { format: 'lmkit-checkpoint', version: 1, model: { type: 'linear' } }, weights: new Map(), files: {} }),
  }, { store, onEval: (record) => evals.push(record), onStep: (record) => lrs.push(record.lr) });
  assert.deepEqual([lrs[0], lrs[9], lrs[10], lrs[20]], [0.5, 0.5, 0.25, 0.125]);
  assert.ok(evals.every((e) => e.metrics?.['val.constant'] === 7 && typeof e.metrics['val.accuracy'] === 'number'));
  let best = -1;
  for (const e of evals) {
    const accuracy = e.metrics?.['val.accuracy'] ?? -1;
    assert.equal(e.best, accuracy > best, `update ${e.step}: accuracy ${accuracy}, best so far ${best}`);
    best = Math.max(best, accuracy);
  }
  assert.equal(result.state.bestScore, best);
  assert.ok(best > 0.8, `the classifier learns (accuracy ${best})`);
  assert.deepEqual(result.history.metrics?.['val.accuracy'].map(([, v]) => v), task.accuracies);
});

test('selectBy a metric nobody reports: an error naming it and the metrics there are', async () => {
  const generator = new Generator(1);
  const task = blobTask(generator);
  await assert.rejects(runTrainingSession({
    task, optimizer: new SGD(task.model.parameters(), { lr: 0.1 }), schedule: () => 0.1, generator,
    config: { maxIters: 2, maxTime: 0, gradAccumulation: 1, gradClip: 0, evalInterval: 1, evalIters: 1, logInterval: 1 },
    selectBy: { metric: 'val.bleu', mode: 'max' },
    checkpoint: () => ({ config: { format: 'lmkit-checkpoint', version: 1, model: { type: 'linear' } }, weights: new Map(), files: {} }),
  }, { store: new MemoryCheckpointStore() }), /no metric 'val\.bleu' \(it has: valLoss, trainLoss, val\.accuracy\)/);
});

test('resolveRun: family defaults and presets are data; the decay follows maxIters; a short run scales the default warmup', () => {
  const gpt = resolveRun({});
  assert.equal(gpt.model.type, 'gpt');
  assert.deepEqual(gpt.model, { ...FAMILY_DEFAULTS.gpt.model, type: 'gpt' });
  const lstm = resolveRun({ type: 'lstm', model: { hiddenSize: 32, nLayer: undefined } });
  assert.deepEqual(lstm.model, { ...FAMILY_DEFAULTS.recurrent.model, hiddenSize: 32, type: 'lstm' });
  assert.equal(lstm.training.blockSize, 50);
  const preset = resolveRun({ preset: 'shakespeare-char', training: { maxIters: 60 } });
  assert.equal(preset.preset?.name, 'shakespeare-char');
  assert.equal(preset.training.lrDecayIters, 60, "nanoGPT's lr_decay_iters = max_iters");
  assert.equal(preset.training.warmupIters, 3, 'the preset warmup keeps its 5% (100 of 2000)');
  const short = resolveRun({ training: { maxIters: 60 } });
  assert.doesNotThrow(() => resolveTrainConfig(short.training));
  assert.equal(short.training.warmupIters, 3);
  assert.equal(resolveRun({ preset: 'shakespeare-char' }).training.warmupIters, 100, 'the preset as written');
  assert.equal(resolveRun({ preset: 'shakespeare-char', training: { maxIters: 5000 } }).training.warmupIters, 100, 'a longer run keeps the warmup');
  assert.equal(resolveRun({ training: { maxIters: 60, lrDecayIters: 1000 } }).training.warmupIters, 50, 'scaled by the decay, not maxIters');
  assert.equal(resolveRun({ training: { maxIters: 1 } }).training.warmupIters, 0);
  // An explicit warmup longer than the decay is a contradiction, reported, never silently changed.
  assert.throws(() => resolveTrainConfig(resolveRun({ training: { maxIters: 60, warmupIters: 100 } }).training), /lrDecayIters \(60\) must be ≥ warmupIters \(100\)/);
  assert.throws(() => resolveRun({ preset: 'shakespeare-char', type: 'lstm' }), /conflicts with preset 'shakespeare-char'/);
  assert.throws(() => resolveRun({ preset: 'nope' }), /unknown preset 'nope'/);
});
