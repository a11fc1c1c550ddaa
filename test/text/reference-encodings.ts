/**
 * Test helpers: reference rank data and reference encoders from the npm
 * devDependencies (never shipped). `tiktoken` (WASM build of OpenAI's Rust
 * core) is THE reference; its encoder JSON files also give us the ranks, which
 * we turn into `.tiktoken` rank-file text so the tests go through our file
 * loader.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { get_encoding, type Tiktoken } from 'tiktoken';
import { loadTiktokenFile } from '../../src/text/formats/tiktoken-file.js';
import type { TiktokenTokenizer } from '../../src/text/tiktoken.js';

const require = createRequire(import.meta.url);

export type ReferenceEncoding = 'gpt2' | 'cl100k_base';

interface EncoderJson {
  pat_str: string;
  special_tokens: Record<string, number>;
  bpe_ranks: string;
}

/** The tiktoken package's compressed ranks ("<ignored> <first rank> <base64> <base64> …" per line) as a `.tiktoken` file. */
export function referenceRankFile(name: ReferenceEncoding): string {
  const json = JSON.parse(readFileSync(require.resolve(`tiktoken/encoders/${name}.json`), 'utf8')) as EncoderJson;
  const lines: string[] = [];
  for (const line of json.bpe_ranks.split('\n')) {
    if (line.length === 0) continue;
    const [, offsetText, ...tokens] = line.split(' ');
    const offset = Number(offsetText);
    tokens.forEach((token, i) => lines.push(`${token} ${offset + i}`));
  }
  return lines.join('\n') + '\n';
}

export function referencePattern(name: ReferenceEncoding): string {
  return (JSON.parse(readFileSync(require.resolve(`tiktoken/encoders/${name}.json`), 'utf8')) as EncoderJson).pat_str;
}

const ours = new Map<ReferenceEncoding, TiktokenTokenizer>();
const theirs = new Map<ReferenceEncoding, Tiktoken>();

export function ourEncoding(name: ReferenceEncoding): TiktokenTokenizer {
  let tokenizer = ours.get(name);
  if (tokenizer === undefined) {
    tokenizer = loadTiktokenFile(referenceRankFile(name), { encoding: name });
    ours.set(name, tokenizer);
  }
  return tokenizer;
}

export function tiktokenEncoding(name: ReferenceEncoding): Tiktoken {
  let encoder = theirs.get(name);
  if (encoder === undefined) {
    encoder = get_encoding(name);
    theirs.set(name, encoder);
  }
  return encoder;
}

/** The bundled corpus (the project's own copy). */
export function shakespeare(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/test/text → repository root
  return readFileSync(join(here, '..', '..', '..', 'data', 'tinyshakespeare.txt'), 'utf8');
}

/** Hand-picked strings where tokenizers go wrong: whitespace runs, contractions after newlines, digits, emoji with ZWJ, CJK, combining marks, code, unusual Unicode whitespace, lone surrogates. */
export const HARD_STRINGS: readonly string[] = [
  '',
  ' ',
  '  ',
  '\n',
  '\n\n\n',
  ' \n \n ',
  'a  b   c    d',
  'trailing spaces   ',
  '   leading spaces',
  '\t\ttabs\tand  spaces \t\n',
  "I'm you're he's we've they'll she'd it'S WE'RE I'M",
  "\n's\n't \n're\n'LL",
  "quote'' ''s '''",
  '1 12 123 1234 12345 123456789 3.14159 1,000,000 -42 +7',
  '٣٤٥ ١٢ Ⅻ ½ ² ₂',
  '👋🏽 👨‍👩‍👧‍👦 🏳️‍🌈 family: 👩‍❤️‍💋‍👨',
  '中文字符测试，日本語のテキスト。한국어 텍스트',
  'e\u0301 n\u0303 a\u0308\u0304 Z\u0335\u0321\u0322a\u0336\u0318l\u0337\u031bg\u0334o',
  'café naïve résumé Ångström',
  'function f(x) {\n    return x * 2; // double\n}\n\tif (a && b) { c(); }\n',
  'def main():\n    print("hello, world")\n\n\nif __name__ == "__main__":\n    main()\n',
  'http://example.com/path?query=1&b=2#frag',
  '\u00a0nbsp\u00a0\u00a0word',
  'thin\u2009space ideographic\u3000space em\u2003space',
  'nel\u0085line ls\u2028ps\u2029 bom\ufeffword zwsp\u200bword',
  '\r\n\r\nwindows\r\nlines\r',
  '   \n   \n',
  '!!!???...,,,;;;',
  "ſtrange 'ſ long s",
  "'ſ 'Ss 'ſt",
  'Mixed123Letters456and789',
  'ALLCAPS lowercase MiXeD',
  '\u0000\u0001\u0002 control \u007f',
  '\ud800 lone high \udc00 lone low \ud83d',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛',
  'a'.repeat(300),
  ' '.repeat(300) + 'x',
  '🙂'.repeat(100),
  'x' + '\n'.repeat(200) + 'y',
  '<|endoftext|> is not special here',
];
