// "Did you mean": the suggestion for a mistyped command or option, and the exit code every failure
// maps to (one table for the whole CLI).
import { describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, exitCodeForFailure, exitCodeOf } from '../../src/cli/exit-codes.js';
import { COMMANDS } from '../../src/cli/run.js';
import { closestName, editDistance } from '../../src/cli/suggest.js';

const NAMES = [...COMMANDS.map((c) => c.name), 'help'];

describe('editDistance (Damerau-Levenshtein, adjacent swaps)', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('imgae', 'image')).toBe(1);
    expect(editDistance('vidoe', 'video')).toBe(1);
    expect(editDistance('image', 'image')).toBe(0);
    expect(editDistance('imag', 'image')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('closestName', () => {
  it.each([
    ['imgae', 'image'],
    ['vidoe', 'video'],
    ['imag', 'image'],
    ['IMAGE', 'image'],
    ['imagine', 'image'],
    ['estmate', 'estimate'],
    ['emu', 'emulator'],
    ['resme', 'resume'],
  ])('%s -> %s', (typed, meant) => {
    expect(closestName(typed, NAMES)).toBe(meant);
  });

  it('suggests nothing when nothing is close, or a prefix is ambiguous and far', () => {
    expect(closestName('zzzzzz', NAMES)).toBeUndefined();
    expect(closestName('x', NAMES)).toBeUndefined();
    expect(closestName('', NAMES)).toBeUndefined();
  });

  it('completes an option by its unique prefix', () => {
    expect(closestName('aspect', ['aspect-ratio', 'format', 'model'])).toBe('aspect-ratio');
  });
});

describe('exit codes', () => {
  it('maps each client failure to the exit code a script can branch on', () => {
    const code = (errorCode: string, more: Partial<Parameters<typeof exitCodeForFailure>[0]> = {}) =>
      exitCodeForFailure({ errorCode, predictionExists: true, interrupted: false, ...more });
    expect(code('auth')).toBe(EXIT_USAGE);
    expect(code('invalid_input')).toBe(EXIT_USAGE);
    expect(code('budget_exceeded')).toBe(EXIT_USAGE);
    expect(code('http', { httpStatus: 404, predictionExists: false })).toBe(EXIT_USAGE); // unknown model or id
    expect(code('http', { httpStatus: 404 })).toBe(EXIT_FAILED);
    expect(code('timeout')).toBe(EXIT_FAILED);
    expect(code('prediction_failed')).toBe(EXIT_FAILED);
    expect(code('network')).toBe(EXIT_FAILED);
    expect(code('canceled', { interrupted: true })).toBe(EXIT_INTERRUPTED);
    expect(code('canceled')).toBe(EXIT_FAILED); // canceled by someone else
  });

  it('an unexpected error is a failure (1)', () => {
    expect(exitCodeOf(new Error('boom'))).toBe(EXIT_FAILED);
    expect(exitCodeOf('a string')).toBe(EXIT_FAILED);
  });
});
