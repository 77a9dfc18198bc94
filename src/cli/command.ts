// The shape of a command: its name, its help text, the options it declares (once), how it turns
// parsed arguments into its typed options, and what it does with them. Parse, then run: a command's
// `parse` checks everything it can without side effects (bad input exits 2 before anything is paid
// for); `run` gets a typed options object.
import type { ParsedArgs } from './args.js';
import type { CommandContext } from './context.js';
import { HELP_OPTION, JSON_OPTION, type OptionDecl, QUIET_OPTION, VERBOSE_OPTION } from './options.js';

export interface Command<Options = unknown> {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** What follows `replicate-media NAME` on the usage line (`PROMPT [options]`). */
  readonly usage: string;
  /** What the command does, a paragraph or two (help prints it under the usage line). */
  readonly description: string;
  /** The command's own options, each declared once; help lists them in this order. */
  readonly options: readonly OptionDecl[];
  /** The global options it takes (those that mean something for it); default {@link GLOBAL_OPTIONS}. */
  readonly globals?: readonly OptionDecl[];
  /**
   * Why an option other commands take is not one of this command's, for the error message
   * (`estimate` and `--emulator`: it talks to no API).
   */
  readonly refusals?: Readonly<Record<string, string>>;
  readonly examples?: readonly string[];
  /** Turns the parsed arguments into the command's options; throws a UsageError for bad input. */
  parse(args: ParsedArgs): Options;
  /**
   * Runs the command. Returns normally on success (exit 0); throws a CliError for anything else
   * (its exitCode decides the process's).
   */
  run(ctx: CommandContext, options: Options): Promise<void>;
}

/** The options that mean the same on every command. */
export const GLOBAL_OPTIONS: readonly OptionDecl[] = [JSON_OPTION, QUIET_OPTION, VERBOSE_OPTION, HELP_OPTION];

/** A command, typed by its options (so that `run` gets what `parse` made). */
export function defineCommand<Options>(command: Command<Options>): Command<Options> {
  return command;
}

/** The global options a command takes. */
export function globalsOf(command: Command): readonly OptionDecl[] {
  return command.globals ?? GLOBAL_OPTIONS;
}

/** Every option a command accepts: its own, then the global ones it takes (its own win a name clash). */
export function acceptedOptions(command: Command): readonly OptionDecl[] {
  const own = new Set(command.options.map((o) => o.name));
  return [...command.options, ...globalsOf(command).filter((o) => !own.has(o.name))];
}
