/**
 * Char-level BPE ↔ Hugging Face tokenizer.json. Two checks per variant:
 *
 * - round trip: train → toHuggingFaceJson → loadHuggingFaceTokenizer gives a
 *   BpeModel with the same ids and the same decoded text;
 * - the JSON means what we claim: a small re-implementation of the `tokenizers`
 *   semantics we rely on (added tokens first; Split "\n" MergedWithPrevious,
 *   Metaspace replace-only, WhitespaceSplit; BPE merge_word with
 *   continuing_subword_prefix / end_of_word_suffix / unk_token and merges by
 *   rank; decoders Fuse / Metaspace / WordPiece / BPEDecoder), run on the
 *   exported JSON alone, must give the original model's ids and text.
 *   (Regex Split steps reuse lmkit's pre-tokenizer scanners, which are tested
 *   against tiktoken elsewhere.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HARD_STRINGS } from './reference-encodings.js';
import { loadHuggingFaceTokenizer, toHuggingFaceJson } from '../../src/text/formats/hf-json/index.js';
import { BpeModel } from '../../src/text/bpe/model.js';
import { trainBpe } from '../../src/text/bpe/train.js';
import { PRE_TOKENIZER_PATTERNS, preTokenize, type PreTokenizerName } from '../../src/text/bpe/pretokenize.js';
import { isWhiteSpaceCode, type WhitespaceMode } from '../../src/text/bpe/variant.js';

const SHAKESPEARE = readFileSync(new URL('../../../data/tinyshakespeare.txt', import.meta.url), 'utf8');
const TRAIN = SHAKESPEARE.slice(0, 40_000);
const HELD_OUT = SHAKESPEARE.slice(500_000, 520_000);
const EOT = '<|endoftext|>';
const EXTRA_STRINGS = [
  `First${EOT}Citizen: ${EOT}\n${EOT}`,
  'ünïcödé 中文 🙂 ▁already▁marked ##hash </w>suffix',
  'Zounds! ~`@$%^ unknown chars: ß∑øπ',
  `<unk> typed literally, ${EOT}${EOT} twice`,
];
const PRE_TOKENIZERS: readonly PreTokenizerName[] = ['gpt2', 'cl100k', 'whitespace', 'none'];
const MODES: readonly WhitespaceMode[] = ['attach', 'metaspace', 'continuation', 'endOfWord'];
const ALL = { allowedSpecial: 'all' } as const;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function sameIds(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: ${actual.length} ids, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) assert.fail(`${label}: first difference at id ${i} (${actual[i]} vs ${expected[i]})`);
}

// ---------------------------------------------------------------- a tokenizers stand-in

/** Hugging Face's semantics for the subset of tokenizer.json that lmkit writes for char-level BPE. */
class HfSimulation {
  private readonly vocab: Map<string, number>;
  private readonly byId = new Map<number, string>();
  private readonly ranks = new Map<string, [number, number]>();
  private readonly prefix: string;
  private readonly suffix: string;
  private readonly unkId: number | undefined;
  private readonly added: string[];

  constructor(private readonly json: Json) {
    const model = json.model;
    this.vocab = new Map(Object.entries(model.vocab as Record<string, number>));
    for (const [text, id] of this.vocab) this.byId.set(id, text);
    this.prefix = model.continuing_subword_prefix ?? '';
    this.suffix = model.end_of_word_suffix ?? '';
    this.unkId = model.unk_token === null ? undefined : this.vocab.get(model.unk_token);
    (model.merges as Array<string | [string, string]>).forEach((entry, rank) => {
      const [a, b] = typeof entry === 'string' ? (entry.split(' ') as [string, string]) : entry;
      const result = this.vocab.get(a + b.slice(this.prefix.length));
      assert.ok(result !== undefined, `merge ${rank}: result not in vocab`);
      this.ranks.set(`${this.vocab.get(a)} ${this.vocab.get(b)}`, [rank, result]);
    });
    this.added = (json.added_tokens as Array<{ content: string }>).map((t) => t.content).sort((x, y) => y.length - x.length);
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    // Added tokens: leftmost, longest.
    let start = 0;
    for (let i = 0; i < text.length; ) {
      const hit = this.added.find((token) => text.startsWith(token, i));
      if (hit === undefined) {
        i++;
        continue;
      }
      this.encodeOrdinary(text.slice(start, i), ids);
      ids.push(this.vocab.get(hit) ?? -1);
      i += hit.length;
      start = i;
    }
    this.encodeOrdinary(text.slice(start), ids);
    return ids;
  }

  private preTokenize(text: string): string[] {
    const node = this.json.pre_tokenizer;
    const steps: Json[] = node.type === 'Sequence' ? node.pretokenizers : [node];
    let pieces = text.length > 0 ? [text] : [];
    for (const step of steps) pieces = pieces.flatMap((piece) => applyStep(step, piece));
    return pieces.filter((piece) => piece.length > 0);
  }

  private encodeOrdinary(text: string, out: number[]): void {
    for (const piece of this.preTokenize(text)) out.push(...this.mergeWord(piece));
  }

  /** tokenizers' BPE::merge_word: look up each character (with prefix / suffix), then merge the lowest-rank pair, leftmost first. */
  private mergeWord(word: string): number[] {
    const chars = [...word];
    const symbols: number[] = [];
    chars.forEach((ch, i) => {
      let s = ch;
      if (i > 0 && this.prefix !== '') s = this.prefix + s;
      if (i === chars.length - 1 && this.suffix !== '') s = s + this.suffix;
      const id = this.vocab.get(s) ?? this.unkId;
      if (id !== undefined) symbols.push(id);
    });
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      let bestResult = -1;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const merge = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (merge !== undefined && merge[0] < bestRank) [best, bestRank, bestResult] = [i, merge[0], merge[1]];
      }
      if (best < 0) return symbols;
      symbols.splice(best, 2, bestResult);
    }
  }

  decode(ids: readonly number[]): string {
    const tokens = ids.map((id) => this.byId.get(id) ?? (this.json.added_tokens as Array<{ id: number; content: string }>).find((t) => t.id === id)!.content);
    const decoder = this.json.decoder;
    switch (decoder.type) {
      case 'Fuse':
        return tokens.join('');
      case 'Metaspace':
        assert.equal(decoder.prepend_scheme, 'never');
        return tokens.map((t) => t.replaceAll(decoder.replacement, ' ')).join('');
      case 'WordPiece':
        assert.equal(decoder.cleanup, false);
        return tokens.map((t, i) => (i === 0 ? t : t.startsWith(decoder.prefix) ? t.replace(decoder.prefix, '') : ' ' + t)).join('');
      case 'BPEDecoder':
        return tokens.map((t, i) => t.replaceAll(decoder.suffix, i === tokens.length - 1 ? '' : ' ')).join('');
      default:
        throw new Error(`decoder ${decoder.type}`);
    }
  }
}

function applyStep(step: Json, piece: string): string[] {
  switch (step.type) {
    case 'Split': {
      if (step.pattern.String !== undefined) {
        // MergedWithPrevious: each delimiter joins the piece before it, unless that piece was a delimiter too.
        assert.equal(step.behavior, 'MergedWithPrevious');
        const delimiter: string = step.pattern.String;
        const out: string[] = [];
        let previousMatch = false;
        for (const part of piece.split(delimiter).flatMap((p, i) => (i === 0 ? [p] : [delimiter, p]))) {
          if (part === '') continue;
          const isMatch = part === delimiter;
          if (isMatch && !previousMatch && out.length > 0) out[out.length - 1] += part;
          else out.push(part);
          previousMatch = isMatch;
        }
        return out;
      }
      assert.equal(step.behavior, 'Isolated');
      const name = (Object.keys(PRE_TOKENIZER_PATTERNS) as PreTokenizerName[]).find((n) => PRE_TOKENIZER_PATTERNS[n] === step.pattern.Regex);
      assert.ok(name !== undefined && name !== 'none');
      return preTokenize(piece, name);
    }
    case 'Metaspace':
      assert.equal(step.prepend_scheme, 'never');
      assert.equal(step.split, false);
      return [piece.replaceAll(' ', step.replacement)];
    case 'WhitespaceSplit': {
      const out: string[] = [];
      let word = '';
      for (const ch of piece) {
        if (isWhiteSpaceCode(ch.codePointAt(0)!)) {
          if (word !== '') out.push(word);
          word = '';
        } else word += ch;
      }
      if (word !== '') out.push(word);
      return out;
    }
    default:
      throw new Error(`pre-tokenizer ${step.type}`);
  }
}

// ---------------------------------------------------------------- tests

const texts = [HELD_OUT, TRAIN.slice(0, 5_000), ...HARD_STRINGS, ...EXTRA_STRINGS];

for (const whitespace of MODES) {
  test(`char-level BPE, whitespace '${whitespace}': tokenizer.json round trip and Hugging Face semantics, every pre-tokenizer`, () => {
    for (const preTokenizer of PRE_TOKENIZERS) {
      const label = `${whitespace}/${preTokenizer}`;
      const model = trainBpe(TRAIN, { vocabSize: 300, base: 'char', preTokenizer, whitespace, specialTokens: [EOT] });
      assert.equal(model.variant.unkToken, '<unk>');
      const text = toHuggingFaceJson(model);
      const json = JSON.parse(text) as Json;

      // The fields, as the tokenizers library names them.
      assert.equal(json.model.type, 'BPE');
      assert.equal(json.model.unk_token, '<unk>');
      assert.equal(json.model.fuse_unk, false);
      assert.equal(json.model.byte_fallback, false);
      assert.equal(json.model.continuing_subword_prefix, whitespace === 'continuation' ? '##' : null);
      assert.equal(json.model.end_of_word_suffix, whitespace === 'endOfWord' ? '</w>' : null);
      assert.equal(json.model.vocab['<unk>'], 0);
      assert.equal(json.model.vocab[EOT], 1);
      assert.equal(Object.keys(json.model.vocab).length, model.vocabSize);
      assert.equal(json.model.merges.length, model.merges().length);
      assert.equal(json.normalizer, null);
      assert.deepEqual(
        json.added_tokens.map((t: Json) => [t.id, t.content, t.special, t.normalized]),
        [
          [0, '<unk>', true, false],
          [1, EOT, true, false],
        ],
      );
      const pre = json.pre_tokenizer;
      const steps: Json[] = pre.type === 'Sequence' ? pre.pretokenizers : [pre];
      const split = preTokenizer === 'none' ? { type: 'Split', pattern: { String: '\n' }, behavior: 'MergedWithPrevious', invert: false } : { type: 'Split', pattern: { Regex: PRE_TOKENIZER_PATTERNS[preTokenizer] }, behavior: 'Isolated', invert: false };
      if (whitespace === 'attach') {
        assert.deepEqual(steps, [split]);
        assert.deepEqual(json.decoder, { type: 'Fuse' });
      } else if (whitespace === 'metaspace') {
        assert.deepEqual(steps, [split, { type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: false }]);
        assert.deepEqual(json.decoder, { type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: false });
      } else {
        assert.deepEqual(steps, preTokenizer === 'gpt2' || preTokenizer === 'cl100k' ? [split, { type: 'WhitespaceSplit' }] : [{ type: 'WhitespaceSplit' }]);
        assert.deepEqual(json.decoder, whitespace === 'continuation' ? { type: 'WordPiece', prefix: '##', cleanup: false } : { type: 'BPEDecoder', suffix: '</w>' });
      }
      if (whitespace === 'continuation') assert.ok(Object.keys(json.model.vocab).some((t) => t.startsWith('##')));
      if (whitespace === 'endOfWord') assert.ok(Object.keys(json.model.vocab).some((t) => t.endsWith('</w>')));
      // Tokens with spaces force the [left, right] merge form.
      const spaced = whitespace === 'attach';
      assert.equal(typeof json.model.merges[0], spaced ? 'object' : 'string', `${label}: merge form`);

      // Round trip.
      const imported = loadHuggingFaceTokenizer(text, { source: label });
      assert.ok(imported instanceof BpeModel, label);
      assert.equal(imported.variant.whitespace, whitespace);
      assert.equal(imported.vocabSize, model.vocabSize);
      assert.equal(toHuggingFaceJson(imported), text, `${label}: re-export is identical`);

      const hf = new HfSimulation(json);
      for (const [i, sample] of texts.entries()) {
        const ids = model.encode(sample, ALL);
        sameIds(imported.encode(sample, ALL), ids, `${label} text ${i} (import)`);
        sameIds(hf.encode(sample), ids, `${label} text ${i} (tokenizers semantics)`);
        const decoded = model.decode(ids);
        assert.equal(imported.decode(ids), decoded, `${label} text ${i}: decode`);
        // endOfWord: lmkit puts spaces around special tokens, BPEDecoder does not (documented difference).
        const hasSpecial = ids.some((id) => model.isSpecial(id));
        if (!(whitespace === 'endOfWord' && hasSpecial)) assert.equal(hf.decode(ids), decoded, `${label} text ${i}: tokenizers decode`);
      }
      if (whitespace === 'attach' || whitespace === 'metaspace') {
        // Lossless on text whose characters are all in the alphabet (the held-out slice has a 'Z' the training slice lacks).
        const known = TRAIN.slice(20_000);
        assert.equal(imported.decode(imported.encode(known)), known, `${label}: lossless on known characters`);
      }
      assert.ok(model.encode('中🙂').every((id) => id === 0), `${label}: unknown characters → <unk>`);
    }
  });
}

test('char-level BPE export refuses models Hugging Face would run differently, naming the variant', () => {
  const noUnk = trainBpe(TRAIN.slice(0, 5_000), { vocabSize: 120, base: 'char', preTokenizer: 'gpt2', whitespace: 'endOfWord', unkToken: null });
  assert.throws(() => toHuggingFaceJson(noUnk), /char-level BPE model \(whitespace 'endOfWord', pre-tokenizer 'gpt2'\) cannot be exported: it has no unkToken/);

  // A word that starts with the continuation prefix: HF's WordPiece decoder would glue it to the previous word.
  const hashes = trainBpe('##tag ##tag ##tag plain words here\n'.repeat(20), { vocabSize: 60, base: 'char', preTokenizer: 'whitespace', whitespace: 'continuation' });
  assert.throws(() => toHuggingFaceJson(hashes), /whitespace 'continuation', pre-tokenizer 'whitespace'\) cannot be exported: token \d+ "##.*" starts with the continuation prefix/);

  // A word containing the end-of-word suffix: HF's spelling would collide / BPEDecoder would turn it into a space.
  const suffixed = trainBpe('a</w>b a</w>b low lower\n'.repeat(20), { vocabSize: 60, base: 'char', preTokenizer: 'whitespace', whitespace: 'endOfWord' });
  assert.throws(() => toHuggingFaceJson(suffixed), /whitespace 'endOfWord', pre-tokenizer 'whitespace'\) cannot be exported: (tokens \d+ and \d+ would both be spelled|token \d+ .* contains the end-of-word suffix)/);

  // Byte-level models still need whitespace 'attach'.
  const byteMeta = trainBpe(TRAIN.slice(0, 5_000), { vocabSize: 300, base: 'byte', preTokenizer: 'none', whitespace: 'metaspace' });
  assert.throws(() => toHuggingFaceJson(byteMeta), /base 'byte' and whitespace 'metaspace' cannot be exported/);
});

test('char-level tokenizer.json import: settings lmkit cannot run exactly are rejected by field', () => {
  const model = trainBpe(TRAIN.slice(0, 10_000), { vocabSize: 150, base: 'char', preTokenizer: 'none', whitespace: 'metaspace' });
  const json = JSON.parse(toHuggingFaceJson(model)) as Json;
  const bad = (mutate: (copy: Json) => void): string => {
    const copy = structuredClone(json);
    mutate(copy);
    return JSON.stringify(copy);
  };
  const metaspace = (c: Json): Json => c.pre_tokenizer.pretokenizers[1];
  assert.throws(() => loadHuggingFaceTokenizer(bad((c) => (metaspace(c).prepend_scheme = 'always'))), /field "pre_tokenizer\.pretokenizers\[1\]\.prepend_scheme": "always" is not supported/);
  assert.throws(() => loadHuggingFaceTokenizer(bad((c) => (metaspace(c).split = true))), /field "pre_tokenizer\.pretokenizers\[1\]\.split": expected false/);
  assert.throws(() => loadHuggingFaceTokenizer(bad((c) => (c.pre_tokenizer = metaspace(c)))), /field "pre_tokenizer": expected a Split step first/);
  assert.throws(() => loadHuggingFaceTokenizer(bad((c) => (c.pre_tokenizer = null))), /field "pre_tokenizer": null is not supported/);
  assert.throws(() => loadHuggingFaceTokenizer(bad((c) => (c.model.fuse_unk = true))), /field "model\.fuse_unk"/);
  assert.throws(() => loadHuggingFaceTokenizer(bad((c) => (c.model.byte_fallback = true))), /field "model\.byte_fallback"/);
  assert.throws(() => loadHuggingFaceTokenizer(bad((c) => (c.decoder = { type: 'Fuse' }))), /field "decoder": expected a Metaspace decoder/);
  assert.throws(() => loadHuggingFaceTokenizer(bad((c) => (c.normalizer = { type: 'NFC' }))), /field "normalizer": must be null/);
  assert.throws(() => loadHuggingFaceTokenizer(bad((c) => (c.pre_tokenizer.pretokenizers[0] = { type: 'Split', pattern: { Regex: '\\w+' }, behavior: 'Isolated', invert: false }))), /unsupported regex/);
  assert.throws(() => loadHuggingFaceTokenizer(bad((c) => (c.model.vocab['xyz'] = 9999))), /field "model\.vocab\["xyz"\]": is neither one character/);
  // Legacy spelling of the same Metaspace settings is accepted.
  const legacy = loadHuggingFaceTokenizer(
    bad((c) => {
      delete metaspace(c).prepend_scheme;
      metaspace(c).add_prefix_space = false;
    }),
  );
  sameIds(legacy.encode(HELD_OUT), model.encode(HELD_OUT), 'legacy add_prefix_space: false');
});
