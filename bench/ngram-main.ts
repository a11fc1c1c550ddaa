/** Run only the n-gram benchmark: `node dist/bench/ngram-main.js [--quick]`. */
import { benchNgram } from './ngram.js';

process.stdout.write(`${await benchNgram({ quick: process.argv.includes('--quick') })}\n`);
