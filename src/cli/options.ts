import { InvalidArgumentError } from 'commander';

export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`must be a whole number >= ${min}.`);
    const n = Number(v);
    if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}.`);
    return n;
  };
}

export function positiveNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number > 0.');
  return n;
}

export function collect(v: string, acc: string[]): string[] {
  return [...acc, v];
}
