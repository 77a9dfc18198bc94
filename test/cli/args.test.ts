// Argument parsing from the commands' declarations: finding the command among options and their
// values, typed values, defaults, unknown options (exit 2) with suggestions, and number checks.
import { describe, expect, it } from 'vitest';
import {
  numberOption,
  parseCommandArgs,
  secondsOption,
  splitCommand,
  valueOptionSpellings,
} from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/errors.js';
import { COMMANDS } from '../../src/cli/run.js';

const command = (name: string) => COMMANDS.find((c) => c.name === name)!;
const VALUES = valueOptionSpellings(COMMANDS);

/** The message of the UsageError that parsing throws. */
function usageError(name: string, argv: string[]): string {
  try {
    parseCommandArgs(command(name), argv, COMMANDS);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error(`${name} ${argv.join(' ')} parsed without an error`);
}

describe('splitCommand', () => {
  it('finds the command before or after options, skipping the values of options that take one', () => {
    expect(splitCommand(['image', 'x', '--json'], VALUES)).toEqual({ command: 'image', rest: ['x', '--json'] });
    expect(splitCommand(['--emulator', 'image', 'x'], VALUES)).toEqual({ command: 'image', rest: ['--emulator', 'x'] });
    expect(splitCommand(['--base-url', 'http://h/v1', 'poll', 'id'], VALUES)).toEqual({
      command: 'poll',
      rest: ['--base-url', 'http://h/v1', 'id'],
    });
    expect(splitCommand(['-o', 'shots', 'image', 'x'], VALUES)).toEqual({
      command: 'image',
      rest: ['-o', 'shots', 'x'],
    });
    expect(splitCommand(['--help'], VALUES)).toEqual({ command: undefined, rest: ['--help'] });
  });
});

describe('parseCommandArgs', () => {
  it('parses a command option and the global ones together', () => {
    const { values, positionals, globals } = parseCommandArgs(
      command('estimate'),
      ['-i', '3', 'extra', '--json'],
      COMMANDS,
    );
    expect(values.images).toBe('3');
    expect(positionals).toEqual(['extra']);
    expect(globals).toMatchObject({ json: true, emulator: false, baseUrl: undefined });
  });

  it('applies the declared defaults', () => {
    expect(parseCommandArgs(command('estimate'), [], COMMANDS).values).toMatchObject({ images: '0' });
    expect(parseCommandArgs(command('image'), ['x', '--emulator'], COMMANDS).globals).toMatchObject({
      emulator: true,
      speed: 10,
    });
    expect(parseCommandArgs(command('demo'), [], COMMANDS).values.speed).toBe('20');
  });

  it('reads a negative number as a value, so the range check can explain it', () => {
    const { values } = parseCommandArgs(command('estimate'), ['--images', '-1'], COMMANDS);
    expect(values.images).toBe('-1');
    expect(() => numberOption(values, 'images', { integer: true, min: 0 })).toThrow(
      '--images must be a whole number of at least 0, not "-1".',
    );
    expect(parseCommandArgs(command('estimate'), ['-i', '-2'], COMMANDS).values.images).toBe('-2');
  });

  it('refuses an unknown option, pointing at --help', () => {
    expect(usageError('estimate', ['--bogus'])).toBe(
      'Unknown option --bogus for estimate: see `replicate-media estimate --help`.',
    );
    expect(usageError('estimate', ['-x'])).toBe(
      'Unknown option -x for estimate: see `replicate-media estimate --help`.',
    );
  });

  it('suggests the option meant: a prefix, a swap, a typo', () => {
    expect(usageError('image', ['x', '--aspect', '16:9'])).toMatch(
      /^Unknown option --aspect for image \(did you mean --aspect-ratio\?\)/,
    );
    expect(usageError('image', ['x', '--fromat', 'png'])).toMatch(/\(did you mean --format\?\)/);
    expect(usageError('image', ['x', '--num-output', '2'])).toMatch(/\(did you mean --num-outputs\?\)/);
    expect(usageError('batch', ['f', '--concurency', '2'])).toMatch(/\(did you mean --concurrency\?\)/);
  });

  it('refuses the API options on commands that talk to no API, saying why', () => {
    expect(usageError('estimate', ['--emulator'])).toBe(
      'estimate does not take --emulator: it prices from the built-in table and talks to no API. See `replicate-media estimate --help`.',
    );
    expect(usageError('history', ['--base-url', 'http://h/v1'])).toMatch(
      /^history does not take --base-url: it reads the journal/,
    );
    expect(usageError('emulator', ['--emulator'])).toMatch(/^emulator does not take --emulator: it is the emulator/);
    expect(usageError('demo', ['--emulator'])).toMatch(
      /^demo does not take --emulator: the demo always runs on its own/,
    );
  });

  it('refuses --speed without --emulator, and --emulator with --base-url', () => {
    expect(usageError('image', ['x', '--speed', '4'])).toMatch(
      /^--speed sets the speed of the embedded emulator: add --emulator/,
    );
    expect(usageError('image', ['x', '--emulator', '--base-url', 'http://h/v1'])).toBe(
      'Use either --emulator or --base-url, not both.',
    );
    expect(parseCommandArgs(command('image'), ['x', '--emulator', '--speed', '4'], COMMANDS).globals.speed).toBe(4);
  });

  it('names the commands that take an option this one does not', () => {
    expect(usageError('estimate', ['--journal', 'j'])).toBe(
      'estimate does not take --journal (image, video, batch, resume, history do): see `replicate-media estimate --help`.',
    );
  });

  it('wants positive seconds and speeds', () => {
    expect(secondsOption({ timeout: '1.5' }, 'timeout')).toBe(1500);
    expect(() => secondsOption({ timeout: '0' }, 'timeout')).toThrow(
      '--timeout must be a positive number of seconds, not "0".',
    );
    expect(() => parseCommandArgs(command('image'), ['--emulator', '--speed', 'fast'], COMMANDS)).toThrow(
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
