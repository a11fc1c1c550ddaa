/**
 * Checks on the option objects of the public API. TypeScript callers get a
 * compile error for a misspelled or unsupported option; plain-JavaScript callers
 * would get it silently ignored — a model trained without the class weights they
 * asked for — so functions that take options reject keys they do not know.
 */

/**
 * Throw a TypeError naming every key of `options` that is not in `known`, and
 * listing the known ones. `where` names the function or module ("crossEntropy").
 */
export function rejectUnknownOptions(where: string, options: object, known: readonly string[]): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${where}: options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length === 0) return;
  const names = unknown.map((key) => `'${key}'`).join(', ');
  const list = known.length ? known.map((key) => `'${key}'`).join(', ') : '(none)';
  throw new TypeError(`${where}: unknown option${unknown.length > 1 ? 's' : ''} ${names}; known options are ${list}`);
}
