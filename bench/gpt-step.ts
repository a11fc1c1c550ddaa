/**
 * The `shakespeare-char` preset (nanoGPT's CPU "baby GPT": 4 layers, 4 heads,
 * 128 wide, block 64, batch 12, no biases, tied embeddings) through the
 * product code path — GPT, gptTask, AdamW groups, the training loop — timed
 * next to the PyTorch reference (bench/reference/baby_gpt.py) in the same run
 * when torch is available; then generation speed with and without the KV cache
 * beside the reference's uncached sampler (nanoGPT's generate).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as lm from '../src/index.js';
import { configureOptimizer as createOptimizer } from '../src/train/configure-optimizer.js';
import { describeBackend, registerNodeBackends } from '../src/node/backend/select.js';
import { getPreset } from '../src/train/presets.js';
import { resolveTrainConfig } from '../src/train/config.js';
import { trainLoop } from '../src/train/loop.js';
import { gptTask } from '../src/train/tasks/index.js';
import { encodeStream, splitTrainVal } from '../src/train/tokens.js';
import { markdownTable, median } from './machine.js';

const dataPath = fileURLToPath(new URL('../../data/tinyshakespeare.txt', import.meta.url));

function presetModel(): { model: lm.GPT; tokenizer: lm.CharTokenizer; ids: Int32Array; generator: lm.Generator } {
  const preset = getPreset('shakespeare-char');
  const text = readFileSync(dataPath, 'utf8');
  const tokenizer = lm.CharTokenizer.train(text, { unkToken: null });
  const generator = new lm.Generator(1337);
  const { type: _type, ...config } = preset.model;
  const model = new lm.GPT({ ...(config as object), vocabSize: tokenizer.vocabSize, blockSize: 64 } as lm.GPTConfigInput, { generator });
  return { model, tokenizer, ids: encodeStream(text, tokenizer), generator };
}

/** Median ms per update of the preset over `steps` updates (the first third, at most 10, dropped as warm-up: JIT and allocator). */
export async function lmkitStepMs(steps: number): Promise<{ ms: number; loss: number; times: number[] }> {
  const { model, ids, generator } = presetModel();
  const config = resolveTrainConfig({ ...getPreset('shakespeare-char').training, maxIters: steps, evalInterval: 1_000_000, logInterval: 1 });
  const task = gptTask(model, { splits: splitTrainVal(ids), batchSize: config.batchSize, blockSize: config.blockSize }, generator, 1);
  const times: number[] = [];
  let loss = 0;
  await trainLoop({ task, config, optimizer: createOptimizer(model, config), generator, onStep: (m) => { times.push(m.msPerIter); loss = m.loss; } });
  const timed = times.slice(Math.min(10, Math.floor(steps / 3)));
  return { ms: median(timed), loss, times: timed };
}

/** Tokens/s sampling `count` tokens from a newline, with the KV cache or recomputing the cropped context (nanoGPT's generate). */
function generationTokensPerSecond(count: number, cached: boolean): number {
  const { model, tokenizer } = presetModel();
  model.eval();
  const newline = tokenizer.encode('\n')[0];
  const generator = new lm.Generator(1);
  const start = performance.now();
  if (cached) {
    lm.generate(model.asLanguageModel({ startToken: newline }), [], { maxTokens: count, temperature: 0.8, topK: 200, generator });
  } else {
    lm.noGrad(() => {
      const context = [newline];
      for (let i = 0; i < count; i++) {
        const window = context.slice(-64);
        const { logits } = model.forward(new lm.Tensor(Int32Array.from(window), [1, window.length]));
        const V = tokenizer.vocabSize;
        const last = logits.data.subarray((window.length - 1) * V, window.length * V);
        const logProbs = Float64Array.from(last);
        context.push(lm.sampleFromLogProbs(logProbs, { temperature: 0.8, topK: 200 }, generator));
      }
    });
  }
  return count / ((performance.now() - start) / 1000);
}

/** ms/iter and sampling tokens/s of the PyTorch reference, or a reason it could not run. */
function pytorchReference(iters: number, sample: number): { ms: number | null; tokensPerSecond: number | null; note: string } {
  const script = fileURLToPath(new URL('../../bench/reference/baby_gpt.py', import.meta.url));
  if (!existsSync('/usr/bin/python3')) return { ms: null, tokensPerSecond: null, note: 'no /usr/bin/python3' };
  const openblas = '/usr/lib/x86_64-linux-gnu/openblas-openmp';
  const env = { ...process.env, ...(existsSync(openblas) ? { LD_LIBRARY_PATH: openblas } : {}) };
  try {
    const out = execFileSync('/usr/bin/python3', [script, '--data', dataPath, '--iters', String(iters), '--eval_every', String(iters * 10), '--eval_batches', '1', '--threads', '2', '--sample', String(sample)], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const ms = /ms\/iter median ([\d.]+)/.exec(out);
    const tps = /= ([\d.]+) tokens\/s/.exec(out);
    const torch = /torch (\S+) threads (\d+)/.exec(out);
    return {
      ms: ms ? Number(ms[1]) : null, tokensPerSecond: tps ? Number(tps[1]) : null,
      note: `torch ${torch?.[1] ?? '?'}, ${torch?.[2] ?? '?'} threads${existsSync(openblas) ? ', OpenBLAS (openmp)' : ', default BLAS (not a fair reference)'}`,
    };
  } catch (err) {
    return { ms: null, tokensPerSecond: null, note: `PyTorch reference not run (${(err as Error).message.split('\n')[0].slice(0, 80)})` };
  }
}

/** ms/update of the wasm backend on one worker per CPU, timed by bench/profile-step.ts in a child process (60 updates: the workers start in V8's baseline compiler). */
function wasmOnWorkers(): { label: string; ms: number } | null {
  const script = fileURLToPath(new URL('./profile-step.js', import.meta.url));
  try {
    const out = execFileSync(process.execPath, [script, '60'], { env: { ...process.env, LMKIT_BACKEND: 'wasm' }, encoding: 'utf8' });
    const match = /^(wasm \(\d+ threads\)): ([\d.]+) ms/m.exec(out);
    return match ? { label: match[1], ms: Number(match[2]) } : null;
  } catch {
    return null;
  }
}

/** The backends to time, fastest first, with the updates each gets (the js backend is ~1 s per update). */
function backendsToTime(quick: boolean): { name: string; steps: number }[] {
  const have = new Set(registerNodeBackends());
  const plan = [{ name: 'native', steps: quick ? 6 : 60 }, { name: 'wasm', steps: quick ? 4 : 12 }, { name: 'js', steps: quick ? 3 : 6 }];
  return plan.filter((b) => have.has(b.name));
}

export async function benchGptStep(options: { quick: boolean }): Promise<string> {
  const sample = options.quick ? 100 : 500;
  const active = lm.getBackend().name;
  const training: (string | number)[][] = [];
  const generation: (string | number)[][] = [];
  // The fastest backend and PyTorch run alternately, three rounds each, and each reports the median of its
  // per-round medians: a few seconds of noise on a shared machine (seen here: one PyTorch run at 57 ms/iter
  // between runs at 38–39) then moves one round, not the comparison.
  const rounds = options.quick ? 1 : 3;
  const plan = backendsToTime(options.quick);
  const torchRuns: number[] = [], fastestRuns: number[] = [];
  let torch = pytorchReference(options.quick ? 20 : 40, sample);
  const fastest = plan[0];
  if (fastest) {
    lm.setBackend(fastest.name);
    for (let round = 0; round < rounds; round++) {
      if (round > 0) torch = { ...torch, ms: pytorchReference(40, 0).ms };
      if (torch.ms !== null) torchRuns.push(torch.ms);
      process.stderr.write(`bench: gpt on ${describeBackend()}, round ${round + 1} of ${rounds}…\n`);
      fastestRuns.push((await lmkitStepMs(fastest.steps)).ms);
    }
  }
  const torchMs = torchRuns.length ? median(torchRuns) : null;
  const spread = (runs: number[]): string => (runs.length > 1 ? ` (rounds: ${runs.map((x) => x.toFixed(1)).join(', ')})` : '');
  const ratio = (x: number, ref: number | null): string => (ref ? `${(x / ref).toFixed(2)}×` : '—');
  for (const { name, steps } of plan) {
    lm.setBackend(name);
    const label = describeBackend();
    process.stderr.write(`bench: gpt on ${label}…\n`);
    const ms = name === fastest?.name ? median(fastestRuns) : (await lmkitStepMs(steps)).ms;
    training.push([`lmkit, ${label}`, `${ms.toFixed(1)}${name === fastest?.name ? spread(fastestRuns) : ''}`, ratio(ms, torchMs)]);
    // Inside one context window (63 new tokens after the first) the cache is all gain; past blockSize every
    // token recomputes the cropped window with either method (absolute positions shift), so 500 tokens mostly measure that.
    const window = 63;
    const uncachedCount = name === 'js' ? Math.min(sample, 200) : sample;
    generation.push([`lmkit ${label}, KV cache`, generationTokensPerSecond(sample, true).toFixed(0), generationTokensPerSecond(window, true).toFixed(0)]);
    generation.push([`lmkit ${label}, no cache (crop to 64 and recompute)`, `${generationTokensPerSecond(uncachedCount, false).toFixed(0)}${uncachedCount < sample ? ` (${uncachedCount} tokens)` : ''}`, generationTokensPerSecond(window, false).toFixed(0)]);
  }
  lm.setBackend(active);
  // The wasm backend on workers: Node starts them only when wasm is the backend asked for, so in a child process.
  const threadedWasm = options.quick ? null : wasmOnWorkers();
  if (threadedWasm) training.push([`lmkit, ${threadedWasm.label}`, threadedWasm.ms.toFixed(1), ratio(threadedWasm.ms, torchMs)]);
  training.push([`PyTorch, same run (${torch.note})`, torchMs ? `${torchMs.toFixed(1)}${spread(torchRuns)}` : '—', torchMs ? '1.00×' : '—']);
  training.push(['TensorFlow.js 4.22 WASM SIMD (published figure for this machine type)', '1392', ratio(1392, torchMs)]);
  generation.push(['PyTorch nanoGPT-style generate, no cache, same run', torch.tokensPerSecond ? torch.tokensPerSecond.toFixed(0) : '—', '—']);
  return `### shakespeare-char training update (baby GPT: 4 layers, 4 heads, 128 wide, B=12, T=64; forward + backward + clip + AdamW)\n\n` +
    `${rounds > 1 ? `The ${fastest?.name} backend and PyTorch ran alternately, ${rounds} rounds each; each figure is the median of the rounds' medians.\n\n` : ''}` +
    `${markdownTable(['implementation', 'ms / update (median)', 'vs PyTorch'], training)}\n\n` +
    `### Generation from the shakespeare-char model (${sample} tokens, batch 1, temperature 0.8, top-k 200)\n\n` +
    `${markdownTable(['implementation', `tokens / s, ${sample} tokens`, 'tokens / s, first 63 tokens (one context window)'], generation)}\n\n` +
    'Past the 64-token context every new token sees a shifted window, and with absolute positions no cached key ' +
    'is reusable: each token then costs one forward over 64 positions with or without the cache (as in nanoGPT).\n';
}
