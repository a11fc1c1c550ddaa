/**
 * `lmkit tokenizer train | encode | decode | stats` — argument parsing and
 * printing only; the work is in src/node/text/tokenizer-files.ts and src/text/.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { BPE_PRESETS, type BpeVariant, type MergeObjective } from '../../text/bpe/variant.js';
import type { BpeModel } from '../../text/bpe/model.js';
import type { EncodeOptions, Tokenizer } from '../../text/tokenizer.js';
import { WordPieceTokenizer } from '../../text/wordpiece.js';
import { assertWritable, readTextFile, writeFileAtomic } from '../files.js';
import { formatTable } from '../table.js';
import { loadTokenizerFile, statsFromFiles, trainTokenizerFromFiles, TOKENIZER_TYPES, type TokenizerType, type TrainFromFilesSpec } from '../text/tokenizer-files.js';

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
    return n;
  };
}

function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').filter((s) => s.length > 0)];
}

function choice<T extends string>(name: string, allowed: readonly T[], aliases: Record<string, T> = {}) {
  return (value: string): T => {
    const resolved = (aliases[value] ?? value) as T;
    if (!allowed.includes(resolved)) throw new InvalidArgumentError(`unknown ${name} ${JSON.stringify(value)} (expected one of ${allowed.join(', ')})`);
    return resolved;
  };
}

function formatBytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : bytes >= 1e3 ? `${(bytes / 1e3).toFixed(1)} kB` : `${bytes} B`;
}

interface TrainFlags {
  output: string;
  type: TokenizerType;
  variant?: string;
  vocabSize?: number;
  base?: BpeVariant['base'];
  preTokenizer?: BpeVariant['preTokenizer'];
  whitespace?: BpeVariant['whitespace'];
  objective?: MergeObjective;
  minFrequency?: number;
  special?: string[];
  unk?: string | false;
  continuationPrefix?: string;
  endOfWordSuffix?: string;
  lowercase?: boolean;
  replaceInvalid?: boolean;
  force?: boolean;
  quiet?: boolean;
}

function trainSpec(flags: TrainFlags): TrainFromFilesSpec {
  let preset: (typeof BPE_PRESETS)[string] = {};
  if (flags.variant !== undefined) {
    const found = BPE_PRESETS[flags.variant];
    if (!found) throw new Error(`unknown variant ${JSON.stringify(flags.variant)} (known: ${Object.keys(BPE_PRESETS).join(', ')})`);
    preset = found;
  }
  const { objective: presetObjective, ...presetVariant } = preset;
  const bpe = {
    ...presetVariant,
    ...(flags.base ? { base: flags.base } : {}),
    ...(flags.preTokenizer ? { preTokenizer: flags.preTokenizer } : {}),
    ...(flags.whitespace ? { whitespace: flags.whitespace } : {}),
    ...(flags.continuationPrefix !== undefined ? { continuationPrefix: flags.continuationPrefix } : {}),
    ...(flags.endOfWordSuffix !== undefined ? { endOfWordSuffix: flags.endOfWordSuffix } : {}),
    objective: flags.objective ?? presetObjective,
  };
  const { unkToken: presetUnk, ...bpeWithoutUnk } = bpe;
  const unkToken = flags.unk === false ? null : flags.unk !== undefined ? flags.unk : presetUnk;
  if ((flags.type === 'bpe' || flags.type === 'wordpiece') && flags.vocabSize === undefined) throw new Error(`--vocab-size is required for --type ${flags.type}`);
  return {
    type: flags.type,
    vocabSize: flags.vocabSize,
    bpe: bpeWithoutUnk,
    specialTokens: flags.special,
    unkToken,
    minFrequency: flags.minFrequency,
    lowercase: flags.lowercase,
  };
}

function describeModel(tokenizer: Tokenizer): string {
  if (tokenizer.kind === 'bpe') {
    const model = tokenizer as BpeModel;
    const { base, preTokenizer, whitespace } = model.variant;
    const objective = model.training?.objective ?? 'frequency';
    return `bpe (base ${base}, pre-tokenizer ${preTokenizer}, whitespace ${whitespace}, objective ${objective}): ${model.vocabSize} ids = ${model.specialTokens.size} special + ${model.alphabet.size} base + ${model.mergeTable.size} merges`;
  }
  return `${tokenizer.kind}: ${tokenizer.vocabSize} ids (${tokenizer.specialTokens.size} special)`;
}

function encodeOptions(allowSpecial: string[] | undefined): EncodeOptions | undefined {
  if (!allowSpecial || allowSpecial.length === 0) return undefined;
  return { allowedSpecial: allowSpecial.includes('all') ? 'all' : allowSpecial };
}

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

export function registerTokenizer(program: Command): void {
  const tokenizer = program.command('tokenizer').description('Train, run and inspect tokenizers (char, word, BPE in every variant, WordPiece).');

  tokenizer
    .command('train')
    .description('Train a tokenizer on text files (streamed; any size).')
    .argument('<files...>', 'UTF-8 text files')
    .requiredOption('-o, --output <file>', 'where to write the model (lmkit JSON; for --type wordpiece a .txt name writes a BERT vocab.txt)')
    .addOption(new Option('--type <type>', 'tokenizer type').choices(TOKENIZER_TYPES).default('bpe'))
    .option('--variant <name>', `BPE preset: ${Object.keys(BPE_PRESETS).join(', ')} (explicit options override it)`)
    .option('-v, --vocab-size <n>', 'vocabulary size (bpe/wordpiece: target; word: maximum)', positiveInt('--vocab-size'))
    .option('--base <unit>', 'BPE base unit: byte | char', choice('base unit', ['byte', 'char'] as const))
    .option('--pre-tokenizer <name>', 'gpt2 | cl100k | whitespace | none', choice('pre-tokenizer', ['gpt2', 'cl100k', 'whitespace', 'none'] as const))
    .option('--whitespace <mode>', 'attach | metaspace | continuation | end-of-word', choice('whitespace mode', ['attach', 'metaspace', 'continuation', 'endOfWord'] as const, { 'end-of-word': 'endOfWord' }))
    .option('--objective <name>', 'frequency (BPE) | wordpiece (likelihood gain)', choice('objective', ['frequency', 'wordpiece'] as const))
    .option('--min-frequency <n>', 'never merge pairs (or keep words) seen fewer times', positiveInt('--min-frequency'))
    .option('--special <tokens>', 'special tokens, comma-separated (repeatable)', collectList)
    .option('--unk <token>', 'unknown-token name (char-level models default to <unk>)')
    .option('--no-unk', 'no unknown token (unknown input is an error)')
    .option('--continuation-prefix <text>', 'marker of non-initial pieces (default ##)')
    .option('--end-of-word-suffix <text>', 'marker of word-final pieces (default </w>)')
    .option('--lowercase', 'lowercase first (word, wordpiece)')
    .option('--replace-invalid', 'decode invalid UTF-8 as U+FFFD instead of failing')
    .option('-f, --force', 'overwrite an existing output file')
    .option('-q, --quiet', 'no progress bars')
    .action(async (files: string[], flags: TrainFlags) => {
      const spec = trainSpec(flags);
      assertWritable(flags.output, flags.force ?? false);
      const result = await trainTokenizerFromFiles(files, spec, { replaceInvalid: flags.replaceInvalid, quiet: flags.quiet });
      const data = flags.type === 'wordpiece' && flags.output.endsWith('.txt') ? (result.tokenizer as WordPieceTokenizer).vocabText() : result.tokenizer.save();
      writeFileAtomic(flags.output, data, { force: flags.force });
      process.stdout.write(
        `${describeModel(result.tokenizer)}\n` +
          `trained on ${formatBytes(result.bytes)} in ${(result.readSeconds + result.mergeSeconds).toFixed(2)} s ` +
          `(reading ${result.readSeconds.toFixed(2)} s, building ${result.mergeSeconds.toFixed(2)} s) → ${flags.output}\n`,
      );
    });

  tokenizer
    .command('encode')
    .description('Text → token ids (text from arguments, --input, or stdin).')
    .argument('[text...]', 'text to encode (joined with spaces)')
    .requiredOption('-t, --tokenizer <file>', 'model file: lmkit JSON, Hugging Face tokenizer.json, .tiktoken ranks, or a WordPiece vocab.txt')
    .option('--cased', 'a vocab.txt is cased (do not lowercase)')
    .option('-i, --input <file>', 'read the text from a file')
    .option('--allow-special <tokens>', "special tokens to encode as such, comma-separated, or 'all'", collectList)
    .addOption(new Option('--format <format>', 'output: ids (space-separated), tokens (JSON strings), json (both)').choices(['ids', 'tokens', 'json']).default('ids'))
    .option('--replace-invalid', 'decode invalid UTF-8 in --input as U+FFFD')
    .action((words: string[], flags: { tokenizer: string; cased?: boolean; input?: string; allowSpecial?: string[]; format: string; replaceInvalid?: boolean }) => {
      const model = loadTokenizerFile(flags.tokenizer, { cased: flags.cased });
      const text = flags.input !== undefined ? readTextFile(flags.input, { replace: flags.replaceInvalid }) : words.length > 0 ? words.join(' ') : readStdin();
      const ids = model.encode(text, encodeOptions(flags.allowSpecial));
      const tokens = (): string[] => ids.map((id) => model.idToToken(id) ?? '');
      if (flags.format === 'ids') process.stdout.write(`${ids.join(' ')}\n`);
      else if (flags.format === 'tokens') process.stdout.write(`${JSON.stringify(tokens())}\n`);
      else process.stdout.write(`${JSON.stringify({ ids, tokens: tokens() })}\n`);
    });

  tokenizer
    .command('decode')
    .description('Token ids → text (ids from arguments or stdin; separated by spaces, commas or JSON brackets).')
    .argument('[ids...]', 'token ids')
    .requiredOption('-t, --tokenizer <file>', 'model file')
    .action((args: string[], flags: { tokenizer: string }) => {
      const model = loadTokenizerFile(flags.tokenizer);
      const source = args.length > 0 ? args.join(' ') : readStdin();
      const ids = source
        .split(/[\s,[\]]+/)
        .filter((s) => s.length > 0)
        .map((s) => {
          const id = Number(s);
          if (!Number.isInteger(id) || id < 0) throw new Error(`decode: ${JSON.stringify(s)} is not a token id`);
          return id;
        });
      process.stdout.write(model.decode(ids));
      if (process.stdout.isTTY) process.stdout.write('\n');
    });

  tokenizer
    .command('stats')
    .description('Tokens, bytes per token, unknown rate and most frequent tokens of a model on some text files.')
    .argument('<files...>', 'UTF-8 text files')
    .requiredOption('-t, --tokenizer <file>', 'model file')
    .option('--cased', 'a vocab.txt is cased (do not lowercase)')
    .option('--top <n>', 'how many frequent tokens to list', positiveInt('--top'), 10)
    .option('--replace-invalid', 'decode invalid UTF-8 as U+FFFD')
    .option('-q, --quiet', 'no progress bar')
    .action(async (files: string[], flags: { tokenizer: string; cased?: boolean; top: number; replaceInvalid?: boolean; quiet?: boolean }) => {
      const model = loadTokenizerFile(flags.tokenizer, { cased: flags.cased });
      const stats = await statsFromFiles(model, files, { replaceInvalid: flags.replaceInvalid, quiet: flags.quiet, top: flags.top });
      const percent = (x: number): string => `${(100 * x).toFixed(2)}%`;
      const lines = [
        describeModel(model),
        formatTable(
          ['measure', 'value'],
          [
            ['tokens', String(stats.tokens)],
            ['characters', String(stats.characters)],
            ['bytes (UTF-8)', String(stats.bytes)],
            ['bytes per token', stats.bytesPerToken.toFixed(3)],
            ['unknown tokens', `${stats.unknownTokens} (${percent(stats.unknownRate)})`],
            ['vocabulary used', `${stats.tokensUsed} / ${stats.vocabSize} (${percent(stats.tokensUsed / Math.max(1, stats.vocabSize))})`],
          ],
        ),
        '',
        'most frequent tokens:',
        formatTable(['id', 'token', 'count'], stats.top.map((t) => [t.id, JSON.stringify(t.token), t.count])),
        '',
        'most frequent merged tokens (longer than one character):',
        formatTable(['id', 'token', 'count'], stats.topMerged.map((t) => [t.id, JSON.stringify(t.token), t.count])),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
