/**
 * Loss of a model over a whole token stream, computed with batched forwards
 * (fast enough for a full validation split):
 *
 * - GPT: every non-overlapping window of blockSize tokens, so token i of a
 *   window is predicted from the i tokens before it in the window (the
 *   convention of nanoGPT-style "full val loss"; sliding windows with more
 *   context are `evaluateTokens` in src/lm/perplexity.ts, one token at a time).
 * - RNN-LM: one lane read left to right in chunks, the hidden state carried
 *   throughout, so every token is predicted from everything before it.
 *
 * Reports mean cross-entropy in nats per token, bits per token and perplexity.
 */
import { noGrad } from '../autograd/mode.js';
import { GPT } from '../lm/gpt.js';
import type { LanguageModelNetwork } from '../lm/factory.js';
import { Tensor } from '../tensor/tensor.js';

export interface StreamLoss {
  /** Tokens predicted. */
  tokens: number;
  /** Mean negative log-likelihood, nats per token. */
  loss: number;
  bitsPerToken: number;
  perplexity: number;
}

export interface StreamLossOptions {
  /** Windows per forward for a GPT (default 32); chunk length for an RNN (default 256). */
  batchSize?: number;
  onProgress?(done: number, total: number): void;
}

/** How streamLoss reads a stream with this model, in words (for reports). */
export function streamLossMethod(model: LanguageModelNetwork): string {
  return model instanceof GPT ? `non-overlapping windows of ${model.config.blockSize} tokens` : 'one pass, hidden state carried';
}

export function streamLoss(model: LanguageModelNetwork, ids: Int32Array, options: StreamLossOptions = {}): StreamLoss {
  if (ids.length < 2) throw new RangeError(`streamLoss: a stream of ${ids.length} token${ids.length === 1 ? '' : 's'} has nothing to predict (the first token is only context): give at least 2`);
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => (model instanceof GPT ? gptLoss(model, ids, options) : rnnLoss(model, ids, options)));
  } finally {
    if (wasTraining) model.train();
  }
}

function report(total: number, tokens: number): StreamLoss {
  if (tokens === 0) throw new RangeError('streamLoss: the text has fewer than 2 tokens, nothing to predict');
  const loss = total / tokens;
  return { tokens, loss, bitsPerToken: loss / Math.LN2, perplexity: Math.exp(loss) };
}

function gptLoss(model: GPT, ids: Int32Array, options: StreamLossOptions): StreamLoss {
  const T = Math.min(model.config.blockSize, Math.max(1, ids.length - 1));
  const windows = Math.floor((ids.length - 1) / T);
  const perBatch = options.batchSize ?? 32;
  let total = 0;
  for (let start = 0; start < windows; start += perBatch) {
    const B = Math.min(perBatch, windows - start);
    const inputs = new Int32Array(B * T), targets = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const at = (start + b) * T;
      inputs.set(ids.subarray(at, at + T), b * T);
      targets.set(ids.subarray(at + 1, at + 1 + T), b * T);
    }
    const { loss } = model.forward(new Tensor(inputs, [B, T]), new Tensor(targets, [B, T]));
    total += (loss as Tensor).item() * B * T;
    options.onProgress?.(start + B, windows);
  }
  return report(total, windows * T);
}

function rnnLoss(model: Exclude<LanguageModelNetwork, GPT>, ids: Int32Array, options: StreamLossOptions): StreamLoss {
  const chunk = options.batchSize ?? 256;
  const predicted = ids.length - 1;
  let state = null as Parameters<typeof model.forward>[2];
  let total = 0;
  for (let at = 0; at < predicted; at += chunk) {
    const T = Math.min(chunk, predicted - at);
    const inputs = new Tensor(ids.slice(at, at + T), [1, T]);
    const targets = new Tensor(ids.slice(at + 1, at + 1 + T), [1, T]);
    const result = model.forward(inputs, targets, state);
    state = result.state;
    total += (result.loss as Tensor).item() * T;
    options.onProgress?.(at + T, predicted);
  }
  return report(total, predicted);
}
