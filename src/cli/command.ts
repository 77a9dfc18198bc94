// The shape of a command: its name, its help, its own options, and what it does.
import type { OptionSpec, ParsedArgs } from './args.js';
import type { CommandContext } from './context.js';

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full `--help` text (usage, options, examples). */
  help: string;
  /** The command's own options (global ones are added by the parser). */
  options: OptionSpec;
  /**
   * Runs the command. Returns normally on success (exit 0); throws a CliError for anything else
   * (its exitCode decides the process's).
   */
  run(ctx: CommandContext, args: ParsedArgs): Promise<void>;
}

/** The options shared by every command, for help texts. */
export const GLOBAL_HELP = `Global options:
  --emulator         run against a built-in Replicate emulator started in this process
                     (no account, no network, nothing billed)
  --speed N          with --emulator: divide the emulator's model timings by N (default 10)
  --base-url URL     the API to talk to (default: REPLICATE_BASE_URL, else https://api.replicate.com/v1)
  --json             print one JSON document on stdout and nothing else
  -q, --quiet        no progress on stderr
  --verbose          show stack traces with errors
  -h, --help         show help

Environment:
  REPLICATE_API_KEY (or REPLICATE_API_TOKEN)  your Replicate API token; never printed
  REPLICATE_BASE_URL                           same as --base-url
  NO_COLOR                                     no colors in the status line`;
