/**
 * A short seeded run on real text: a small character LSTM (embedding 32,
 * hidden 64) trained for 150 updates of 8 × 32 characters on the first 100 KB
 * of data/tinyshakespeare.txt, through the whole driver (file → char tokenizer
 * → 90/10 split → truncated BPTT → checkpoints).
 *
 * Reference points for the validation split (nats per character): uniform over
 * the 61 characters ln 61 = 4.11; the add-one unigram model fitted on the
 * training split 3.32 (computed with a few lines of Python). Measured here:
 * val loss 2.50 (js backend), so the model uses context well beyond character
 * frequencies. The bound 2.65 leaves margin for other backends' rounding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTraining } from '../../src/node/train/run.js';
import { loadCheckpoint } from '../../src/node/train/checkpoint-dir.js';
import { streamLoss } from '../../src/train/evaluate.js';
import { encodeStream, splitTrainVal } from '../../src/train/tokens.js';

const VAL_LOSS_BOUND = 2.65;

test(`tiny char LSTM on 100 KB of Shakespeare: val loss < ${VAL_LOSS_BOUND} nats/char after 150 updates`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-shakespeare-'));
  try {
    const text = readFileSync(new URL('../../../data/tinyshakespeare.txt', import.meta.url), 'utf8').slice(0, 100_000);
    const dataPath = join(dir, 'shakespeare-100k.txt');
    writeFileSync(dataPath, text);
    const summary = await runTraining({
      model: { type: 'lstm', embeddingSize: 32, hiddenSize: 64 }, dataPath, outDir: join(dir, 'run'), quiet: true,
      training: {
        maxIters: 150, batchSize: 8, blockSize: 32, learningRate: 1e-2, minLr: 1e-3, warmupIters: 10, lrDecayIters: 150,
        weightDecay: 0.01, evalInterval: 150, evalIters: 8, logInterval: 10, seed: 1,
      },
    });
    assert.equal(summary.tokenizer.vocabSize, 61);
    assert.ok(summary.valLoss !== null && summary.valLoss < VAL_LOSS_BOUND, `val loss ${summary.valLoss}`);
    assert.ok(summary.bestValLoss === summary.valLoss);
    // The best/ checkpoint holds that model: the full validation split read with the state carried scores alike.
    const { model, tokenizer } = loadCheckpoint(join(dir, 'run'));
    const val = splitTrainVal(encodeStream(text, tokenizer)).val;
    const full = streamLoss(model, val);
    assert.equal(full.tokens, val.length - 1);
    assert.ok(full.loss < VAL_LOSS_BOUND, `full val loss ${full.loss}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
