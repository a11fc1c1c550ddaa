/**
 * Train a GPT-2-style byte-level BPE tokenizer on the bundled tiny-shakespeare,
 * encode and decode a line, stream-decode token by token, save and load it.
 *
 *   npm run build && node dist/examples/train-tokenizer.js
 */
import { readFileSync } from 'node:fs';
import { trainBpe } from '../src/text/bpe/train.js';
import { loadTokenizer } from '../src/text/load.js';

const text = readFileSync(new URL('../../data/tinyshakespeare.txt', import.meta.url), 'utf8');

const started = performance.now();
const tokenizer = trainBpe(text, { vocabSize: 2000, preTokenizer: 'gpt2', specialTokens: ['<|endoftext|>'] });
console.log(`trained ${tokenizer.vocabSize} ids in ${((performance.now() - started) / 1000).toFixed(2)} s`);

const line = 'First Citizen: we are accounted poor citizens.<|endoftext|>';
const ids = tokenizer.encode(line, { allowedSpecial: ['<|endoftext|>'] });
console.log(ids);
console.log(ids.map((id) => tokenizer.idToToken(id)));
console.log(tokenizer.decode(ids) === line);

// Token-by-token decoding (what a sampler does): text comes out as soon as it is complete UTF-8.
const stream = tokenizer.createStreamDecoder();
let shown = '';
for (const id of tokenizer.encode('naïve café 😀')) shown += stream.write(id);
console.log(shown + stream.end());

const reloaded = loadTokenizer(tokenizer.save());
console.log(reloaded.encode('To be, or not to be').join(' '));
