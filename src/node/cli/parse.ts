/** commander argument parsers shared by the command groups: they turn bad values into errors naming the flag. */
import { InvalidArgumentError } from 'commander';

export function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
    return n;
  };
}

export function number(name: string, min: number, max = Infinity) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number ≥ ${min}${max < Infinity ? ` and ≤ ${max}` : ''}, got ${JSON.stringify(value)}`);
    return n;
  };
}

/** A duration: plain seconds, or with a unit — 90, 90s, 8m, 1.5h. */
export function duration(name: string) {
  return (value: string): number => {
    const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(value.trim());
    if (!match) throw new InvalidArgumentError(`${name} must be a duration like 540, 540s, 9m or 1h, got ${JSON.stringify(value)}`);
    return Number(match[1]) * (match[2] === 'h' ? 3600 : match[2] === 'm' ? 60 : 1);
  };
}

/** Collect a repeatable option into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
