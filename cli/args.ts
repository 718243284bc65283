// Value checks for command-line flags. Each throws commander's InvalidArgumentError, which
// commander turns into a one-line usage error naming the flag and the bad value.
import { statSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import type { ExtraOption } from './registry.js';

function integer(text: string, min: number, what: string): number {
  if (!/^[+-]?\d+$/.test(text.trim())) throw new InvalidArgumentError(`expected ${what}.`);
  const v = Number(text);
  if (!Number.isSafeInteger(v) || v < min) throw new InvalidArgumentError(`expected ${what}.`);
  return v;
}

function number(text: string, positive: boolean): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || (positive && v <= 0)) {
    throw new InvalidArgumentError(positive ? 'expected a positive number.' : 'expected a number.');
  }
  return v;
}

export const parseSeed = (text: string): number => {
  const v = integer(text, 0, 'an integer from 0 to 4294967295');
  if (v > 0xffffffff) throw new InvalidArgumentError('expected an integer from 0 to 4294967295.');
  return v;
};

export const parsePositiveInt = (text: string): number => integer(text, 1, 'a positive integer');

export function parseDir(text: string): string {
  if (!statSync(text, { throwIfNoEntry: false })?.isDirectory()) throw new InvalidArgumentError('no such directory.');
  return text;
}

function parseFile(text: string): string {
  if (!statSync(text, { throwIfNoEntry: false })?.isFile()) throw new InvalidArgumentError('no such file.');
  return text;
}

/** The commander argument parser for an experiment's own option. */
export function extraParser(opt: ExtraOption): ((value: string) => unknown) | undefined {
  switch (opt.parse) {
    case undefined:
    case 'string':
      return undefined;
    case 'int':
      return (t) => integer(t, Number.MIN_SAFE_INTEGER, 'an integer');
    case 'positive-int':
      return parsePositiveInt;
    case 'number':
      return (t) => number(t, false);
    case 'positive-number':
      return (t) => number(t, true);
    case 'file':
      return parseFile;
    default: {
      const custom = opt.parse;
      // Experiments throw plain Errors; rewrap so commander reports them as usage errors.
      return (t) => {
        try {
          return custom(t);
        } catch (e) {
          if (e instanceof InvalidArgumentError) throw e;
          throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
        }
      };
    }
  }
}
