/**
 * One tokenizer training run in its own process, so its peak RSS is its own:
 *   node dist/bench/tokenizer-train-child.js <file> <vocabSize> <config>
 * prints JSON { seconds, readSeconds, mergeSeconds, maxRssMB, distinctWords, vocabSize }.
 */
import { fileURLToPath } from 'node:url';
import { trainTokenizerFromFiles } from '../src/node/text/tokenizer-files.js';
import type { BpeModel } from '../src/text/bpe/model.js';
import { BPE_PRESETS, type BpeVariant, type MergeObjective } from '../src/text/bpe/variant.js';

/** Configurations the bench compares; 'spm-like' splits at white space like spm_train does. */
export const TRAIN_CONFIGS: Readonly<Record<string, Partial<BpeVariant> & { objective?: MergeObjective }>> = {
  gpt2: BPE_PRESETS.gpt2,
  gpt4: BPE_PRESETS.gpt4,
  'spm-like': { base: 'char', preTokenizer: 'whitespace', whitespace: 'metaspace', unkToken: '<unk>' },
  sentencepiece: BPE_PRESETS.sentencepiece,
  wordpiece: BPE_PRESETS.wordpiece,
};

async function main(): Promise<void> {
  const [file, vocabText, config] = process.argv.slice(2);
  const variant = TRAIN_CONFIGS[config];
  if (!file || !vocabText || !variant) throw new Error('usage: tokenizer-train-child <file> <vocabSize> <config>');
  const start = performance.now();
  const result = await trainTokenizerFromFiles([file], { type: 'bpe', vocabSize: Number(vocabText), bpe: variant, unkToken: variant.unkToken ?? null }, { quiet: true });
  const seconds = (performance.now() - start) / 1000;
  const model = result.tokenizer as BpeModel;
  process.stdout.write(
    JSON.stringify({
      seconds,
      readSeconds: result.readSeconds,
      mergeSeconds: result.mergeSeconds,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      distinctWords: model.training?.distinctWords ?? 0,
      vocabSize: model.vocabSize,
    }),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
