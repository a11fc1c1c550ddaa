/**
 * Checkpoint directories (GPT cases are in loop.test.ts): run-directory
 * resolution (best/ preferred, last/ on request, a crash's leftover copy
 * recovered), the model and training-state round trip, and errors that name the
 * file and what is wrong for every file of a checkpoint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RNNLM } from '../../src/lm/rnn-lm.js';
import { modelConfigOf } from '../../src/lm/factory.js';
import { AdamW } from '../../src/optim/adam.js';
import { backward } from '../../src/autograd/tape.js';
import { CharTokenizer } from '../../src/text/char.js';
import { Generator } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import type { TrainingSnapshot } from '../../src/train/loop.js';
import { loadCheckpoint, loadTrainingSnapshot, resolveCheckpointDir, saveCheckpoint } from '../../src/node/train/checkpoint-dir.js';

const tokenizer = CharTokenizer.train('abcdefgh \n', { unkToken: null });

function trainedParts(seed: number) {
  const model = new RNNLM({ vocabSize: tokenizer.vocabSize, hiddenSize: 6, embeddingSize: 4, cell: 'gru', numLayers: 2 }, { generator: new Generator(seed) });
  const optimizer = new AdamW(model.parameters(), { lr: 1e-2 });
  const ids = new Tensor(Int32Array.from([1, 2, 3, 4, 5, 6]), [1, 6]);
  const out = model.forward(ids, new Tensor(Int32Array.from([2, 3, 4, 5, 6, 7]), [1, 6]));
  backward(out.loss as Tensor);
  optimizer.step();
  const state = model.detachState(out.state);
  const snapshot: TrainingSnapshot = {
    loop: { step: 1, bestValLoss: 2.5, lastEvalStep: 0, elapsedMs: 12, generatorState: new Generator(seed).getState(), history: { train: [[1, 2.7]], evalTrain: [[0, 2.8]], val: [[0, 2.9]] } },
    optimizer: optimizer.stateDict(),
    task: { json: { cursor: 3 }, tensors: new Map([['state.h', state.h]]) },
  };
  return { model, modelConfig: modelConfigOf(model), tokenizer, snapshot };
}

test('round trip: weights, tokenizer, config and the full training snapshot come back exactly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-ckpt-rt-'));
  try {
    const parts = trainedParts(1);
    saveCheckpoint(join(dir, 'c'), parts);
    assert.deepEqual(readdirSync(join(dir, 'c')).sort(), ['config.json', 'model.safetensors', 'optimizer.safetensors', 'state.json', 'tokenizer.json']);
    const config = JSON.parse(readFileSync(join(dir, 'c', 'config.json'), 'utf8'));
    assert.equal(config.format, 'lmkit-checkpoint');
    assert.equal(config.version, 1);
    assert.equal(config.model.type, 'gru');
    const loaded = loadCheckpoint(join(dir, 'c'));
    assert.deepEqual(loaded.model.namedParameters().map(([n, p]) => [n, Array.from(p.data)]), parts.model.namedParameters().map(([n, p]) => [n, Array.from(p.data)]));
    assert.equal(loaded.tokenizer.decode([1, 2, 3]), tokenizer.decode([1, 2, 3]));
    assert.equal(loaded.model.training, false, 'loaded for inference');
    const snapshot = loadTrainingSnapshot(join(dir, 'c'));
    assert.deepEqual(snapshot.loop, parts.snapshot.loop);
    assert.deepEqual(snapshot.task.json, { cursor: 3 });
    assert.deepEqual(Array.from(snapshot.task.tensors.get('state.h')?.data ?? []), Array.from(parts.snapshot.task.tensors.get('state.h')?.data ?? [1]));
    const expectedOptimizer = parts.snapshot.optimizer;
    assert.deepEqual(snapshot.optimizer.paramGroups, expectedOptimizer.paramGroups);
    for (const [index, entry] of Object.entries(expectedOptimizer.state)) {
      for (const [key, value] of Object.entries(entry)) {
        const got = snapshot.optimizer.state[index][key];
        if (value === null || typeof value === 'number') assert.equal(got, value, `${index}.${key}`);
        else assert.deepEqual(Array.from(got as ArrayLike<number>), Array.from(value), `${index}.${key}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run directories: best/ preferred, last/ on request, either as fallback; a crash between the renames is recovered', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-ckpt-run-'));
  try {
    const run = join(dir, 'run');
    mkdirSync(run);
    assert.throws(() => resolveCheckpointDir(run), /run: not a checkpoint \(no config\.json\) and no best\/ or last\/ checkpoint inside/);
    saveCheckpoint(join(run, 'last'), trainedParts(1));
    assert.equal(resolveCheckpointDir(run), join(run, 'last'));
    saveCheckpoint(join(run, 'best'), trainedParts(2));
    assert.equal(resolveCheckpointDir(run), join(run, 'best'));
    assert.equal(resolveCheckpointDir(run, 'last'), join(run, 'last'));
    assert.equal(resolveCheckpointDir(join(run, 'last')), join(run, 'last'));
    // A process killed after moving best/ aside but before moving the new copy in.
    rmSync(join(run, 'last'), { recursive: true });
    renameSync(join(run, 'best'), join(run, 'best.old-4242'));
    assert.equal(resolveCheckpointDir(run), join(run, 'best.old-4242'));
    assert.ok(loadCheckpoint(run).model instanceof RNNLM);
    // The next successful save of best/ removes the leftover.
    saveCheckpoint(join(run, 'best'), trainedParts(3));
    assert.deepEqual(readdirSync(run), ['best']);
    assert.throws(() => resolveCheckpointDir(join(dir, 'nope')), /nope: no such checkpoint or run directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('damaged checkpoints: each error names the file and says what is wrong', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-ckpt-bad-'));
  try {
    const ckpt = join(dir, 'c');
    saveCheckpoint(ckpt, trainedParts(1));
    const file = (name: string): string => join(ckpt, name);
    const restore = new Map(['config.json', 'model.safetensors', 'optimizer.safetensors', 'state.json', 'tokenizer.json'].map((n) => [n, readFileSync(file(n))]));
    const damage = (name: string, bytes: string | Uint8Array, check: () => void): void => {
      writeFileSync(file(name), bytes);
      try { check(); } finally { writeFileSync(file(name), restore.get(name) as Buffer); }
    };
    const optimizerBytes = restore.get('optimizer.safetensors') as Buffer;
    damage('optimizer.safetensors', optimizerBytes.subarray(0, optimizerBytes.length - 7), () => {
      assert.throws(() => loadTrainingSnapshot(ckpt), /optimizer\.safetensors: .*truncated/);
    });
    damage('optimizer.safetensors', 'not safetensors', () => assert.throws(() => loadTrainingSnapshot(ckpt), /optimizer\.safetensors/));
    damage('state.json', '{"optimizer": ', () => assert.throws(() => loadTrainingSnapshot(ckpt), /state\.json: not valid JSON/));
    damage('state.json', '{}', () => assert.throws(() => loadTrainingSnapshot(ckpt), /state\.json: not an lmkit training state/));
    damage('tokenizer.json', '{"type": "char"', () => assert.throws(() => loadCheckpoint(ckpt), /tokenizer\.json/));
    damage('config.json', '{"format": "lmkit-checkpoint", "version": 7, "model": {}}', () => {
      assert.throws(() => loadCheckpoint(ckpt), /config\.json: checkpoint version 7 is not supported \(this lmkit reads version 1\)/);
    });
    const config = JSON.parse((restore.get('config.json') as Buffer).toString());
    damage('config.json', JSON.stringify({ ...config, model: { ...config.model, hiddenSize: 8, hidenSize: 8 } }), () => {
      assert.throws(() => loadCheckpoint(ckpt), /config\.json: [\s\S]*unknown key 'hidenSize'/);
    });
    // Config and weights disagree: every mismatched key with the checkpoint's and the model's shape.
    damage('config.json', JSON.stringify({ ...config, model: { ...config.model, hiddenSize: 8 } }), () => {
      assert.throws(() => loadCheckpoint(ckpt), (err: Error) =>
        /model\.safetensors does not match .*config\.json/.test(err.message) &&
        /rnn\.weight_hh_l0: checkpoint has \[18, 6\], model has \[24, 8\]/.test(err.message) &&
        /decoder\.weight: checkpoint has \[\d+, 6\], model has \[\d+, 8\]/.test(err.message));
    });
    rmSync(file('tokenizer.json'));
    assert.throws(() => loadCheckpoint(ckpt), /tokenizer\.json: missing \(the tokenizer\)/);
    rmSync(file('optimizer.safetensors'));
    assert.throws(() => loadTrainingSnapshot(ckpt), /optimizer\.safetensors: missing \(the optimizer state needed to resume\)/);
    assert.ok(existsSync(file('model.safetensors')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
