/** Random corpora for oracle comparisons: Zipf-like repeated words over a small, awkward alphabet. */
import { Generator } from '../../../src/tensor/random.js';

const LETTERS = ['a', 'b', 'c', 'a', 'b', 'é', 'ß', '😀', '1', '2', '.', ',', "'", '’', '\u2581', 'e\u0301'];
const SEPARATORS = [' ', ' ', ' ', '\n', '  ', '\t', ' \n', '\u00a0', '\u3000'];

export function randomCorpus(seed: number, words = 300): string {
  const gen = new Generator(seed);
  const lexicon: string[] = [];
  for (let i = 0; i < 25; i++) {
    let word = '';
    const length = gen.randint(1, 7);
    for (let k = 0; k < length; k++) word += LETTERS[gen.randint(0, LETTERS.length)];
    lexicon.push(word);
  }
  let text = '';
  for (let i = 0; i < words; i++) {
    // Zipf-like: low indices much more often.
    const index = Math.min(lexicon.length - 1, Math.floor(lexicon.length * gen.random() ** 3));
    text += lexicon[index] + SEPARATORS[gen.randint(0, SEPARATORS.length)];
  }
  return text;
}

/** Random short strings over the same alphabet, for encode comparisons. */
export function randomStrings(seed: number, count: number): string[] {
  const gen = new Generator(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = '';
    const length = gen.randint(0, 30);
    for (let k = 0; k < length; k++) s += gen.random() < 0.2 ? SEPARATORS[gen.randint(0, SEPARATORS.length)] : LETTERS[gen.randint(0, LETTERS.length)];
    out.push(s);
  }
  return out;
}
