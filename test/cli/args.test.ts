// Argument parsing: finding the command among global options, values, and number checks.
import { describe, expect, it } from 'vitest';
import { numberOption, parseCommandArgs, secondsOption, splitCommand } from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/errors.js';

describe('splitCommand', () => {
  it('finds the command before or after global options', () => {
    expect(splitCommand(['image', 'x', '--json'])).toEqual({ command: 'image', rest: ['x', '--json'] });
    expect(splitCommand(['--emulator', 'image', 'x'])).toEqual({ command: 'image', rest: ['--emulator', 'x'] });
    expect(splitCommand(['--base-url', 'http://h/v1', 'poll', 'id'])).toEqual({
      command: 'poll',
      rest: ['--base-url', 'http://h/v1', 'id'],
    });
    expect(splitCommand(['--help'])).toEqual({ command: undefined, rest: ['--help'] });
  });
});

describe('parseCommandArgs', () => {
  const options = { images: { type: 'string', short: 'i' }, out: { type: 'string' } } as const;

  it('parses command and global options together', () => {
    const { values, positionals, globals } = parseCommandArgs(
      'estimate',
      ['-i', '3', 'extra', '--json', '--speed', '4'],
      options,
    );
    expect(values.images).toBe('3');
    expect(positionals).toEqual(['extra']);
    expect(globals).toMatchObject({ json: true, speed: 4, emulator: false });
  });

  it('reads a negative number as a value, so the range check can explain it', () => {
    const { values } = parseCommandArgs('estimate', ['--images', '-1'], options);
    expect(values.images).toBe('-1');
    expect(() => numberOption(values, 'images', { integer: true, min: 0 })).toThrow(
      '--images must be a whole number of at least 0, not "-1".',
    );
    expect(parseCommandArgs('estimate', ['-i', '-2'], options).values.images).toBe('-2');
  });

  it('turns unknown options into a usage error that points at --help', () => {
    expect(() => parseCommandArgs('estimate', ['--bogus'], options)).toThrow(UsageError);
    expect(() => parseCommandArgs('estimate', ['--bogus'], options)).toThrow(
      "Unknown option '--bogus'; see `replicate-media estimate --help`.",
    );
  });

  it('wants positive seconds and speeds', () => {
    expect(secondsOption({ timeout: '1.5' }, 'timeout')).toBe(1500);
    expect(() => secondsOption({ timeout: '0' }, 'timeout')).toThrow(
      '--timeout must be a positive number of seconds, not "0".',
    );
    expect(() => parseCommandArgs('image', ['--speed', 'fast'], {})).toThrow(
      '--speed must be a positive number, not "fast".',
    );
  });

  it('checks numbers: whole, in range, finite', () => {
    const check = (raw: string) => numberOption({ n: raw }, 'n', { integer: true, min: 1, max: 4 });
    expect(check('2')).toBe(2);
    expect(() => check('2.5')).toThrow('--n must be a whole number from 1 to 4, not "2.5".');
    expect(() => check('9')).toThrow(UsageError);
    expect(() => check('abc')).toThrow(UsageError);
    expect(() => check('')).toThrow(UsageError);
  });
});
