// Argument parsing on `node:util` parseArgs (zero dependencies; see docs/cli.md for why), from the
// options a command declares: it accepts exactly those (its own and the global ones it takes),
// applies their declared defaults, and refuses anything else with a suggestion when one is close.
// Options may come before or after the command.
import { parseArgs } from 'node:util';
import { acceptedOptions, type Command } from './command.js';
import { UsageError } from './errors.js';
import { EMULATOR_OPTION, type OptionDecl, type OptionSpec, parseArgsOptions, VERBOSE_OPTION } from './options.js';
import { closestName } from './suggest.js';

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface GlobalFlags {
  help: boolean;
  json: boolean;
  verbose: boolean;
  quiet: boolean;
  /** `--emulator` (commands that talk to an API only). */
  emulator: boolean;
  /** `--base-url` (commands that talk to an API only). */
  baseUrl: string | undefined;
  /** `--speed`: the emulator's speed factor, where the command takes it. */
  speed: number | undefined;
}

export interface ParsedCommandLine {
  /** The command name, or undefined when none was given. */
  command: string | undefined;
  /** Everything after the program name except the command itself. */
  rest: string[];
}

/**
 * Finds the command: the first argument that is neither an option nor the value of an option that
 * takes one (`valueOptions`: `--base-url`, `-o`, ... of any command), so that `--base-url X image`
 * finds `image`.
 */
export function splitCommand(argv: readonly string[], valueOptions: ReadonlySet<string>): ParsedCommandLine {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === undefined || arg === '--') break;
    if (arg.startsWith('-')) {
      if (valueOptions.has(arg)) i++;
      continue;
    }
    return { command: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { command: undefined, rest: [...argv] };
}

/** `--out`, `-o`, ...: every spelling of an option that takes a value, across these commands. */
export function valueOptionSpellings(commands: readonly Command[]): Set<string> {
  const spellings = new Set<string>();
  for (const command of commands) {
    for (const option of acceptedOptions(command)) {
      if (option.type !== 'string') continue;
      spellings.add(`--${option.name}`);
      if (option.short !== undefined) spellings.add(`-${option.short}`);
    }
  }
  return spellings;
}

export interface ParsedArgs {
  values: OptionValues;
  positionals: string[];
  globals: GlobalFlags;
}

/**
 * Parses a command's arguments against the options it declares. `commands` (all of them) lets the
 * error for an option this command does not take say which commands do.
 */
export function parseCommandArgs(
  command: Command,
  argv: readonly string[],
  commands: readonly Command[] = [],
): ParsedArgs {
  const accepted = acceptedOptions(command);
  const spec = parseArgsOptions(accepted);
  const args = joinNegativeValues(argv, spec);
  refuseUnknownOptions(command, args, accepted, commands);
  let parsed: { values: OptionValues; positionals: string[]; tokens: Array<{ kind: string; name?: string }> };
  try {
    parsed = parseArgs({ args, options: spec, allowPositionals: true, strict: true, tokens: true }) as typeof parsed;
  } catch (error) {
    throw new UsageError(`${usageMessage(error)}; see \`replicate-media ${command.name} --help\`.`, { cause: error });
  }
  const { values } = parsed;
  const given = new Set(parsed.tokens.flatMap((t) => (t.kind === 'option' && t.name ? [t.name] : [])));
  refuseContradictions(command, given);
  const globals: GlobalFlags = {
    help: values.help === true,
    json: values.json === true,
    // Stack traces only where --verbose is the global option (the emulator's logs requests instead).
    verbose: values.verbose === true && accepted.includes(VERBOSE_OPTION),
    quiet: values.quiet === true,
    emulator: values.emulator === true,
    baseUrl: stringOption(values, 'base-url'),
    speed: positiveOption(values, 'speed'),
  };
  return { values, positionals: parsed.positionals, globals };
}

/** Options that each mean something alone but not together: exit 2 before anything runs. */
function refuseContradictions(command: Command, given: ReadonlySet<string>): void {
  if (!command.options.includes(EMULATOR_OPTION)) return;
  if (given.has('emulator') && given.has('base-url')) {
    throw new UsageError('Use either --emulator or --base-url, not both.');
  }
  if (given.has('speed') && !given.has('emulator')) {
    throw new UsageError(
      `--speed sets the speed of the embedded emulator: add --emulator, or drop --speed (see \`replicate-media ${command.name} --help\`).`,
    );
  }
}

/** An option the command does not declare: exit 2, saying what it might have meant or who takes it. */
function refuseUnknownOptions(
  command: Command,
  args: readonly string[],
  accepted: readonly OptionDecl[],
  commands: readonly Command[],
): void {
  const { tokens } = parseArgs({
    args: [...args],
    options: parseArgsOptions(accepted),
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const names = new Set(accepted.map((o) => o.name));
  for (const token of tokens) {
    if (token.kind !== 'option' || names.has(token.name)) continue;
    const help = `see \`replicate-media ${command.name} --help\``;
    const raw = token.rawName;
    if (!raw.startsWith('--')) throw new UsageError(`Unknown option ${raw} for ${command.name}: ${help}.`);
    const refusal = command.refusals?.[token.name];
    if (refusal !== undefined) {
      throw new UsageError(
        `${command.name} does not take ${raw}: ${refusal}. See \`replicate-media ${command.name} --help\`.`,
      );
    }
    const suggestion = closestName(token.name, [...names]);
    if (suggestion !== undefined) {
      throw new UsageError(`Unknown option ${raw} for ${command.name} (did you mean --${suggestion}?): ${help}.`);
    }
    const takers = commands.filter((c) => acceptedOptions(c).some((o) => o.name === token.name)).map((c) => c.name);
    if (takers.length > 0) {
      throw new UsageError(
        `${command.name} does not take ${raw} (${takers.join(', ')} ${takers.length === 1 ? 'does' : 'do'}): ${help}.`,
      );
    }
    throw new UsageError(`Unknown option ${raw} for ${command.name}: ${help}.`);
  }
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
