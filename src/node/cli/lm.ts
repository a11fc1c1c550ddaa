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
import { MODEL_TYPES, type ModelType } from '../../lm/factory.js';
import { generateStream } from '../../lm/generate.js';
import { rankChoices, type ChoiceNormalization } from '../../lm/rank.js';
import { SAMPLING_DEFAULTS } from '../../lm/sampling.js';
import { Generator } from '../../tensor/random.js';
import type { Tokenizer } from '../../text/tokenizer.js';
import { TRAIN_CONFIG_DEFAULTS, type TrainConfig } from '../../train/config.js';
import { PRESETS } from '../../train/presets.js';
import { resolveRun, type RunRequest } from '../../train/run-spec.js';
import { describeBackend } from '../backend/select.js';
import { readTextFile } from '../files.js';
import { createProgress } from '../progress.js';
import { formatTable } from '../table.js';
import { loadTokenizerFile } from '../text/tokenizer-files.js';
import { loadTextModel, networkTextModel, type TextModel } from '../text-model.js';
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
  startToken?: string;
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
    let model: TextModel;
    try {
      model = networkTextModel(summary.model, summary.tokenizer, outDir, flags.startToken);
    } catch (err) {
      // The run trained and is saved: a start token the trained vocabulary lacks costs the sample, not the exit status.
      process.stderr.write(`no sample: ${(err as Error).message}\n`);
      return;
    }
    const { temperature, topK } = SAMPLING_DEFAULTS;
    console.log(`\nsample (${flags.sample} tokens, temperature ${temperature}, top-k ${topK}, seed ${summary.training.seed}, starting from ${model.start}):\n`);
    writeStream(model, [], { maxTokens: flags.sample, temperature, topK, generator: new Generator(summary.training.seed) });
    process.stdout.write('\n');
  }
}

type UnknownPolicy = 'error' | 'skip';

function quoteAll(pieces: readonly string[]): string {
  return [...new Set(pieces)].map((p) => JSON.stringify(p)).join(' ');
}

/**
 * Encode a prompt. Pieces the vocabulary lacks are read as <unk> when the model
 * has one (said on stderr); a character model without one refuses them, or with
 * --unk skip drops them.
 */
function encodePrompt(model: TextModel, prompt: string, unk: UnknownPolicy): number[] {
  const { ids, unknown, unknownAsUnk } = model.encode(prompt);
  if (unknown.length === 0) return ids;
  if (unknownAsUnk) {
    process.stderr.write(`note: the prompt has ${unknown.length} piece${unknown.length > 1 ? 's' : ''} the model's vocabulary lacks, read as <unk>: ${quoteAll(unknown)}\n`);
  } else if (unk === 'error') {
    const distinct = new Set(unknown).size;
    throw new Error(`the prompt contains ${distinct} character${distinct > 1 ? 's' : ''} the model's vocabulary does not have: ${quoteAll(unknown)} — remove them or pass --unk skip`);
  }
  return ids;
}

interface StreamOptions { maxTokens: number; temperature: number; topK?: number; topP?: number; repetitionPenalty?: number; stop?: string[]; generator: Generator }

function writeStream(model: TextModel, prompt: number[], options: StreamOptions): void {
  for (const event of generateStream(model.lm, prompt, { ...options, bannedTokens: model.bannedTokens, tokenizer: model.decoding })) {
    process.stdout.write(event.text ?? '');
  }
}

/** The text `tokens` add after `prompt` (a word model's continuation starts with the space between words). */
function continuationText(model: TextModel, prompt: readonly number[], tokens: readonly number[]): string {
  const before = model.decoding.decode(prompt);
  const after = model.decoding.decode([...prompt, ...tokens]);
  return after.startsWith(before) ? after.slice(before.length) : model.decoding.decode(tokens);
}

interface SampleFlags {
  prompt: string; maxTokens: number; temperature: number; topK?: number; topP?: number; repetitionPenalty?: number;
  stop?: string[]; seed: number; numSamples: number; beam?: number; lengthPenalty: number; unk: UnknownPolicy; last?: boolean; startToken?: string;
}

function loadForCommand(path: string, flags: { last?: boolean; startToken?: string }): TextModel {
  const model = loadTextModel(path, { prefer: flags.last ? 'last' : 'best', startToken: flags.startToken });
  for (const w of model.warnings) process.stderr.write(`warning: ${w}\n`);
  return model;
}

function sampleCommand(checkpoint: string, flags: SampleFlags): void {
  const model = loadForCommand(checkpoint, flags);
  const prompt = encodePrompt(model, flags.prompt, flags.unk);
  if (prompt.length === 0 && model.family === 'network' && !model.start.endsWith('(newline)')) process.stderr.write(`note: no prompt; starting from ${model.start}\n`);
  if (flags.beam) {
    const hypotheses = beamSearch(model.lm, prompt, { beamWidth: flags.beam, maxTokens: flags.maxTokens, lengthPenalty: flags.lengthPenalty, numReturn: Math.min(flags.numSamples, flags.beam), bannedTokens: model.bannedTokens });
    for (const [i, h] of hypotheses.entries()) {
      process.stdout.write(`--- beam ${i + 1}: ln p ${h.logProb.toFixed(3)}, score ${h.score.toFixed(4)}\n${flags.prompt}${continuationText(model, prompt, h.tokens)}\n`);
    }
    return;
  }
  const generator = new Generator(flags.seed);
  for (let i = 0; i < flags.numSamples; i++) {
    if (flags.numSamples > 1) process.stdout.write(`--- sample ${i + 1}\n`);
    process.stdout.write(flags.prompt);
    writeStream(model, prompt, { maxTokens: flags.maxTokens, temperature: flags.temperature, topK: flags.topK, topP: flags.topP, repetitionPenalty: flags.repetitionPenalty, stop: flags.stop, generator });
    process.stdout.write('\n');
  }
}

function evalCommand(checkpoint: string, file: string, flags: { quiet?: boolean; last?: boolean }): void {
  const model = loadForCommand(checkpoint, flags);
  const text = readTextFile(file);
  const bar = createProgress('eval', 1, { quiet: flags.quiet || model.family === 'ngram', unit: 'batches' });
  let result: ReturnType<TextModel['evaluate']>;
  try {
    result = model.evaluate(text, (done, total) => bar.update(done, { total }));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  } finally {
    bar.stop();
  }
  if (result.predicted <= 0) throw new Error(`${file}: no tokens to evaluate`);
  const chars = Array.from(text).length;
  console.log(formatTable(['', ''], [
    [model.family === 'ngram' ? 'n-gram model' : 'checkpoint', model.source],
    ['file', `${file} (${chars} characters, ${result.tokens} tokens)`],
    ['tokens predicted', result.oovs === undefined ? String(result.predicted) : `${result.predicted} (${result.oovs} scored as <unk>)`],
    ['loss (nats / token)', result.loss.toFixed(4)],
    ['bits / token', result.bitsPerToken.toFixed(4)],
    ['perplexity', result.perplexity.toFixed(3)],
    ['method', result.method],
  ]));
}

/** A choice as ids, or why it cannot be scored. */
type EncodedChoice = { ids: number[]; note?: string } | { unscorable: string };

/**
 * One choice: pieces the vocabulary lacks are scored as <unk> when the model has
 * one (and said); a character model without one cannot score the choice, unless
 * --unk skip drops them — the other choices are ranked either way.
 */
function encodeChoice(model: TextModel, choice: string, unk: UnknownPolicy): EncodedChoice {
  const { ids, unknown, unknownAsUnk } = model.encode(choice);
  if (unknown.length === 0) return { ids };
  if (unknownAsUnk) return { ids, note: `scored with <unk> for ${quoteAll(unknown)}` };
  if (unk === 'skip' && ids.length === 0) return { unscorable: `nothing is left once --unk skip drops ${quoteAll(unknown)}` };
  if (unk === 'skip') return { ids, note: `without ${quoteAll(unknown)} (--unk skip)` };
  return { unscorable: `the vocabulary lacks ${quoteAll(unknown)} (--unk skip would drop them)` };
}

function scoreCommand(checkpoint: string, flags: { prompt: string; choices: string[]; normalize: ChoiceNormalization; unk: UnknownPolicy; last?: boolean; startToken?: string }): void {
  if (!flags.choices || flags.choices.length === 0) throw new Error('give the answers to rank with --choices "a" "b" …');
  // The empty continuation has probability 1: it would always rank first, which answers nothing.
  const empty = flags.choices.findIndex((choice) => choice === '');
  if (empty >= 0) throw new Error(`choice ${empty + 1} is empty: every choice needs at least one character (include its leading space, e.g. " yes")`);
  const model = loadForCommand(checkpoint, flags);
  const prompt = encodePrompt(model, flags.prompt, flags.unk);
  const encoded = flags.choices.map((c) => encodeChoice(model, c, flags.unk));
  const scorable = encoded.flatMap((e, index) => ('ids' in e ? [{ index, ids: e.ids, note: e.note }] : []));
  const unscorable = encoded.flatMap((e, index) => ('unscorable' in e ? [{ index, reason: e.unscorable }] : []));
  if (scorable.length === 0) throw new Error(`none of the choices can be scored: ${unscorable.map((u) => `${JSON.stringify(flags.choices[u.index])}: ${u.reason}`).join('; ')}`);
  const result = rankChoices(model.lm, prompt, scorable.map((c) => c.ids), { normalize: flags.normalize, tokenizer: model.decoding });
  const rows: (string | number)[][] = result.ranked.map((r, i) => {
    const { index, note } = scorable[r.index];
    return [i + 1, JSON.stringify(flags.choices[index]), r.logProb.toFixed(3), r.tokenCount, r.score.toFixed(4), note ?? ''];
  });
  for (const u of unscorable) rows.push(['—', JSON.stringify(flags.choices[u.index]), '—', '—', '—', `unscorable: ${u.reason}`]);
  console.log(formatTable(['rank', 'choice', 'ln p', 'tokens', 'score', 'note'], rows));
}

const MODEL_ARGUMENT_HELP = 'checkpoint or run directory (GPT, RNN), or an n-gram model file (.arpa, .bin)';
const START_TOKEN_HELP = 'GPT/RNN: the token an empty prompt starts from (default: the newline, else a sequence-start special token such as <|endoftext|> or [CLS], else the first ordinary token — for a word vocabulary the most frequent word)';

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
    .option('--start-token <text>', START_TOKEN_HELP)
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
    .description('generate text from a checkpoint (a run directory uses best/) or an n-gram model file')
    .argument('<model>', MODEL_ARGUMENT_HELP)
    .option('-p, --prompt <text>', 'text to continue (default: none, start from the start token)', '')
    .option('--start-token <text>', START_TOKEN_HELP)
    .option('-n, --max-tokens <n>', 'tokens to generate', integer('--max-tokens', 0), 500)
    .option('-t, --temperature <t>', 'divide log-probabilities by t (0 = greedy)', number('--temperature', 0), SAMPLING_DEFAULTS.temperature)
    .option('-k, --top-k <k>', 'keep the k most likely tokens (0 = all)', integer('--top-k', 0), SAMPLING_DEFAULTS.topK)
    .option('--top-p <p>', 'nucleus: smallest set with probability ≥ p (1 = all)', number('--top-p', Number.MIN_VALUE, 1), SAMPLING_DEFAULTS.topP)
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
    .description('loss, bits per token and perplexity of a model on a text file')
    .argument('<model>', MODEL_ARGUMENT_HELP)
    .argument('<file>', 'text file')
    .option('--quiet', 'no progress bar')
    .option('--last', 'use last/ instead of best/ from a run directory')
    .action(evalCommand);

  program.command('score')
    .description("rank answers by likelihood given a prompt (seed 003's zero-shot multiple choice)")
    .argument('<model>', MODEL_ARGUMENT_HELP)
    .requiredOption('-p, --prompt <text>', 'the question / context')
    .option('-c, --choices <text...>', 'candidate continuations (include their leading space)')
    .addOption(new Option('--normalize <how>', 'none, token (mean per token), char (per character), unconditional (minus ln p without the prompt)').choices(['none', 'token', 'char', 'unconditional']).default('none'))
    .addOption(new Option('--unk <policy>', 'characters a char model does not know: error (prompt) / unscorable (choice), or skip').choices(['error', 'skip']).default('error'))
    .option('--start-token <text>', START_TOKEN_HELP)
    .option('--last', 'use last/ instead of best/ from a run directory')
    .action(scoreCommand);
}
