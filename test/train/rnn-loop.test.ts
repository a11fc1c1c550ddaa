/**
 * Training an RNN-LM with truncated BPTT, and the loop's optimizer plumbing:
 * - rnnTask carries the (detached) hidden state chunk to chunk and resets it
 *   when the lanes wrap — checked against forwards written out by hand;
 * - its evaluation starts from a fresh state and does not disturb training;
 * - same seed → bit-identical losses; N updates == N/2 + checkpoint on disk +
 *   load + N/2 (bit-identical weights) with dropout on, tied weights and a wrap
 *   of the lanes in between, so the RNG state, BPTT cursor and carried state all
 *   have to survive the round trip;
 * - gradient accumulation: 2 micro-batches of 2 == 1 batch of 4;
 * - AdamW groups: decay on ≥ 2-D weights only, embeddings as configured.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GPT } from '../../src/lm/gpt.js';
import { RNNLM, type RNNState } from '../../src/lm/rnn-lm.js';
import type { ModelConfig } from '../../src/lm/factory.js';
import { CharTokenizer } from '../../src/text/char.js';
import { Generator } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { bufferPoolBytes, clearBufferPool } from '../../src/tensor/buffer-pool.js';
import { resolveTrainConfig, type TrainConfig } from '../../src/train/config.js';
import { trainLoop, type TrainingSnapshot } from '../../src/train/loop.js';
import { BpttBatches } from '../../src/train/batching.js';
import { gptTask, rnnTask } from '../../src/train/tasks/index.js';
import { encodeStream, splitTrainVal } from '../../src/train/tokens.js';
import { configureOptimizer as createOptimizer } from '../../src/train/configure-optimizer.js';
import { loadCheckpoint, loadTrainingSnapshot, saveCheckpoint } from '../../src/node/train/checkpoint-dir.js';
import { parseSafetensors } from '../../src/io/safetensors.js';
import { readFileSync } from 'node:fs';

const text = 'It was the best of times, it was the worst of times, it was the age of wisdom.\n'.repeat(6);
const tokenizer = CharTokenizer.train(text, { unkToken: null });
const splits = splitTrainVal(encodeStream(text, tokenizer));
const rnnConfig = { type: 'lstm', cell: 'lstm', vocabSize: tokenizer.vocabSize, embeddingSize: 12, hiddenSize: 12, numLayers: 2, dropout: 0.2, nonlinearity: 'tanh', tieWeights: true } as const satisfies ModelConfig;
const config = (overrides: Partial<TrainConfig> = {}): TrainConfig => resolveTrainConfig({
  // train split 432 tokens, 3 lanes × 12 steps → 11 chunks per pass: 24 updates wrap the lanes twice.
  maxIters: 24, batchSize: 3, blockSize: 12, learningRate: 1e-2, warmupIters: 3, lrDecayIters: 24, minLr: 1e-3,
  evalInterval: 8, evalIters: 2, logInterval: 1, seed: 5, weightDecay: 0.01, ...overrides,
});

function setupRnn(cfg: TrainConfig) {
  const generator = new Generator(cfg.seed);
  const { type: _type, ...rest } = rnnConfig;
  const model = new RNNLM(rest, { generator });
  const task = rnnTask(model, { splits, batchSize: cfg.batchSize, blockSize: cfg.blockSize });
  return { model, task, generator, optimizer: createOptimizer(model, cfg) };
}

const weightsOf = (model: RNNLM | GPT): number[][] => model.parameters().map((p) => Array.from(p.data));

test('rnnTask: the state is carried across chunks (detached) and reset when the lanes wrap', () => {
  const cfg = config();
  const { model, task } = setupRnn(cfg);
  model.eval(); // no dropout, so the hand-written forwards below see the same function
  const stream = new BpttBatches(splits.train, cfg.batchSize, cfg.blockSize);
  let state: RNNState | null = null;
  for (let i = 0; i < stream.chunksPerEpoch + 2; i++) {
    const { inputs, targets, reset } = stream.next();
    if (reset) state = null;
    const expected = model.forward(inputs, targets, state);
    state = expected.state;
    const got = task.trainLoss();
    assert.equal(got.item(), (expected.loss as Tensor).item(), `chunk ${i}`);
  }
  // Carrying matters: from a zero state the same chunk has a different loss.
  const { inputs, targets, reset } = stream.next();
  assert.equal(reset, false);
  const fromZero = (model.forward(inputs, targets).loss as Tensor).item();
  assert.notEqual(fromZero, (model.forward(inputs, targets, state).loss as Tensor).item());
  // resetState: the next chunk starts from zeros.
  const replay = new BpttBatches(splits.train, cfg.batchSize, cfg.blockSize);
  replay.cursor = task.saveState().json.cursor as number;
  const next = replay.next();
  task.resetState?.();
  assert.equal(task.trainLoss().item(), (model.forward(next.inputs, next.targets).loss as Tensor).item());
});

test('rnnTask.evalLoss: K chunks from the start of the split with a fresh state; training continues unaffected', () => {
  const cfg = config();
  const a = setupRnn(cfg), b = setupRnn(cfg);
  a.model.eval(); b.model.eval();
  const first = [a.task.trainLoss().item(), a.task.trainLoss().item()];
  const trainEstimate = b.task.evalLoss('train', 2);
  const second = [b.task.trainLoss().item(), b.task.trainLoss().item()];
  assert.deepEqual(second, first);
  const stream = new BpttBatches(splits.train, cfg.batchSize, cfg.blockSize);
  let state: RNNState | null = null, total = 0;
  for (let i = 0; i < 2; i++) {
    const { inputs, targets } = stream.next();
    const out = b.model.forward(inputs, targets, state);
    state = out.state;
    total += (out.loss as Tensor).item();
  }
  assert.equal(trainEstimate, total / 2);
  // The validation split (48 tokens) holds one 3 × 12 chunk: asking for more batches scores that one.
  const onlyChunk = new BpttBatches(splits.val, cfg.batchSize, cfg.blockSize).next();
  assert.equal(b.task.evalLoss('val', 5), (b.model.forward(onlyChunk.inputs, onlyChunk.targets).loss as Tensor).item());
});

async function runRnn(cfg: TrainConfig) {
  const parts = setupRnn(cfg);
  const losses: number[] = [];
  const result = await trainLoop({ ...parts, config: cfg, onStep: (m) => losses.push(m.loss) });
  return { ...parts, losses, result };
}

test('RNN-LM: same seed → bit-identical losses; another seed differs; the loss falls', async () => {
  const a = await runRnn(config()), b = await runRnn(config()), c = await runRnn(config({ seed: 6 }));
  assert.equal(a.losses.length, 24);
  assert.deepEqual(a.losses, b.losses);
  assert.notDeepEqual(a.losses, c.losses);
  assert.ok(a.result.state.history.val.at(-1)![1] < a.result.state.history.val[0][1], 'val loss falls');
});

test('RNN-LM resume: 24 updates == 13 + checkpoint on disk + load + 11 (dropout, tied weights, lane wrap in between)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-rnn-resume-'));
  try {
    const full = await runRnn(config());
    const cfg = config();
    const first = setupRnn(cfg);
    // Stop at update 13 (mid-pass, state carried, between evaluations) via the abort path, which saves last/.
    const controller = new AbortController();
    const firstLosses: number[] = [];
    const stopped = await trainLoop({
      ...first, config: cfg, signal: controller.signal,
      onStep: (m) => { firstLosses.push(m.loss); if (m.step === 13) controller.abort(); },
      onCheckpoint: (kind, snapshot) => {
        if (kind === 'last') saveCheckpoint(join(dir, 'last'), { model: first.model, modelConfig: rnnConfig, tokenizer, training: cfg, snapshot });
      },
    });
    assert.equal(stopped.stoppedBy, 'interrupt');
    // Tied weights are stored once (safetensors forbids shared storage) and re-tied on load.
    const names = [...parseSafetensors(readFileSync(join(dir, 'last', 'model.safetensors'))).tensors.keys()];
    assert.ok(names.includes('encoder.weight') && !names.includes('decoder.weight'), names.join(', '));
    const generator = new Generator(0);
    const loaded = loadCheckpoint(join(dir, 'last'), { generator });
    const model = loaded.model as RNNLM;
    assert.equal(model.decoder.weight, model.encoder.weight, 'decoder re-tied to the encoder');
    const snapshot: TrainingSnapshot = loadTrainingSnapshot(join(dir, 'last'));
    assert.equal(snapshot.loop.step, 13);
    assert.equal(snapshot.task.json.cursor, 2); // 13 chunks with 11 per pass
    assert.deepEqual([...snapshot.task.tensors.keys()].sort(), ['state.c', 'state.h']);
    const task = rnnTask(model, { splits, batchSize: cfg.batchSize, blockSize: cfg.blockSize });
    const restLosses: number[] = [];
    const rest = await trainLoop({ task, config: cfg, optimizer: createOptimizer(model, cfg), generator, resume: snapshot, onStep: (m) => restLosses.push(m.loss) });
    assert.equal(rest.state.step, 24);
    assert.deepEqual([...firstLosses, ...restLosses], full.losses);
    assert.deepEqual(weightsOf(model), weightsOf(full.model));
    assert.deepEqual(rest.state.history, full.result.state.history);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gradient accumulation: 2 micro-batches of 2 windows == one batch of 4 (loss scaled by 1/2)', async () => {
  const gptConfig = { vocabSize: tokenizer.vocabSize, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0 };
  const once = async (batchSize: number, gradAccumulation: number) => {
    const cfg = config({ maxIters: 1, batchSize, blockSize: 8, gradAccumulation, evalInterval: 100, weightDecay: 0.1 });
    const generator = new Generator(9);
    const model = new GPT(gptConfig, { generator, dtype: 'float64' });
    const task = gptTask(model, { splits, batchSize, blockSize: 8 }, generator);
    const losses: number[] = [];
    await trainLoop({ task, config: cfg, optimizer: createOptimizer(model, cfg), generator, onStep: (m) => losses.push(m.loss) });
    return { model, loss: losses[0] };
  };
  const big = await once(4, 1), accumulated = await once(2, 2);
  assert.ok(Math.abs(big.loss - accumulated.loss) < 1e-12, `${big.loss} vs ${accumulated.loss}`);
  const a = weightsOf(big.model).flat(), b = weightsOf(accumulated.model).flat();
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  assert.ok(maxDiff < 1e-10, `max weight difference ${maxDiff}`);
  // And it is not vacuous: one micro-batch of 2 gives other weights.
  const half = await once(2, 1);
  assert.notDeepEqual(weightsOf(half.model), weightsOf(big.model));
});

test('createOptimizer: weight decay on ≥ 2-D weights only; embeddings decayed unless decayEmbeddings is false', () => {
  const gpt = new GPT({ vocabSize: 10, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8, bias: true }, { generator: new Generator(1) });
  const named = new Map(gpt.namedParameters().map(([name, p]) => [p, name]));
  const groups = (model: GPT | RNNLM, decayEmbeddings: boolean) => {
    const optimizer = createOptimizer(model, config({ weightDecay: 0.1, decayEmbeddings }));
    const names = new Map(model.namedParameters().map(([name, p]) => [p, name]));
    return optimizer.paramGroups.map((g) => ({ weightDecay: g.weightDecay, names: g.params.map((p) => names.get(p) as string) }));
  };
  const [decay, noDecay] = groups(gpt, true);
  assert.equal(decay.weightDecay, 0.1);
  assert.equal(noDecay.weightDecay, 0);
  assert.ok(decay.names.includes('transformer.wte.weight') && decay.names.includes('transformer.wpe.weight'));
  assert.ok(decay.names.every((n) => n.endsWith('weight')));
  assert.ok(noDecay.names.some((n) => n.endsWith('.bias')) && noDecay.names.some((n) => n.startsWith('transformer.ln_f')));
  for (const [p, name] of named) assert.equal(decay.names.includes(name), p.ndim >= 2, name);
  const [decay2, noDecay2] = groups(gpt, false);
  assert.ok(!decay2.names.includes('transformer.wte.weight') && noDecay2.names.includes('transformer.wte.weight') && noDecay2.names.includes('transformer.wpe.weight'));
  const rnn = new RNNLM({ vocabSize: 10, hiddenSize: 4, cell: 'gru' }, { generator: new Generator(1) });
  const [rnnDecay, rnnNoDecay] = groups(rnn, false);
  assert.deepEqual(rnnDecay.names, ['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'decoder.weight']);
  assert.deepEqual(rnnNoDecay.names, ['encoder.weight', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'decoder.bias']);
});

test('an LSTM step recycles its buffers (the carried state is copied out) and trains bit-identically to one that does not', async () => {
  // Gates (8 × 4·256) and the carried state (2 × 8 × 256) reach the pool's size threshold; dropout on; the lanes wrap.
  const cfg = config({ maxIters: 12, batchSize: 8, blockSize: 5, evalInterval: 6 });
  const { type: _type, ...rest } = rnnConfig;
  const train = async (recycle: boolean) => {
    clearBufferPool();
    const generator = new Generator(cfg.seed);
    const model = new RNNLM({ ...rest, embeddingSize: 16, hiddenSize: 256, tieWeights: false }, { generator }); // state (2, 8, 256) is pooled-size too
    const task = { ...rnnTask(model, { splits, batchSize: cfg.batchSize, blockSize: cfg.blockSize }), stepLocal: recycle };
    const losses: number[] = [];
    await trainLoop({ task, config: cfg, generator, optimizer: createOptimizer(model, cfg), onStep: (m) => losses.push(m.loss) });
    return { losses, weights: weightsOf(model), pooled: bufferPoolBytes() };
  };
  assert.equal(setupRnn(cfg).task.stepLocal, true);
  const plain = await train(false), recycled = await train(true);
  assert.ok(recycled.pooled > plain.pooled, `the recycling run pooled more (${recycled.pooled} vs ${plain.pooled} bytes)`);
  assert.deepEqual(recycled.losses, plain.losses);
  assert.deepEqual(recycled.weights, plain.weights);
});
