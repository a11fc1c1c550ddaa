/**
 * Ten training updates against PyTorch, llm.c's habit (test/fixtures/train-golden.json,
 * written by scripts/fixtures/train_golden.py): a tiny nanoGPT GPT on ten fixed
 * (3, 8) batches, and a 2-layer LSTM RNN-LM on ten truncated-BPTT chunks of one
 * token stream (the hidden state carried and detached between chunks, reset when
 * the lanes wrap), both trained by PyTorch in float64 with nanoGPT's recipe:
 * AdamW with configure_optimizers' decay groups, get_lr's warmup + cosine, and
 * clip_grad_norm_.
 *
 * lmkit replays the same updates from the same initial weights on its own
 * training road — configureOptimizer, warmupCosineSchedule, and the core
 * trainLoop (backward, clipGradNorm, AdamW.step), with rnnTask's chunking for
 * the LSTM — and must give
 * the same loss and pre-clipping gradient norm at every update and the same
 * weights at the end, on every backend: within 1e-9 relative in float64 (they
 * agree to ~1e-15), and within 1e-5 relative on losses and norms in float32
 * (the float64 fixture weights loaded into a float32 model; ~1e-7 observed).
 * Each run reports its largest errors as a test diagnostic. The GPT's key bias,
 * whose true gradient is zero, is compared with its own bound (see isKeyBias).
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  AdamW, GPT, Generator, RNNLM, Tensor, configureOptimizer, getBackend, rnnTask, setBackend, trainLoop,
  warmupCosineSchedule, type GPTConfig, type Module, type RNNLMConfig, type Schedule, type TrainTask,
} from '../../src/index.js';
import { testBackends } from '../backend/backends.js';
import { decodeNumber, readFixture, toTensor, type FixtureTensor } from '../helpers/fixtures.js';

interface OptimizerSpec {
  maxLr: number;
  minLr: number;
  warmupSteps: number;
  decaySteps: number;
  weightDecay: number;
  betas: [number, number];
  eps: number;
  gradClip: number;
  steps: number;
  decayParams: string[];
  noDecayParams: string[];
}

interface CaseBase {
  name: string;
  optimizer: OptimizerSpec;
  initial: Record<string, FixtureTensor>;
  lrs: number[];
  losses: number[];
  gradNorms: number[];
  final: Record<string, FixtureTensor>;
}
interface GptCase extends CaseBase {
  model: 'GPT';
  config: GPTConfig;
  data: { batches: { inputs: FixtureTensor; targets: FixtureTensor }[] };
}
interface RnnCase extends CaseBase {
  model: 'RNNLM';
  config: RNNLMConfig;
  data: { stream: FixtureTensor; batchSize: number; blockSize: number };
}
type TrainCase = GptCase | RnnCase;

const fixture = readFixture<{ cases: TrainCase[] }>('train-golden.json');

interface Trace {
  lrs: number[];
  losses: number[];
  gradNorms: number[];
}

/**
 * The updates run by lmkit's one training loop (src/train/loop.ts) with the
 * fixture's schedule and clipping, one micro-batch per update, every update
 * logged; its evaluations (at update 0 and at the end) do not touch the
 * training stream. Each update: lr from the schedule on every group, zero the
 * gradients, forward + backward, clip by global norm, step.
 */
async function trainUpdates(task: TrainTask, optimizer: AdamW, schedule: Schedule, gradClip: number, steps: number): Promise<Trace> {
  const trace: Trace = { lrs: [], losses: [], gradNorms: [] };
  await trainLoop({
    task, optimizer, schedule, generator: new Generator(0),
    config: { maxIters: steps, maxTime: 0, gradAccumulation: 1, gradClip, evalInterval: steps, evalIters: 1, logInterval: 1 },
    onStep(m) {
      trace.lrs.push(m.lr);
      trace.losses.push(m.loss);
      trace.gradNorms.push(m.gradNorm);
    },
  });
  return trace;
}

type FloatType = 'float64' | 'float32';

function stateOf(weights: Record<string, FixtureTensor>, dtype: FloatType): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(weights).map(([name, t]) => [name, toTensor(t, dtype)]));
}

const ids = (t: FixtureTensor): Tensor => toTensor(t, 'int32');

/** The model with the fixture's initial weights (strict loadStateDict: PyTorch's names and layouts) and its task. */
function setUp(c: TrainCase, dtype: FloatType): TrainTask {
  if (c.model === 'GPT') {
    const model = new GPT(c.config, { dtype });
    model.loadStateDict(stateOf(c.initial, dtype));
    const batches = c.data.batches.map((b) => ({ inputs: ids(b.inputs), targets: ids(b.targets) }));
    let next = 0;
    // The fixture's ten batches in order; this task has no validation split (its evaluations report 0).
    return {
      model,
      tokensPerBatch: 3 * c.config.blockSize,
      stepLocal: model.stepLocal,
      trainLoss: () => {
        const { inputs, targets } = batches[next++];
        return model.forward(inputs, targets).loss as Tensor;
      },
      evalLoss: () => 0,
      saveState: () => ({ json: {}, tensors: new Map() }),
      loadState() {},
    };
  }
  const model = new RNNLM(c.config, { dtype });
  model.loadStateDict(stateOf(c.initial, dtype));
  const stream = Int32Array.from(c.data.stream.data.map(decodeNumber));
  // lmkit's own truncated-BPTT task: lanes, chunk order, carried + detached state, reset on wrap-around.
  return rnnTask(model, { splits: { train: stream, val: stream }, batchSize: c.data.batchSize, blockSize: c.data.blockSize });
}

function optimizerFor(model: Module, o: OptimizerSpec): { optimizer: AdamW; schedule: Schedule } {
  const optimizer = configureOptimizer(model, {
    learningRate: o.maxLr, weightDecay: o.weightDecay, decayEmbeddings: true, beta1: o.betas[0], beta2: o.betas[1],
  });
  assert.equal(optimizer.paramGroups[0].eps, o.eps, 'AdamW eps is PyTorch\'s default');
  const schedule = warmupCosineSchedule({ maxLr: o.maxLr, minLr: o.minLr, warmupSteps: o.warmupSteps, decaySteps: o.decaySteps });
  return { optimizer, schedule };
}

/** Largest |a − e| / |e| over a sequence of scalars. */
function maxRelative(actual: number[], expected: number[]): number {
  return Math.max(...actual.map((a, i) => Math.abs(a - expected[i]) / Math.abs(expected[i])));
}

interface Tolerance {
  /** Relative, on each update's loss and gradient norm. */
  scalar: number;
  /** Final weights: |a − e| ≤ atol + rtol·|e|. */
  weights: { atol: number; rtol: number };
}

const TOLERANCES: Record<FloatType, Tolerance> = {
  float64: { scalar: 1e-9, weights: { atol: 1e-10, rtol: 1e-9 } },
  float32: { scalar: 1e-5, weights: { atol: 1e-5, rtol: 1e-4 } },
};

/**
 * The key bias (rows nEmbd … 2·nEmbd − 1 of each c_attn.bias) has a gradient of
 * exactly zero in exact arithmetic: it adds q·b_k to every score of a query's
 * row, and softmax is shift-invariant. Both libraries compute it as rounding
 * noise (~1e-17 in float64, ~1e-9 in float32), which Adam then divides by its
 * own √v̂ + ε, so its trajectory is each library's noise, amplified. In float64
 * the noise is far below ε and the key bias moves by ~1e-11 in both (the
 * fixture check below asserts PyTorch's stays at its initial value); in float32
 * the noise is of the order of ε and each update may move it by a fraction of
 * that update's lr, in a direction no two implementations share. So it is
 * compared with its own bound: 1e-9 in float64, the sum of the lrs in float32.
 */
function isKeyBias(c: TrainCase, name: string, index: number): boolean {
  if (c.model !== 'GPT' || !name.endsWith('attn.c_attn.bias')) return false;
  const C = c.config.nEmbd;
  return index >= C && index < 2 * C;
}

function keyBiasTolerance(c: TrainCase, dtype: FloatType): number {
  return dtype === 'float64' ? 1e-9 : c.lrs.reduce((a, b) => a + b, 0);
}

async function runCase(t: TestContext, c: TrainCase, dtype: FloatType): Promise<void> {
  const task = setUp(c, dtype);
  const { optimizer, schedule } = optimizerFor(task.model, c.optimizer);
  const trace = await trainUpdates(task, optimizer, schedule, c.optimizer.gradClip, c.optimizer.steps);
  const tolerance = TOLERANCES[dtype];
  for (let k = 0; k < c.optimizer.steps; k++) {
    const relLoss = Math.abs(trace.losses[k] - c.losses[k]) / c.losses[k];
    assert.ok(relLoss <= tolerance.scalar, `${c.name} (${dtype}) update ${k}: loss ${trace.losses[k]} vs PyTorch ${c.losses[k]} (relative ${relLoss.toExponential(2)})`);
    const relNorm = Math.abs(trace.gradNorms[k] - c.gradNorms[k]) / c.gradNorms[k];
    assert.ok(relNorm <= tolerance.scalar, `${c.name} (${dtype}) update ${k}: grad norm ${trace.gradNorms[k]} vs PyTorch ${c.gradNorms[k]} (relative ${relNorm.toExponential(2)})`);
  }
  const state = task.model.stateDict();
  assert.deepEqual(Object.keys(state).sort(), Object.keys(c.final).sort(), 'the same state-dict keys as PyTorch\'s');
  let maxAbs = 0, maxRel = 0, worst = 0, keyBiasDiff = 0;
  for (const [name, expected] of Object.entries(c.final)) {
    const actual = state[name];
    assert.deepEqual([...actual.shape], expected.shape, `${name} shape`);
    const values = expected.data.map(decodeNumber);
    for (let i = 0; i < values.length; i++) {
      const a = actual.data[i], e = values[i];
      const diff = Math.abs(a - e);
      if (isKeyBias(c, name, i)) {
        keyBiasDiff = Math.max(keyBiasDiff, diff);
        assert.ok(diff <= keyBiasTolerance(c, dtype), `${c.name} (${dtype}) final ${name}[${i}] (key bias): got ${a}, PyTorch ${e} (|diff| ${diff.toExponential(2)})`);
        continue;
      }
      maxAbs = Math.max(maxAbs, diff);
      if (Math.abs(e) > 1e-3) maxRel = Math.max(maxRel, diff / Math.abs(e));
      worst = Math.max(worst, diff / (tolerance.weights.atol + tolerance.weights.rtol * Math.abs(e)));
      if (!(diff <= tolerance.weights.atol + tolerance.weights.rtol * Math.abs(e))) {
        assert.fail(`${c.name} (${dtype}) final ${name}[${i}]: got ${a}, PyTorch ${e} (|diff| ${diff.toExponential(2)})`);
      }
    }
  }
  t.diagnostic(`${getBackend().name} ${dtype} ${c.name}: max relative error loss ${maxRelative(trace.losses, c.losses).toExponential(2)}, ` +
    `grad norm ${maxRelative(trace.gradNorms, c.gradNorms).toExponential(2)}; final weights max |diff| ${maxAbs.toExponential(2)}, ` +
    `max relative (|w| > 1e-3) ${maxRel.toExponential(2)}, ${(100 * worst).toFixed(1)}% of the tolerance` +
    (c.model === 'GPT' && c.config.bias ? `; key bias max |diff| ${keyBiasDiff.toExponential(2)}` : ''));
}

describe('the fixture exercises every piece', () => {
  for (const c of fixture.cases) {
    test(`${c.name}: clipping binds in early updates and not in some later ones; the schedule has all three phases`, () => {
      const o = c.optimizer;
      assert.equal(c.losses.length, o.steps);
      assert.ok(c.gradNorms[0] > o.gradClip, 'the first update is clipped');
      assert.ok(c.gradNorms.some((n) => n < o.gradClip), 'some update is not clipped');
      assert.ok(o.warmupSteps > 0 && o.decaySteps < o.steps - 1, 'warmup, cosine and the floor after decaySteps');
      assert.ok(o.weightDecay > 0 && o.noDecayParams.length > 0 && o.decayParams.length > 0);
    });

    if (c.model === 'GPT' && c.config.bias) {
      test(`${c.name}: PyTorch's key biases stay where they started (their gradient is zero up to rounding)`, () => {
        for (const [name, initial] of Object.entries(c.initial)) {
          if (!name.endsWith('attn.c_attn.bias')) continue;
          const final = c.final[name].data.map(decodeNumber), start = initial.data.map(decodeNumber);
          final.forEach((v, i) => {
            const moved = Math.abs(v - start[i]);
            if (isKeyBias(c, name, i)) assert.ok(moved < 1e-9, `${name}[${i}] moved by ${moved}`);
            else if (i < c.config.nEmbd) assert.ok(moved > 1e-4, `${name}[${i}] (query bias) moved by only ${moved}`);
          });
        }
      });
    }

    test(`${c.name}: warmupCosineSchedule is nanoGPT's get_lr`, () => {
      const o = c.optimizer;
      const schedule = warmupCosineSchedule({ maxLr: o.maxLr, minLr: o.minLr, warmupSteps: o.warmupSteps, decaySteps: o.decaySteps });
      c.lrs.forEach((lr, k) => assert.ok(Math.abs(schedule(k) - lr) <= 1e-15 * lr, `update ${k}: ${schedule(k)} vs ${lr}`));
    });

    test(`${c.name}: configureOptimizer's groups are configure_optimizers' (names and order)`, () => {
      const task = setUp(c, 'float64');
      const { optimizer } = optimizerFor(task.model, c.optimizer);
      const nameOf = new Map([...task.model.namedParameters()].map(([name, p]) => [p, name]));
      const names = (i: number): string[] => optimizer.paramGroups[i].params.map((p) => nameOf.get(p) as string);
      assert.equal(optimizer.paramGroups.length, 2);
      assert.deepEqual(names(0), c.optimizer.decayParams);
      assert.deepEqual(names(1), c.optimizer.noDecayParams);
      assert.equal(optimizer.paramGroups[0].weightDecay, c.optimizer.weightDecay);
      assert.equal(optimizer.paramGroups[1].weightDecay, 0);
    });
  }
});

// The same ten updates on every backend (js, and native / wasm when they load).
for (const backend of testBackends()) {
  describe(`${backend.name} backend: ten updates match PyTorch`, () => {
    let previous = 'js';
    before(() => {
      previous = getBackend().name;
      setBackend(backend.name);
    });
    after(() => setBackend(previous));
    for (const c of fixture.cases) {
      for (const dtype of ['float64', 'float32'] as const) {
        test(`${c.name} (${dtype}): loss and grad norm at every update, every weight at the end`, (t) => runCase(t, c, dtype));
      }
    }
  });
}
