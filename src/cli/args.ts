// Argument parsing on `node:util` parseArgs (zero dependencies; see docs/cli.md for why).
// Global options may come before or after the command; every command accepts them.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Options every command accepts. */
export const GLOBAL_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  emulator: { type: 'boolean' },
  'base-url': { type: 'string' },
  speed: { type: 'string' },
} as const satisfies OptionSpec;

export type OptionValues = Record<string, string | boolean | undefined>;

export interface GlobalFlags {
  help: boolean;
  json: boolean;
  verbose: boolean;
  quiet: boolean;
  emulator: boolean;
  baseUrl: string | undefined;
  /** Emulator speed factor (embedded emulator and the `emulator` command). */
  speed: number | undefined;
}

export interface ParsedCommandLine {
  /** The command name, or undefined when none was given. */
  command: string | undefined;
  /** Everything after the program name except the command itself. */
  rest: string[];
}

/** Global options that take a value, so that `--base-url X image` finds `image` as the command. */
const VALUE_GLOBALS = new Set(['--base-url', '--speed']);

/** Finds the command: the first argument that is neither an option nor a global option's value. */
export function splitCommand(argv: readonly string[]): ParsedCommandLine {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === undefined || arg === '--') break;
    if (arg.startsWith('-')) {
      if (VALUE_GLOBALS.has(arg)) i++;
      continue;
    }
    return { command: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { command: undefined, rest: [...argv] };
}

export interface ParsedArgs {
  values: OptionValues;
  positionals: string[];
  globals: GlobalFlags;
}

/** Parses a command's arguments against its own options plus the global ones. */
export function parseCommandArgs(command: string, argv: readonly string[], options: OptionSpec): ParsedArgs {
  let parsed: { values: OptionValues; positionals: string[] };
  const spec: OptionSpec = { ...GLOBAL_OPTIONS, ...options };
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv, spec),
      options: spec,
      allowPositionals: true,
      strict: true,
    }) as { values: OptionValues; positionals: string[] };
  } catch (error) {
    throw new UsageError(`${usageMessage(error)}; see \`replicate-media ${command} --help\`.`, { cause: error });
  }
  const { values } = parsed;
  const globals: GlobalFlags = {
    help: values.help === true,
    json: values.json === true,
    verbose: values.verbose === true,
    quiet: values.quiet === true,
    emulator: values.emulator === true,
    baseUrl: stringOption(values, 'base-url'),
    speed: positiveOption(values, 'speed'),
  };
  return { values, positionals: parsed.positionals, globals };
}

/**
 * parseArgs reads `--images -1` as two options; a negative number after an option that takes a
 * value is its value (so that the range check can explain what is allowed). Rewrites it as
 * `--images=-1`.
 */
function joinNegativeValues(argv: readonly string[], spec: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === undefined) continue;
    const next = argv[i + 1];
    const long = arg.startsWith('--')
      ? arg.slice(2)
      : /^-[a-zA-Z]$/.test(arg)
        ? Object.keys(spec).find((name) => spec[name]?.short === arg.slice(1))
        : undefined;
    if (long !== undefined && spec[long]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`--${long}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** parseArgs' messages end with advice about `--` that does not fit here; keep the first sentence. */
function usageMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split(/\.\s/)[0] ?? text).replace(/\.$/, '');
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function booleanOption(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

export interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
}

/** A numeric option, validated; undefined when absent. */
export function numberOption(values: OptionValues, name: string, rule: NumberRule = {}): number | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  return parseNumber(`--${name}`, raw, rule);
}

export function parseNumber(label: string, raw: string, rule: NumberRule = {}): number {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  const { min, max, integer } = rule;
  const kind = integer ? 'a whole number' : 'a number';
  const range =
    min !== undefined && max !== undefined
      ? ` from ${min} to ${max}`
      : min !== undefined
        ? ` of at least ${min}`
        : max !== undefined
          ? ` of at most ${max}`
          : '';
  const bad =
    !Number.isFinite(value) ||
    (integer === true && !Number.isInteger(value)) ||
    (min !== undefined && value < min) ||
    (max !== undefined && value > max);
  if (bad) throw new UsageError(`${label} must be ${kind}${range}, not "${raw}".`);
  return value;
}

/** A number that must be above zero (a speed, a duration); undefined when absent. */
export function positiveOption(values: OptionValues, name: string, unit = ''): number | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--${name} must be a positive number${unit ? ` of ${unit}` : ''}, not "${raw}".`);
  }
  return value;
}

/** Seconds given on the command line, as milliseconds (at least 1). */
export function secondsOption(values: OptionValues, name: string): number | undefined {
  const seconds = positiveOption(values, name, 'seconds');
  return seconds === undefined ? undefined : Math.max(1, Math.round(seconds * 1000));
}

/** The one positional a command takes (`cancel ID`), or a usage error saying what is missing or extra. */
export function requirePositional(command: string, positionals: string[], name: string): string {
  const [value, extra] = positionals;
  if (value === undefined) {
    throw new UsageError(`Missing ${name}: run \`replicate-media ${command} --help\` for usage.`);
  }
  if (positionals.length > 1) {
    throw new UsageError(
      `Unexpected argument "${extra}": run \`replicate-media ${command} --help\` for usage (quote a prompt with spaces).`,
    );
  }
  return value;
}
