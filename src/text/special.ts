/**
 * Special tokens in the input text, with tiktoken's rules (the EncodeOptions
 * contract): specials listed in `allowedSpecial` become their single id; a
 * disallowed special anywhere in the text is an error (by default every special
 * that is not allowed is disallowed); the rest of the text is ordinary text.
 */
import { fail } from './json.js';
import type { EncodeOptions } from './tokenizer.js';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

export class SpecialTokenSplitter {
  private readonly all: readonly string[];
  private allRegex: RegExp | undefined;

  constructor(readonly tokens: ReadonlyMap<string, number>) {
    // Longest first, so that when two specials start at the same place the longer wins
    // (a deterministic choice; tiktoken's alternation order is its hash-set order).
    this.all = [...tokens.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
  }

  private check(list: readonly string[], option: string): void {
    for (const token of list) {
      if (!this.tokens.has(token)) throw new Error(`encode: ${option} lists ${JSON.stringify(token)}, which is not a special token of this tokenizer`);
    }
  }

  /**
   * Walk `text`, calling `onText` for each stretch of ordinary text (never empty)
   * and `onSpecial` for each allowed special token, in order.
   */
  split(text: string, options: EncodeOptions | undefined, onText: (segment: string) => void, onSpecial: (id: number) => void): void {
    if (this.all.length === 0) {
      if (text.length > 0) onText(text);
      return;
    }
    const allowedOption = options?.allowedSpecial ?? [];
    const allowed = allowedOption === 'all' ? this.all : allowedOption;
    if (allowedOption !== 'all') this.check(allowed, 'allowedSpecial');
    const disallowedOption = options?.disallowedSpecial ?? 'all';
    let disallowed: readonly string[];
    if (disallowedOption === 'all') {
      disallowed = allowedOption === 'all' ? [] : this.all.filter((t) => !allowed.includes(t));
    } else {
      this.check(disallowedOption, 'disallowedSpecial');
      disallowed = disallowedOption;
    }
    for (const token of disallowed) {
      if (text.includes(token)) {
        throw new Error(
          `encode: the text contains the special token ${JSON.stringify(token)}, which is disallowed; ` +
            `pass allowedSpecial: [${JSON.stringify(token)}] (or 'all') to encode it as one special token, ` +
            `or disallowedSpecial: [] to encode it as ordinary text`,
        );
      }
    }
    if (allowed.length === 0) {
      if (text.length > 0) onText(text);
      return;
    }
    const regex = allowedOption === 'all' ? (this.allRegex ??= this.regexFor(this.all)) : this.regexFor(allowed);
    regex.lastIndex = 0;
    let start = 0;
    for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
      if (match.index > start) onText(text.slice(start, match.index));
      onSpecial(this.tokens.get(match[0]) as number);
      start = match.index + match[0].length;
    }
    if (start < text.length) onText(start === 0 ? text : text.slice(start));
  }

  private regexFor(list: readonly string[]): RegExp {
    const sorted = [...list].sort((a, b) => b.length - a.length);
    return new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  }

  /** Split on every special token (training: specials are never part of a word). */
  splitAll(text: string, onText: (segment: string) => void): void {
    this.split(text, { allowedSpecial: 'all' }, onText, () => {});
  }
}

/** Specials in id order, e.g. for saving. */
export function specialTokensInIdOrder(tokens: ReadonlyMap<string, number>): [string, number][] {
  return [...tokens.entries()].sort((a, b) => a[1] - b[1]);
}

/**
 * Finish the special-token setup shared by the vocabulary-based tokenizers:
 * every requested special must be in `specials` (token → id found in the
 * vocabulary), and `unkToken`, when set, must be one of them. Failures are
 * TokenizerFormatErrors naming the field.
 */
export function resolveSpecialTokens(
  specials: ReadonlyMap<string, number>, requested: Iterable<string>, unkToken: string | null,
): { splitter: SpecialTokenSplitter; unknownTokenId: number | undefined } {
  for (const token of requested) if (!specials.has(token)) fail('specialTokens', `${JSON.stringify(token)} is not in the vocabulary`);
  let unknownTokenId: number | undefined;
  if (unkToken !== null) {
    unknownTokenId = specials.get(unkToken);
    if (unknownTokenId === undefined) fail('unkToken', `${JSON.stringify(unkToken)} must be one of the special tokens`);
  }
  return { splitter: new SpecialTokenSplitter(specials), unknownTokenId };
}
