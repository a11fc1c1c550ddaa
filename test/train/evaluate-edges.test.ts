/** streamLoss on a stream with nothing to predict (0 or 1 token) is an error, never "perplexity 1.000". */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GPT, RNNLM, streamLoss } from '../../src/index.js';

test('streamLoss needs at least two tokens, for both families', () => {
  const models = [new GPT({ vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4 }), new RNNLM({ vocabSize: 5, hiddenSize: 4, embeddingSize: 3, cell: 'lstm' })];
  for (const model of models) {
    assert.throws(() => streamLoss(model, new Int32Array(0)), /a stream of 0 tokens has nothing to predict/);
    assert.throws(() => streamLoss(model, Int32Array.from([3])), /a stream of 1 token has nothing to predict/);
    const result = streamLoss(model, Int32Array.from([1, 2, 3]));
    assert.equal(result.tokens, 2);
    assert.ok(result.perplexity > 1);
  }
});
