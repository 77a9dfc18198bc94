// Declaring an option once. A command's help page, its parseArgs configuration, the check for
// unknown options and the "did you mean" suggestions are all derived from these declarations, so a
// page cannot list an option the parser refuses, nor a default the parser does not apply.
import type { ParseArgsConfig } from 'node:util';

/** One command-line option, as declared by the commands that take it. */
export interface OptionDecl {
  /** The long name, without `--`. */
  readonly name: string;
  readonly type: 'string' | 'boolean';
  /** One letter, without `-`. */
  readonly short?: string;
  /** The value's placeholder in help (`N`, `DIR`); string options only. */
  readonly value?: string;
  /** May be given more than once (string options only); the values arrive as a list, in order. */
  readonly multiple?: boolean;
  /** What it does, one line. */
  readonly description: string;
  /**
   * The value the parser applies when the option is absent; help prints it as `(default X)`.
   * Only for defaults the CLI itself applies.
   */
  readonly default?: string;
  /** What happens when the option is absent and the CLI applies no value (the model or the server decides). */
  readonly whenAbsent?: string;
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** The parseArgs configuration of these declarations (defaults included). */
export function parseArgsOptions(decls: readonly OptionDecl[]): OptionSpec {
  const spec: OptionSpec = {};
  for (const decl of decls) {
    spec[decl.name] = {
      type: decl.type,
      ...(decl.short !== undefined ? { short: decl.short } : {}),
      ...(decl.multiple === true ? { multiple: true } : {}),
      ...(decl.default !== undefined ? { default: decl.default } : {}),
    };
  }
  return spec;
}

/** `-o, --out DIR` / `    --json`: how an option is written in help. */
export function optionSyntax(decl: OptionDecl): string {
  const long = `--${decl.name}${decl.type === 'string' ? ` ${decl.value ?? 'VALUE'}` : ''}`;
  return decl.short !== undefined ? `-${decl.short}, ${long}` : `    ${long}`;
}

/**
 * The description with its default (or what happens without it), as help prints it: words, the
 * default last and whole, so that wrapping never splits `(default X)`.
 */
export function optionDescription(decl: OptionDecl): string[] {
  const words = decl.description.split(' ');
  if (decl.default !== undefined) return [...words, `(default ${decl.default})`];
  if (decl.whenAbsent !== undefined) return [...words, `(if not given: ${decl.whenAbsent})`];
  return words;
}

// The options every command takes, with one meaning everywhere.

export const HELP_OPTION: OptionDecl = { name: 'help', type: 'boolean', short: 'h', description: 'show help' };
export const JSON_OPTION: OptionDecl = {
  name: 'json',
  type: 'boolean',
  description: 'print one JSON document on stdout and nothing else',
};
export const VERBOSE_OPTION: OptionDecl = {
  name: 'verbose',
  type: 'boolean',
  description: 'show stack traces with errors',
};
export const QUIET_OPTION: OptionDecl = {
  name: 'quiet',
  type: 'boolean',
  short: 'q',
  description: 'no progress on stderr',
};

// The options of the commands that talk to an API (image, video, batch, poll, cancel, predictions; resume
// takes --base-url only, since an embedded emulator starts empty).

/** Speed factor of the embedded emulator behind `--emulator` (flux-schnell ~0.1 s, SkyReels-2 ~4 s). */
export const EMBEDDED_EMULATOR_SPEED = 10;

export const EMULATOR_OPTION: OptionDecl = {
  name: 'emulator',
  type: 'boolean',
  description:
    'run on a Replicate emulator started in this process, stopped when the command ends (no account, nothing billed)',
};
export const BASE_URL_OPTION: OptionDecl = {
  name: 'base-url',
  type: 'string',
  value: 'URL',
  description: 'the API to talk to',
  whenAbsent: 'REPLICATE_BASE_URL, else https://api.replicate.com/v1',
};
export const SPEED_OPTION: OptionDecl = {
  name: 'speed',
  type: 'string',
  value: 'N',
  description: "with --emulator: divide the emulator's model timings by N",
  default: String(EMBEDDED_EMULATOR_SPEED),
};
export const API_OPTIONS: readonly OptionDecl[] = [EMULATOR_OPTION, BASE_URL_OPTION, SPEED_OPTION];

// The journal and the budget, with one meaning wherever they are taken.

/** Where the journal is when neither --journal nor REPLICATE_MEDIA_JOURNAL says. */
export const DEFAULT_JOURNAL_LOCATION = 'replicate-output/journal.jsonl';

/** `--journal`: a JSON Lines file, or a PostgreSQL database a fleet of processes shares. */
export function journalOption(what: string, withEmulator: boolean): OptionDecl {
  return {
    name: 'journal',
    type: 'string',
    value: 'FILE|URL',
    description: `${what}: a JSON Lines file, or a postgres:// URL shared by every process of a fleet`,
    whenAbsent: `REPLICATE_MEDIA_JOURNAL, else ${DEFAULT_JOURNAL_LOCATION}${withEmulator ? '; none with --emulator' : ''}`,
  };
}

/** The journal option of the generating commands. */
export const JOURNAL_OPTION: OptionDecl = journalOption('where every prediction is recorded', true);

/** `--budget USD`: the most the call (image, video) or the run (batch) may cost. */
export function budgetOption(scope: 'call' | 'run'): OptionDecl {
  return {
    name: 'budget',
    type: 'string',
    value: 'USD',
    description: `the most this ${scope} may cost, in dollars: nothing is created past it (exit 2); with a postgres:// --journal, the budget of the whole fleet`,
  };
}
