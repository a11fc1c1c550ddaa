/**
 * `lmkit train | sample | eval | score` — the neural language models on the
 * command line. Argument parsing and printing only: training is
 * src/node/train/run.ts, generation and scoring src/lm/.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beamSearch } from '../../lm/beam-search.js';
import { asLanguageModel, MODEL_TYPES, type ModelType } from '../../lm/factory.js';
import { generateStream } from '../../lm/generate.js';
import { rankChoices, type ChoiceNormalization } from '../../lm/rank.js';
import { Generator } from '../../tensor/random.js';
import type { Tokenizer } from '../../text/tokenizer.js';
import { TRAIN_CONFIG_DEFAULTS, type TrainConfig } from '../../train/config.js';
import { streamLoss, streamLossMethod } from '../../train/evaluate.js';
import { PRESETS } from '../../train/presets.js';
import { resolveRun, type RunRequest } from '../../train/run-spec.js';
import { encodeStream } from '../../train/tokens.js';
import { describeBackend } from '../backend/select.js';
import { readTextFile } from '../files.js';
import { createProgress } from '../progress.js';
import { formatTable } from '../table.js';
import { loadTokenizerFile } from '../text/tokenizer-files.js';
import { loadCheckpoint } from '../train/checkpoint-dir.js';
import { claimUniqueRunDir } from '../train/run-dir.js';
import { runTraining, type RunSummary } from '../train/run.js';
import { collect, duration, integer, number } from './parse.js';

/** The package root (for the bundled corpus): dist/src/node/cli → ../../../.. */
const packageRoot = fileURLToPath(new URL('../../../../', import.meta.url));

function modelType(value: string): ModelType {
  if (!(MODEL_TYPES as readonly string[]).includes(value)) throw new InvalidArgumentError(`--model must be one of ${MODEL_TYPES.join(', ')}, got ${JSON.stringify(value)}`);
  return value as ModelType;
}

function choice<T extends string>(flag: string, values: readonly T[]) {
  return (value: string): T => {
    if (!(values as readonly string[]).includes(value)) throw new InvalidArgumentError(`${flag} must be one of ${values.join(', ')}, got ${JSON.stringify(value)}`);
    return value as T;
  };
}

const timestamp = (): string => new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

interface TrainFlags {
  model?: ModelType;
  preset?: string;
  data?: string;
  tokenizer: string;
  out?: string;
  force?: boolean;
  resume?: boolean;
  quiet?: boolean;
  sample: number;
  // model overrides
  nLayer?: number; nHead?: number; nEmbd?: number; dropout?: number; bias?: boolean; norm?: string; positions?: string; tie?: boolean;
  embeddingSize?: number; hiddenSize?: number; numLayers?: number;
  // training overrides
  maxIters?: number; maxTime?: number; batchSize?: number; blockSize?: number; gradAccum?: number; lr?: number; minLr?: number;
  warmup?: number; lrDecayIters?: number; constantLr?: boolean; weightDecay?: number; beta1?: number; beta2?: number; gradClip?: number;
  evalInterval?: number; evalIters?: number; logInterval?: number; seed?: number;
}

/** Flags → a run request; the defaults, presets and schedule rules are the core's (src/train/run-spec.ts). */
function runRequest(flags: TrainFlags): RunRequest {
  return {
    preset: flags.preset,
    type: flags.model,
    model: {
      nLayer: flags.nLayer, nHead: flags.nHead, nEmbd: flags.nEmbd, bias: flags.bias, norm: flags.norm, positions: flags.positions,
      embeddingSize: flags.embeddingSize, hiddenSize: flags.hiddenSize, numLayers: flags.numLayers,
      dropout: flags.dropout, tieWeights: flags.tie === false ? false : undefined,
    },
    training: {
      maxIters: flags.maxIters, maxTime: flags.maxTime, batchSize: flags.batchSize, blockSize: flags.blockSize, gradAccumulation: flags.gradAccum,
      learningRate: flags.lr, minLr: flags.minLr, warmupIters: flags.warmup, lrDecayIters: flags.lrDecayIters,
      decayLr: flags.constantLr ? false : undefined, weightDecay: flags.weightDecay, beta1: flags.beta1, beta2: flags.beta2,
      gradClip: flags.gradClip, evalInterval: flags.evalInterval, evalIters: flags.evalIters, logInterval: flags.logInterval, seed: flags.seed,
    },
  };
}

async function trainCommand(flags: TrainFlags): Promise<void> {
  const { model, training, preset } = resolveRun(runRequest(flags));
  const dataPath = flags.data ?? (preset ? join(packageRoot, preset.data) : undefined);
  if (!dataPath && !flags.resume) throw new Error('give the text to train on with --data <file> (or use --preset shakespeare-char for the bundled corpus)');
  // A default name is claimed with an exclusive mkdir: two runs started in the same second get two directories.
  const outDir = flags.out !== undefined ? resolve(flags.out) : claimUniqueRunDir(resolve(join('runs', `${preset?.name ?? model.type}-${timestamp()}`)));
  const tokenizer: Tokenizer | 'char' = flags.tokenizer === 'char' ? 'char' : loadTokenizerFile(flags.tokenizer);
  if (preset && (training.maxTime ?? 0) > 0) {
    console.log(`note: training under a time budget of ${training.maxTime} s — the full ${training.maxIters ?? TRAIN_CONFIG_DEFAULTS.maxIters}-update preset may stop early (the learning-rate schedule is unchanged)`);
  }
  let summary: RunSummary;
  try {
    summary = await runTraining({ model, training, dataPath, tokenizer, outDir, force: flags.force, resume: flags.resume, quiet: flags.quiet });
  } catch (err) {
    // A run that never started leaves no empty directory behind under the name chosen for it.
    if (flags.out === undefined && readdirSync(outDir).length === 0) rmSync(outDir, { recursive: true, force: true });
    throw err;
  }
  console.log(formatTable(['', ''], [
    ['updates', `${summary.steps} (${summary.stoppedBy === 'maxIters' ? 'all' : summary.stoppedBy === 'maxTime' ? 'time budget reached' : 'interrupted'})`],
    ['wall time', `${summary.seconds.toFixed(1)} s`],
    ['ms / update (median)', `${summary.msPerIter.toFixed(1)} (backend ${describeBackend()})`],
    ['tokens / s', summary.tokensPerSecond.toFixed(0)],
    ['final train / val loss', `${summary.trainLoss?.toFixed(4) ?? '—'} / ${summary.valLoss?.toFixed(4) ?? '—'}`],
    ['best val loss', summary.bestValLoss?.toFixed(4) ?? '—'],
    ['parameters', summary.parameters.toLocaleString('en-US')],
    ['peak RSS', `${summary.peakRssMb.toFixed(0)} MB`],
  ]));
  if (flags.sample > 0 && summary.stoppedBy !== 'interrupt') {
    console.log(`\nsample (${flags.sample} tokens, temperature 0.8, top-k 200, seed ${summary.training.seed}):\n`);
    const lm = asLanguageModel(summary.model, summary.tokenizer);
    writeStream(lm, summary.tokenizer, [], { maxTokens: flags.sample, temperature: 0.8, topK: 200, generator: new Generator(summary.training.seed) });
    process.stdout.write('\n');
  }
}

/** Encode a prompt, refusing (or dropping, with --unk skip) characters a char model has never seen. */
function encodePrompt(tokenizer: Tokenizer, prompt: string, unk: 'error' | 'skip'): number[] {
  if (tokenizer.kind === 'char' && tokenizer.unknownTokenId === undefined) {
    const unknown = [...new Set(Array.from(prompt).filter((c) => tokenizer.tokenToId(c) === undefined))];
    if (unknown.length > 0) {
      if (unk === 'error') {
        throw new Error(`the prompt contains ${unknown.length} character${unknown.length > 1 ? 's' : ''} the model's vocabulary does not have: ${unknown.map((c) => JSON.stringify(c)).join(' ')} — remove them or pass --unk skip`);
      }
      prompt = Array.from(prompt).filter((c) => tokenizer.tokenToId(c) !== undefined).join('');
    }
  }
  return tokenizer.encode(prompt);
}

interface StreamOptions { maxTokens: number; temperature: number; topK?: number; topP?: number; repetitionPenalty?: number; stop?: string[]; generator: Generator }

function writeStream(lm: ReturnType<typeof asLanguageModel>, tokenizer: Tokenizer, prompt: number[], options: StreamOptions): void {
  for (const event of generateStream(lm, prompt, { ...options, tokenizer })) {
    process.stdout.write(event.text ?? '');
  }
}

interface SampleFlags {
  prompt: string; maxTokens: number; temperature: number; topK?: number; topP?: number; repetitionPenalty?: number;
  stop?: string[]; seed: number; numSamples: number; beam?: number; lengthPenalty: number; unk: 'error' | 'skip'; last?: boolean;
}

function sampleCommand(checkpoint: string, flags: SampleFlags): void {
  const { model, tokenizer } = loadCheckpoint(checkpoint, { prefer: flags.last ? 'last' : 'best' });
  const lm = asLanguageModel(model, tokenizer);
  const prompt = encodePrompt(tokenizer, flags.prompt, flags.unk);
  if (flags.beam) {
    const hypotheses = beamSearch(lm, prompt, { beamWidth: flags.beam, maxTokens: flags.maxTokens, lengthPenalty: flags.lengthPenalty, numReturn: Math.min(flags.numSamples, flags.beam) });
    for (const [i, h] of hypotheses.entries()) {
      process.stdout.write(`--- beam ${i + 1}: ln p ${h.logProb.toFixed(3)}, score ${h.score.toFixed(4)}\n${flags.prompt}${tokenizer.decode(h.tokens)}\n`);
    }
    return;
  }
  const generator = new Generator(flags.seed);
  for (let i = 0; i < flags.numSamples; i++) {
    if (flags.numSamples > 1) process.stdout.write(`--- sample ${i + 1}\n`);
    process.stdout.write(flags.prompt);
    writeStream(lm, tokenizer, prompt, { maxTokens: flags.maxTokens, temperature: flags.temperature, topK: flags.topK, topP: flags.topP, repetitionPenalty: flags.repetitionPenalty, stop: flags.stop, generator });
    process.stdout.write('\n');
  }
}

function evalCommand(checkpoint: string, file: string, flags: { quiet?: boolean; last?: boolean }): void {
  const { model, tokenizer, dir } = loadCheckpoint(checkpoint, { prefer: flags.last ? 'last' : 'best' });
  const text = readTextFile(file);
  const ids = encodeStream(text, tokenizer);
  const bar = createProgress('eval', 1, { quiet: flags.quiet, unit: 'batches' });
  const result = streamLoss(model, ids, { onProgress: (done, total) => bar.update(done, { total }) });
  bar.stop();
  const chars = Array.from(text).length;
  console.log(formatTable(['', ''], [
    ['checkpoint', dir],
    ['file', `${file} (${chars} characters, ${ids.length} tokens)`],
    ['tokens predicted', String(result.tokens)],
    ['loss (nats / token)', result.loss.toFixed(4)],
    ['bits / token', result.bitsPerToken.toFixed(4)],
    ['perplexity', result.perplexity.toFixed(3)],
    ['method', streamLossMethod(model)],
  ]));
}

function scoreCommand(checkpoint: string, flags: { prompt: string; choices: string[]; normalize: ChoiceNormalization; unk: 'error' | 'skip'; last?: boolean }): void {
  const { model, tokenizer } = loadCheckpoint(checkpoint, { prefer: flags.last ? 'last' : 'best' });
  if (!flags.choices || flags.choices.length === 0) throw new Error('give the answers to rank with --choices "a" "b" …');
  const lm = asLanguageModel(model, tokenizer);
  const prompt = encodePrompt(tokenizer, flags.prompt, flags.unk);
  const choices = flags.choices.map((c) => encodePrompt(tokenizer, c, flags.unk));
  const newline = tokenizer.encode('\n');
  const result = rankChoices(lm, prompt, choices, { normalize: flags.normalize, tokenizer, unconditionalPrompt: newline });
  console.log(formatTable(['rank', 'choice', 'ln p', 'tokens', 'score'], result.ranked.map((r, i) => [
    i + 1, JSON.stringify(flags.choices[r.index]), r.logProb.toFixed(3), r.tokenCount, r.score.toFixed(4),
  ])));
}

export function registerLm(program: Command): void {
  program.command('train')
    .description('train a GPT or RNN language model (progress bar, metrics.jsonl, loss.svg, best/ and last/ checkpoints; Ctrl-C stops cleanly)')
    .addOption(new Option('--model <type>', `model family: ${MODEL_TYPES.join(', ')} (default gpt)`).argParser(modelType))
    .addOption(new Option('--preset <name>', `a preset: ${Object.keys(PRESETS).join(', ')}`).choices(Object.keys(PRESETS)))
    .option('--data <file>', 'text file to train on (default with a shakespeare preset: the bundled data/tinyshakespeare.txt)')
    .option('--tokenizer <spec>', "'char' (a character vocabulary from the data) or a tokenizer file (lmkit JSON, tokenizer.json, .tiktoken)", 'char')
    .option('-o, --out <dir>', 'run directory (default runs/<preset or model>-<timestamp>)')
    .option('--force', 'replace an existing run directory')
    .option('--resume', 'continue the run in --out from its last/ checkpoint (budgets may be raised)')
    .option('--quiet', 'no progress bar or log lines')
    .option('--sample <n>', 'print a sample of n tokens after training (0: none)', integer('--sample', 0), 300)
    .option('--n-layer <n>', 'GPT: layers', integer('--n-layer', 1))
    .option('--n-head <n>', 'GPT: attention heads', integer('--n-head', 1))
    .option('--n-embd <n>', 'GPT: width', integer('--n-embd', 1))
    .option('--dropout <p>', 'dropout probability', number('--dropout', 0, 0.999))
    .option('--bias', 'GPT: biases in Linear and LayerNorm')
    .option('--no-bias', 'GPT: no biases (nanoGPT default)')
    .addOption(new Option('--norm <where>', 'GPT: pre- or post-norm').choices(['pre', 'post']))
    .addOption(new Option('--positions <kind>', 'GPT: position embeddings').choices(['learned', 'sinusoidal']))
    .option('--no-tie', 'do not tie input and output embeddings')
    .option('--embedding-size <n>', 'RNN: embedding width', integer('--embedding-size', 1))
    .option('--hidden-size <n>', 'RNN: hidden units', integer('--hidden-size', 1))
    .option('--num-layers <n>', 'RNN: stacked layers', integer('--num-layers', 1))
    .option('--max-iters <n>', 'updates to run', integer('--max-iters', 0))
    .option('--max-time <duration>', 'stop after this long (seconds, or 90s / 9m / 1h); a checkpoint is saved', duration('--max-time'))
    .option('--batch-size <n>', 'sequences per micro-batch', integer('--batch-size', 1))
    .option('--block-size <n>', 'context length (GPT) / truncated-BPTT length (RNN)', integer('--block-size', 1))
    .option('--grad-accum <n>', 'micro-batches per update', integer('--grad-accum', 1))
    .option('--lr <rate>', 'peak learning rate', number('--lr', Number.MIN_VALUE))
    .option('--min-lr <rate>', 'learning rate at the end of the cosine', number('--min-lr', 0))
    .option('--warmup <n>', 'linear warmup updates', integer('--warmup', 0))
    .option('--lr-decay-iters <n>', 'update at which the cosine reaches --min-lr (default: --max-iters)', integer('--lr-decay-iters', 0))
    .option('--constant-lr', 'no warmup or decay')
    .option('--weight-decay <wd>', 'AdamW decoupled weight decay on ≥ 2-D weights', number('--weight-decay', 0))
    .option('--beta1 <b>', 'AdamW β1', number('--beta1', 0, 1))
    .option('--beta2 <b>', 'AdamW β2', number('--beta2', 0, 1))
    .option('--grad-clip <norm>', 'clip the global gradient norm (0: off)', number('--grad-clip', 0))
    .option('--eval-interval <n>', 'evaluate and checkpoint every n updates', integer('--eval-interval', 1))
    .option('--eval-iters <n>', 'batches per split per evaluation', integer('--eval-iters', 1))
    .option('--log-interval <n>', 'metrics line every n updates', integer('--log-interval', 1))
    .option('--seed <n>', 'seed of the one generator (init, dropout, batches)', integer('--seed', 0))
    .action(trainCommand);

  program.command('sample')
    .description('generate text from a checkpoint (a run directory uses best/)')
    .argument('<checkpoint>', 'checkpoint or run directory')
    .option('-p, --prompt <text>', 'text to continue (default: start from a newline)', '')
    .option('-n, --max-tokens <n>', 'tokens to generate', integer('--max-tokens', 0), 500)
    .option('-t, --temperature <t>', 'divide log-probabilities by t (0 = greedy)', number('--temperature', 0), 0.8)
    .option('-k, --top-k <k>', 'keep the k most likely tokens (0 = all)', integer('--top-k', 0), 200)
    .option('--top-p <p>', 'nucleus: smallest set with probability ≥ p', number('--top-p', Number.MIN_VALUE, 1))
    .option('--repetition-penalty <θ>', 'CTRL-style penalty on tokens already present (1 = none)', number('--repetition-penalty', Number.MIN_VALUE))
    .option('--stop <text>', 'stop when the output contains this (repeatable)', collect)
    .option('-s, --seed <n>', 'sampling seed', integer('--seed', 0), 1337)
    .option('--num-samples <n>', 'independent samples (or beams returned)', integer('--num-samples', 1), 1)
    .option('--beam <width>', 'beam search instead of sampling', integer('--beam', 1))
    .option('--length-penalty <α>', 'beam score ln p / |y|^α', number('--length-penalty', 0), 1)
    .addOption(new Option('--unk <policy>', 'characters a char model does not know: error or skip').choices(['error', 'skip']).default('error'))
    .option('--last', 'use last/ instead of best/ from a run directory')
    .action(sampleCommand);

  program.command('eval')
    .description('loss, bits per token and perplexity of a checkpoint on a text file')
    .argument('<checkpoint>', 'checkpoint or run directory')
    .argument('<file>', 'text file')
    .option('--quiet', 'no progress bar')
    .option('--last', 'use last/ instead of best/ from a run directory')
    .action(evalCommand);

  program.command('score')
    .description("rank answers by likelihood given a prompt (seed 003's zero-shot multiple choice)")
    .argument('<checkpoint>', 'checkpoint or run directory')
    .requiredOption('-p, --prompt <text>', 'the question / context')
    .option('-c, --choices <text...>', 'candidate continuations (include their leading space)')
    .addOption(new Option('--normalize <how>', 'none, token (mean per token), char (per character), unconditional (minus ln p without the prompt)').choices(['none', 'token', 'char', 'unconditional']).default('none'))
    .addOption(new Option('--unk <policy>', 'characters a char model does not know: error or skip').choices(['error', 'skip']).default('error'))
    .option('--last', 'use last/ instead of best/ from a run directory')
    .action(scoreCommand);
}
