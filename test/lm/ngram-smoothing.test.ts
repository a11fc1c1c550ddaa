/**
 * Every estimator against hand-computed values on a tiny corpus, the
 * sum-to-one property for every context, and a brute-force oracle (a direct,
 * string-keyed implementation of the formulas) on random corpora.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '../../src/tensor/random.js';
import {
  DiscountEstimationError,
  estimationCounts,
  countNgrams,
  type NgramModel,
  NgramVocabulary,
  buildCorpus,
  type Smoothing,
  type SmoothingOptions,
  trainNgramFromSentences,
} from '../../src/lm/ngram/index.js';

const split = (lines: string[]): string[][] => lines.map((l) => l.split(' '));

function prob(m: NgramModel, context: string[], word: string): number {
  const state = m.stateAfter(context.map((w) => m.vocab.id(w)), m.nullState());
  return 10 ** m.log10Prob(state, m.vocab.id(word));
}

function close(got: number, want: number, what: string, rel = 2e-6): void {
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want) + 1e-9, `${what}: got ${got}, want ${want}`);
}

// Tiny corpus A, order 2, padded:  <s> a b a </s>   <s> b a c </s>
// Predictable vocabulary V = {<unk>, </s>, a, b, c}: |V| = 5.
// Raw unigrams: a 3, b 2, c 1, </s> 2, <unk> 0 — total 8, T = 4 distinct.
// Bigrams: <s>a 1, ab 1, ba 2, a</s> 1, <s>b 1, ac 1, c</s> 1.
// Contexts: <s>{a1,b1} E=2 T=2;  a{b1,</s>1,c1} E=3 T=3;  b{a2} E=2 T=1;  c{</s>1} E=1 T=1.
const corpusA = split(['a b a', 'b a c']);
const train = (smoothing: Smoothing, extra: Partial<SmoothingOptions> = {}, order = 2, corpus = corpusA): NgramModel =>
  trainNgramFromSentences(corpus, { order, smoothing, ...extra }).model;

test('MLE by hand: p = count / context count', () => {
  const m = train('mle');
  close(prob(m, ['a'], 'b'), 1 / 3, 'p(b|a)');
  close(prob(m, ['b'], 'a'), 1, 'p(a|b)');
  close(prob(m, ['<s>'], 'a'), 1 / 2, 'p(a|<s>)');
  close(prob(m, [], 'a'), 3 / 8, 'p(a)');
  assert.equal(prob(m, ['b'], 'c'), 0, 'unseen bigram has probability 0');
  assert.equal(prob(m, [], '<unk>'), 0, '<unk> never seen');
});

test('add-k (Laplace, k = 1) by hand: unigrams (c+1)/(N+V); unseen bigram mass backs off (Katz)', () => {
  const m = train('addk', { k: 1 });
  // unigrams: (c + 1) / (8 + 5)
  close(prob(m, [], 'a'), 4 / 13, 'p(a)');
  close(prob(m, [], 'c'), 2 / 13, 'p(c)');
  close(prob(m, [], '<unk>'), 1 / 13, 'p(<unk>)');
  // context b: seen a → (2+1)/(2+5) = 3/7; left 4/7 spread over unseen words by p_uni:
  // γ(b) = (4/7) / (1 − p(a)) = (4/7)/(9/13) = 52/63; p(c|b) = 52/63 · 2/13 = 8/63
  close(prob(m, ['b'], 'a'), 3 / 7, 'p(a|b)');
  close(prob(m, ['b'], 'c'), 8 / 63, 'p(c|b)');
  // context a: b, </s>, c each (1+1)/(3+5) = 1/4; γ(a) = (1/4)/(1 − 8/13) = 13/20; p(a|a) = 13/20 · 4/13 = 1/5
  close(prob(m, ['a'], 'b'), 1 / 4, 'p(b|a)');
  close(prob(m, ['a'], 'a'), 1 / 5, 'p(a|a)');
  close(prob(m, ['a'], '<unk>'), 1 / 20, 'p(<unk>|a)');
  // Lidstone k = 0.5: p(a) = (3 + 0.5)/(8 + 2.5)
  close(prob(train('addk', { k: 0.5 }), [], 'a'), 3.5 / 10.5, 'Lidstone p(a)');
});

test('Witten-Bell by hand: p = (c + T·p_lower)/(E + T), unigrams over uniform 1/5', () => {
  const m = train('wb');
  // unigrams: (c + 4·(1/5)) / (8 + 4)
  close(prob(m, [], 'a'), 3.8 / 12, 'p(a)');
  close(prob(m, [], '<unk>'), 0.8 / 12, 'p(<unk>)');
  // p(a|b) = (2 + 1·3.8/12)/(2 + 1); p(c|b) = (0 + 1·1.8/12)/3; p(b|a) = (1 + 3·2.8/12)/(3 + 3)
  close(prob(m, ['b'], 'a'), (2 + 3.8 / 12) / 3, 'p(a|b)');
  close(prob(m, ['b'], 'c'), 1.8 / 12 / 3, 'p(c|b)');
  close(prob(m, ['a'], 'b'), (1 + (3 * 2.8) / 12) / 6, 'p(b|a)');
});

test('absolute discounting by hand: D = n1/(n1 + 2 n2) per order', () => {
  const m = train('ad');
  // bigram raw counts {1,1,2,1,1,1,1}: n1 = 6, n2 = 1 → D2 = 6/8 = 0.75
  // unigram raw counts {a3, b2, c1, </s>2}: n1 = 1, n2 = 2 → D1 = 1/5 = 0.2
  // p(w) = max(c − 0.2, 0)/8 + (0.2·4/8)·(1/5): a 0.37, b 0.245, c 0.12, </s> 0.245, <unk> 0.02
  close(prob(m, [], 'a'), 0.37, 'p(a)');
  close(prob(m, [], 'c'), 0.12, 'p(c)');
  close(prob(m, [], '<unk>'), 0.02, 'p(<unk>)');
  // p(a|b) = (2 − .75)/2 + (.75·1/2)·0.37 = 0.76375; p(c|b) = .375·0.12 = 0.045
  close(prob(m, ['b'], 'a'), 0.76375, 'p(a|b)');
  close(prob(m, ['b'], 'c'), 0.045, 'p(c|b)');
  // p(b|a) = (1 − .75)/3 + (.75·3/3)·0.245
  close(prob(m, ['a'], 'b'), 0.25 / 3 + 0.75 * 0.245, 'p(b|a)');
});

test('interpolated Kneser-Ney by hand: unigrams use continuation counts', () => {
  const m = train('kn');
  // continuation counts N1+(•w): a {<s>, b} 2, b {a, <s>} 2, c {a} 1, </s> {a, c} 2 — total 7
  // D1 = n1/(n1 + 2 n2) = 1/(1 + 6) = 1/7; γ = (1/7 · 4)/7 = 4/49
  // p(a) = (2 − 1/7)/7 + (4/49)/5 = 69/245; p(c) = 34/245; p(<unk>) = 4/245
  close(prob(m, [], 'a'), 69 / 245, 'p(a)');
  close(prob(m, [], 'c'), 34 / 245, 'p(c)');
  close(prob(m, [], '<unk>'), 4 / 245, 'p(<unk>)');
  // bigrams keep raw counts, D2 = 0.75: p(a|b) = 0.625 + 0.375·69/245; p(c|b) = 0.375·34/245
  close(prob(m, ['b'], 'a'), 0.625 + (0.375 * 69) / 245, 'p(a|b)');
  close(prob(m, ['b'], 'c'), (0.375 * 34) / 245, 'p(c|b)');
  close(prob(m, ['a'], 'b'), 0.25 / 3 + (0.75 * 69) / 245, 'p(b|a)');
});

test('stupid backoff by hand: relative frequency, else 0.4 × lower order', () => {
  const m = train('stupid');
  close(prob(m, ['b'], 'a'), 1, 'S(a|b)');
  close(prob(m, ['b'], 'c'), 0.4 * (1 / 8), 'S(c|b) = 0.4·S(c)');
  close(prob(m, [], 'a'), 3 / 8, 'S(a)');
  assert.equal(m.info.normalized, false);
});

// Corpus B, order 2, for modified Kneser-Ney with estimated discounts:
//   "a b" ×2, "a", "b a c"
// Bigrams: <s>a 3, ab 2, b</s> 2, a</s> 1, <s>b 1, ba 1, ac 1, c</s> 1
//   → n1 = 5, n2 = 2, n3 = 1, n4 = 0; Y = 5/9
//   D1 = 1 − 2·Y·n2/n1 = 5/9, D2 = 2 − 3·Y·n3/n2 = 7/6, D3+ = 3 − 4·Y·n4/n3 = 3
// Unigram adjusted (continuation) counts: a {<s>,b} 2, b {a,<s>} 2, c {a} 1, </s> {b,a,c} 3
//   → n1 = 1, n2 = 2, n3 = 1, n4 = 0; Y = 1/5 → D1 = 0.2, D2 = 1.7, D3+ = 3
// Unigrams: E = 8, γ = (2·1.7 + 0.2 + 3)/8 = 0.825, uniform 1/5:
//   p(a) = p(b) = (2 − 1.7)/8 + 0.825/5 = 0.2025; p(c) = 0.8/8 + 0.165 = 0.265; p(</s>) = p(<unk>) = 0.165
// Context <s> {a3, b1}: E = 4, γ = (3 + 5/9)/4 = 8/9:
//   p(a|<s>) = 0 + 8/9·0.2025 = 0.18; p(b|<s>) = (1 − 5/9)/4 + 0.18; p(c|<s>) = 8/9·0.265
// Context a {b2, </s>1, c1}: γ = (7/6 + 10/9)/4 = 41/72; p(b|a) = (2 − 7/6)/4 + 41/72·0.2025
// Context b {</s>2, a1}: γ = (7/6 + 5/9)/3 = 31/54; p(</s>|b) = (5/6)/3 + 31/54·0.165
const corpusB = split(['a b', 'a b', 'a', 'b a c']);

test('modified Kneser-Ney by hand: lmplz discounts from adjusted count-of-counts', () => {
  const r = trainNgramFromSentences(corpusB, { order: 2, smoothing: 'mkn' });
  const d = r.estimate.discounts;
  close(d[1][0], 0.2, 'D1(1)');
  close(d[1][1], 1.7, 'D1(2)');
  close(d[1][2], 3, 'D1(3+)');
  close(d[2][0], 5 / 9, 'D2(1)');
  close(d[2][1], 7 / 6, 'D2(2)');
  close(d[2][2], 3, 'D2(3+)');
  const m = r.model;
  close(prob(m, [], 'a'), 0.2025, 'p(a)');
  close(prob(m, [], 'c'), 0.265, 'p(c)');
  close(prob(m, [], '</s>'), 0.165, 'p(</s>)');
  close(prob(m, [], '<unk>'), 0.165, 'p(<unk>)');
  close(prob(m, ['<s>'], 'a'), 0.18, 'p(a|<s>)');
  close(prob(m, ['<s>'], 'b'), 1 / 9 + 0.18, 'p(b|<s>)');
  close(prob(m, ['<s>'], 'c'), (8 / 9) * 0.265, 'p(c|<s>)');
  close(prob(m, ['a'], 'b'), 5 / 24 + (41 / 72) * 0.2025, 'p(b|a)');
  close(prob(m, ['b'], '</s>'), 5 / 18 + (31 / 54) * 0.165, 'p(</s>|b)');
  // the ARPA backoff of a context is its γ
  const tables = m.tables;
  close(10 ** (tables[1].logBackoff as Float32Array)[m.vocab.id('a')], 41 / 72, 'backoff(a)');
});

test('modified Kneser-Ney with fixed discounts (lmplz --discount_fallback values) by hand', () => {
  // Corpus A cannot estimate MKN discounts (no adjusted count 3); with D = 0.5, 1, 1.5:
  // unigram adjusted counts a2 b2 c1 </s>2, E = 7, γ = (3·1 + 0.5)/7 = 0.5
  // p(a) = (2 − 1)/7 + 0.5/5; p(c) = 0.5/7 + 0.1; p(<unk>) = 0.1
  // context b {a2}: p(a|b) = (2−1)/2 + 0.5·p(a); context a {b1,</s>1,c1}: γ = 1.5/3, p(b|a) = 0.5/3 + 0.5·p(b)
  const m = train('mkn', { discountFallback: true });
  const pa = 1 / 7 + 0.1;
  close(prob(m, [], 'a'), pa, 'p(a)');
  close(prob(m, [], 'c'), 0.5 / 7 + 0.1, 'p(c)');
  close(prob(m, [], '<unk>'), 0.1, 'p(<unk>)');
  close(prob(m, ['b'], 'a'), 0.5 + 0.5 * pa, 'p(a|b)');
  close(prob(m, ['a'], 'b'), 0.5 / 3 + 0.5 * pa, 'p(b|a)');
});

test('undeterminable MKN discounts: error names the order and count, suggests a fallback', () => {
  assert.throws(
    () => train('mkn'),
    (err: unknown) => {
      assert.ok(err instanceof DiscountEstimationError);
      assert.equal(err.order, 1);
      assert.match(err.message, /1-grams/);
      assert.match(err.message, /adjusted count 3/);
      assert.match(err.message, /--discount-fallback/);
      return true;
    },
  );
});

test('KenLM adjusted counts: raw for the top order and for n-grams starting with <s>, else left-continuation counts', () => {
  const vocab = new NgramVocabulary();
  const corpus = buildCorpus(corpusB, vocab, { grow: true, padding: true });
  const counts = countNgrams(corpus, { order: 3, padding: true, vocabSize: vocab.size });
  const est = estimationCounts(counts, true);
  const t2 = counts.tables[2]!;
  const bigram = (a: string, b: string): number => est[2][t2.index.find(vocab.id(a), vocab.id(b))];
  // "<s> a" begins with <s>: raw count 3; "a b": distinct left words {<s>} → 1; "b </s>": {a} → 1 … "a </s>": {<s>} → 1
  assert.equal(bigram('<s>', 'a'), 3);
  assert.equal(bigram('a', 'b'), 1);
  assert.equal(bigram('b', '</s>'), 1);
  assert.equal(bigram('a', 'c'), 1);
  // unigram a: left words in bigrams {<s>, b} → 2; </s>: {b, a, c} → 3; <s>: 0
  assert.equal(est[1][vocab.id('a')], 2);
  assert.equal(est[1][vocab.id('</s>')], 3);
  assert.equal(est[1][vocab.id('<s>')], 0);
  // the top order keeps raw counts: "<s> a b" occurs twice
  const t3 = counts.tables[3]!;
  assert.equal(est[3][t3.index.find(t2.index.find(vocab.id('<s>'), vocab.id('a')), vocab.id('b'))], 2);
});

// ------------------------------------------------------------ sums to one

function randomCorpus(seed: number, sentences: number, vocab: number): string[][] {
  const g = new Generator(seed);
  const words = Array.from({ length: vocab }, (_, i) => `w${i}`);
  // Zipf-ish weights so counts of 1, 2, 3, 4 all occur.
  const weights = words.map((_, i) => 1 / (i + 1));
  const out: string[][] = [];
  for (let s = 0; s < sentences; s++) {
    const len = 1 + g.randint(0, 8);
    out.push(Array.from({ length: len }, () => words[g.categorical(weights)]));
  }
  return out;
}

function contextsOf(corpus: string[][], order: number, padding: boolean): string[][] {
  const seen = new Map<string, string[]>();
  for (const s of corpus) {
    const seq = padding ? ['<s>', ...s, '</s>'] : s;
    for (let i = 0; i < seq.length; i++) {
      for (let k = 1; k < order && i - k + 1 >= 0; k++) {
        const ctx = seq.slice(i - k + 1, i + 1);
        if (ctx.includes('</s>')) continue;
        seen.set(ctx.join(' '), ctx);
      }
    }
  }
  return [[], ...seen.values(), ['w0', 'w0', 'w0', 'w0'], ['never', 'seen']];
}

const normalized: Smoothing[] = ['mle', 'addk', 'wb', 'ad', 'kn', 'mkn'];

test('every normalized estimator sums to 1 over the vocabulary for every context (orders 1-4, with and without pruning)', () => {
  const corpus = randomCorpus(7, 120, 12);
  for (const smoothing of normalized) {
    for (const order of [1, 2, 3, 4]) {
      for (const minCounts of [undefined, [0, 2, 2, 3]]) {
        const m = trainNgramFromSentences(corpus, { order, smoothing, discountFallback: true, minCounts }).model;
        for (const ctx of contextsOf(corpus, order, true)) {
          const state = m.stateAfter(ctx.map((w) => m.vocab.id(w)), m.nullState());
          const lp = m.nextLogProbs(state);
          let sum = 0;
          for (const x of lp) sum += Math.exp(x);
          assert.ok(Math.abs(sum - 1) < 1e-5, `${smoothing} order ${order} prune ${minCounts} context [${ctx.join(' ')}]: Σp = ${sum}`);
          // nextLogProbs agrees with single-token queries
          const w = m.vocab.id('w1');
          const single = m.tokenLogProb(state, w);
          assert.ok(lp[w] === single || Math.abs(lp[w] - single) < 1e-9, `nextLogProbs ${lp[w]} vs tokenLogProb ${single}`);
        }
      }
    }
  }
});

test('unpadded (continuous stream) models also sum to 1 and never predict <s> or </s>', () => {
  const corpus = randomCorpus(11, 60, 8);
  for (const smoothing of normalized) {
    const m = trainNgramFromSentences(corpus, { order: 3, smoothing, padding: false, discountFallback: true }).model;
    for (const ctx of contextsOf(corpus, 3, false)) {
      const lp = m.nextLogProbs(m.stateAfter(ctx.map((w) => m.vocab.id(w)), m.nullState()));
      let sum = 0;
      for (const x of lp) sum += Math.exp(x);
      assert.ok(Math.abs(sum - 1) < 1e-5, `${smoothing} [${ctx.join(' ')}]: Σp = ${sum}`);
      assert.equal(lp[1], Number.NEGATIVE_INFINITY);
      assert.equal(lp[2], Number.NEGATIVE_INFINITY);
    }
  }
});

// ------------------------------------------------------------ brute-force oracle

/**
 * Direct implementation of the formulas with string keys and recursion — slow,
 * independent of the trie, the count tables and the backoff compilation.
 */
function oracle(corpus: string[][], order: number, smoothing: Smoothing, fallback: boolean): (ctx: string[], w: string) => number {
  const raw: Map<string, number>[] = [];
  for (let k = 0; k <= order; k++) raw.push(new Map());
  const vocab = new Set<string>(['<unk>', '</s>']);
  for (const s of corpus) {
    const seq = ['<s>', ...s, '</s>'];
    s.forEach((w) => vocab.add(w));
    for (let i = 0; i < seq.length; i++) {
      for (let k = 1; k <= order && i - k + 1 >= 0; k++) {
        const key = seq.slice(i - k + 1, i + 1).join(' ');
        raw[k].set(key, (raw[k].get(key) ?? 0) + 1);
      }
    }
  }
  raw[1].delete('<s>');
  const V = vocab.size;
  const kn = smoothing === 'kn' || smoothing === 'mkn';
  const e: Map<string, number>[] = raw.map((m) => new Map(m));
  if (kn) {
    for (let k = 1; k < order; k++) {
      const cont = new Map<string, number>();
      for (const key of raw[k + 1].keys()) {
        const suffix = key.split(' ').slice(1).join(' ');
        cont.set(suffix, (cont.get(suffix) ?? 0) + 1);
      }
      for (const key of raw[k].keys()) if (!key.startsWith('<s>')) e[k].set(key, cont.get(key) ?? 0);
    }
  }
  // Discounts
  const D: number[][] = [[]];
  for (let k = 1; k <= order; k++) {
    const n = [0, 0, 0, 0, 0];
    for (const c of e[k].values()) if (c >= 1 && c <= 4) n[c]++;
    const y = n[1] / (n[1] + 2 * n[2]);
    if (smoothing === 'mkn') {
      const d = [1, 2, 3].map((j) => j - ((j + 1) * y * n[j + 1]) / n[j]);
      const ok = n[1] > 0 && n[2] > 0 && n[3] > 0 && d.every((x, j) => x >= 0 && x <= j + 1);
      if (!ok && !fallback) throw new Error('oracle: bad discounts');
      D.push(ok ? d : [0.5, 1, 1.5]);
    } else {
      D.push([n[1] > 0 ? y : 0.5]);
    }
  }
  const disc = (k: number, c: number): number => (c <= 0 ? 0 : Math.min(c, smoothing === 'mkn' ? D[k][Math.min(c, 3) - 1] : D[k][0]));
  // Context tables: order k, context key → children word → count
  const ctx: Map<string, Map<string, number>>[] = [];
  for (let k = 0; k <= order; k++) ctx.push(new Map());
  for (let k = 1; k <= order; k++) {
    for (const [key, c] of e[k]) {
      const ws = key.split(' ');
      const c0 = ws.slice(0, -1).join(' ');
      if (!ctx[k].has(c0)) ctx[k].set(c0, new Map());
      ctx[k].get(c0)!.set(ws[ws.length - 1], c);
    }
  }
  const p = (context: string[], w: string): number => {
    const k = context.length + 1;
    const children = ctx[k].get(context.join(' '));
    const lower = (ww: string): number => (k === 1 ? 1 / V : p(context.slice(1), ww));
    if (!children) return p(context.slice(1), w);
    let E = 0;
    let T = 0;
    for (const c of children.values()) {
      E += c;
      if (c > 0) T++;
    }
    const c = children.get(w) ?? 0;
    switch (smoothing) {
      case 'mle':
      case 'addk': {
        const alpha = (x: number): number => (smoothing === 'mle' ? x / E : (x + 1) / (E + V));
        if (k === 1) return alpha(c);
        if (children.has(w)) return alpha(c);
        let own = 0;
        let low = 0;
        for (const [v, cv] of children) {
          own += alpha(cv);
          low += lower(v);
        }
        return 1 - own > 1e-12 ? ((1 - own) / (1 - low)) * lower(w) : 0;
      }
      case 'wb':
        return (c + T * lower(w)) / (E + T);
      default: {
        let g = 0;
        for (const cv of children.values()) g += disc(k, cv);
        return (c - disc(k, c)) / E + (g / E) * lower(w);
      }
    }
  };
  return p;
}

test('trie + backoff compilation equals a brute-force implementation of the formulas (random corpora, orders 1-4)', () => {
  for (const seed of [1, 2, 3]) {
    const corpus = randomCorpus(seed, 80, 10);
    const words = ['<unk>', '</s>', ...Array.from({ length: 10 }, (_, i) => `w${i}`)].filter((w) => w === '<unk>' || w === '</s>' || corpus.some((s) => s.includes(w)));
    for (const smoothing of normalized) {
      for (const order of [1, 2, 3, 4]) {
        const m = trainNgramFromSentences(corpus, { order, smoothing, discountFallback: true }).model;
        const ref = oracle(corpus, order, smoothing, true);
        for (const c of contextsOf(corpus, order, true)) {
          const ctx = c.slice(Math.max(0, c.length - (order - 1)));
          for (const w of words) {
            const want = ref(ctx, w);
            const got = prob(m, ctx, w);
            if (want === 0) assert.ok(got < 1e-12, `${smoothing} n=${order} p(${w}|${ctx.join(' ')}) = ${got}, oracle 0`);
            else close(got, want, `${smoothing} n=${order} seed ${seed} p(${w}|${ctx.join(' ')})`, 5e-6);
          }
        }
      }
    }
  }
});
