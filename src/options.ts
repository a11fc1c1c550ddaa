/**
 * Option-bag validation shared by constructors and functions that take an
 * options object. TypeScript rejects unknown keys only on object literals;
 * JavaScript callers, spread objects and configs read from JSON bypass it, and
 * a misspelt or unsupported option (PyTorch's `groups`, `maxNorm`, …) would
 * otherwise be ignored without a word.
 */

/** Throw a RangeError naming every key of `options` not in `known`, and listing the known ones. */
export function rejectUnknownOptions(where: string, options: object, known: readonly string[]): void {
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length === 0) return;
  const names = unknown.map((key) => `'${key}'`).join(', ');
  const plural = unknown.length === 1 ? 'option' : 'options';
  throw new RangeError(`${where}: unknown ${plural} ${names} (known: ${known.length ? known.join(', ') : 'none'})`);
}
