// Argument parsers for commander: each rejects a bad value with a message commander prints as one line.
import { InvalidArgumentError } from 'commander';

export function positiveInt(max?: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError('must be a whole number of 1 or more.');
    }
    if (max !== undefined && n > max) throw new InvalidArgumentError(`must be at most ${max}.`);
    return n;
  };
}
