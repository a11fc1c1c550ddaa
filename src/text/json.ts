/**
 * lmkit's versioned tokenizer JSON: the common header and small readers that
 * validate one field at a time, so a bad file fails with the name of the field
 * and what is wrong with it (not with a TypeError three calls later).
 *
 *   { "format": "lmkit-tokenizer", "version": 1, "kind": "bpe", ...kind-specific fields }
 */

export const TOKENIZER_FORMAT = 'lmkit-tokenizer';
export const TOKENIZER_FORMAT_VERSION = 1;

/** A model file (or string) that fails validation; `field` is a path such as `merges[3][1]`. */
export class TokenizerFormatError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`field "${field}": ${problem}`);
    this.name = 'TokenizerFormatError';
  }
}

export type JsonObject = { readonly [key: string]: unknown };

/** The header every kind writes first. */
export function tokenizerHeader(kind: string): { format: string; version: number; kind: string } {
  return { format: TOKENIZER_FORMAT, version: TOKENIZER_FORMAT_VERSION, kind };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export function fail(field: string, problem: string): never {
  throw new TokenizerFormatError(field, problem);
}

/** Run a reader; a TokenizerFormatError it throws comes out with `source` (the file) in front of its message. */
export function withSourceInErrors<T>(source: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof TokenizerFormatError) {
      const wrapped = new TokenizerFormatError(error.field, error.problem);
      wrapped.message = `${source}: ${error.message}`;
      throw wrapped;
    }
    throw error;
  }
}

export function asObject(value: unknown, field: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, `expected an object, got ${describe(value)}`);
  return value as JsonObject;
}

export function asArray(value: unknown, field: string): readonly unknown[] {
  if (!Array.isArray(value)) fail(field, `expected an array, got ${describe(value)}`);
  return value;
}

export function asString(value: unknown, field: string): string {
  if (typeof value !== 'string') fail(field, `expected a string, got ${describe(value)}`);
  return value;
}

export function asNonNegativeInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail(field, `expected a non-negative integer, got ${describe(value)}`);
  return value;
}

export function asBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') fail(field, `expected true or false, got ${describe(value)}`);
  return value;
}

/** One of a fixed set of names. */
export function asOneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  const text = asString(value, field);
  if (!(allowed as readonly string[]).includes(text)) fail(field, `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(text)}`);
  return text as T;
}

/** `obj[key]` must be present. */
export function field(obj: JsonObject, key: string, path = ''): unknown {
  if (!(key in obj)) fail(path + key, 'missing');
  return obj[key];
}

export function stringArray(value: unknown, field: string): string[] {
  return asArray(value, field).map((item, i) => asString(item, `${field}[${i}]`));
}

/** A string or null (e.g. an optional unknown-token name). */
export function asNullableString(value: unknown, field: string): string | null {
  return value === null ? null : asString(value, field);
}

/** Parse and check the header; returns the object for the kind's reader. */
export function parseTokenizerJson(json: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new TokenizerFormatError('(file)', `not valid JSON (${(err as Error).message})`);
  }
  const obj = asObject(parsed, '(top level)');
  const format = field(obj, 'format');
  if (format !== TOKENIZER_FORMAT) fail('format', `expected ${JSON.stringify(TOKENIZER_FORMAT)}, got ${describe(format)}`);
  const version = asNonNegativeInt(field(obj, 'version'), 'version');
  if (version > TOKENIZER_FORMAT_VERSION) fail('version', `version ${version} is newer than this lmkit reads (${TOKENIZER_FORMAT_VERSION}); upgrade lmkit`);
  if (version < 1) fail('version', 'expected 1 or more');
  asString(field(obj, 'kind'), 'kind');
  return obj;
}
