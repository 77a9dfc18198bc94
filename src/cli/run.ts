// Running one command line: find the command, parse its arguments into its typed options, run it,
// and turn the outcome into output and an exit code (see exit-codes.ts). Independent of `process`,
// so it can be driven with fake streams and signals.
import { readFileSync } from 'node:fs';
import { type GlobalFlags, parseCommandArgs, splitCommand, valueOptionSpellings } from './args.js';
import type { Command } from './command.js';
import { batchCommand } from './commands/batch.js';
import { cancelCommand } from './commands/cancel.js';
import { demoCommand } from './commands/demo.js';
import { emulatorCommand } from './commands/emulator.js';
import { estimateCommand } from './commands/estimate.js';
import { historyCommand } from './commands/history.js';
import { imageCommand } from './commands/image.js';
import { modelsCommand } from './commands/models.js';
import { pollCommand } from './commands/poll.js';
import { predictionsCommand } from './commands/predictions.js';
import { resumeCommand } from './commands/resume.js';
import { videoCommand } from './commands/video.js';
import { RunContext } from './context.js';
import { CliError, UsageError } from './errors.js';
import { EXIT_OK, EXIT_USAGE, exitCodeOf } from './exit-codes.js';
import { commandHelp, mainHelp } from './help.js';
import type { TextSink } from './output.js';
import { closestName } from './suggest.js';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  imageCommand,
  videoCommand,
  batchCommand,
  demoCommand,
  estimateCommand,
  modelsCommand,
  pollCommand,
  cancelCommand,
  predictionsCommand,
  resumeCommand,
  historyCommand,
  emulatorCommand,
];

const VALUE_OPTIONS = valueOptionSpellings(COMMANDS);

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export interface RunOptions {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdout: TextSink;
  stderr: TextSink;
  /** Aborted on the first SIGINT/SIGTERM. */
  signal: AbortSignal;
}

/** The command of that name, or a usage error with the closest name when one is close. */
function findCommand(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (command) return command;
  const suggestion = closestName(name, [...COMMANDS.map((c) => c.name), 'help']);
  throw new UsageError(
    `Unknown command "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}: run \`replicate-media --help\` for the list.`,
  );
}

/** Runs one command line; resolves to the exit code. Never throws. */
export async function run(options: RunOptions): Promise<number> {
  const { argv, env, stdout, stderr, signal } = options;
  const { command: name, rest } = splitCommand(argv, VALUE_OPTIONS);
  let globals = roughGlobals(argv);
  let command: Command | undefined;
  let ctx: RunContext | undefined;
  try {
    if (name === undefined) {
      if (argv.includes('--version') || argv.includes('-v')) {
        stdout.write(`${version()}\n`);
        return EXIT_OK;
      }
      // No command: help on stdout when asked for, else on stderr as a usage error.
      if (globals.help) {
        stdout.write(`${mainHelp(COMMANDS, version())}\n`);
        return EXIT_OK;
      }
      stderr.write(`${mainHelp(COMMANDS, version())}\n`);
      return EXIT_USAGE;
    }
    if (name === 'help') {
      const topic = splitCommand(rest, VALUE_OPTIONS).command;
      stdout.write(`${topic === undefined ? mainHelp(COMMANDS, version()) : commandHelp(findCommand(topic))}\n`);
      return EXIT_OK;
    }
    command = findCommand(name);
    const args = parseCommandArgs(command, rest, COMMANDS);
    globals = args.globals;
    if (globals.help) {
      stdout.write(`${commandHelp(command)}\n`);
      return EXIT_OK;
    }
    const commandOptions = command.parse(args);
    ctx = new RunContext({ globals, stdout, stderr, env, signal });
    await command.run(ctx, commandOptions);
    await ctx.cleanup();
    return EXIT_OK;
  } catch (error) {
    await ctx?.cleanup();
    return report(error, globals, stdout, stderr, ctx?.secrets ?? [], command?.name);
  }
}

/** Prints an error as one sentence on stderr (and the JSON document with --json); returns the exit code. */
function report(
  error: unknown,
  globals: GlobalFlags,
  stdout: TextSink,
  stderr: TextSink,
  secrets: readonly string[],
  commandName?: string,
): number {
  const scrub = (text: string): string =>
    secrets.reduce((t, s) => (s.length >= 4 ? t.split(s).join('[redacted]') : t), text);
  const exitCode = exitCodeOf(error);
  const message =
    error instanceof CliError
      ? error.message
      : `Unexpected error: ${error instanceof Error ? error.message : String(error)}. Run again with --verbose and report it if it persists.`;
  if (globals.json) {
    const details = error instanceof CliError ? error.details : {};
    const document = {
      success: false,
      ...(commandName ? { command: commandName } : {}),
      ...details,
      error: message,
      exitCode,
    };
    stdout.write(`${scrub(JSON.stringify(document, null, 2))}\n`);
  }
  stderr.write(`${scrub(`Error: ${message}`)}\n`);
  if (globals.verbose && error instanceof Error && error.stack) {
    stderr.write(`${scrub(error.stack)}\n`);
    let cause = (error as { cause?: unknown }).cause;
    while (cause instanceof Error) {
      stderr.write(`Caused by: ${scrub(cause.stack ?? cause.message)}\n`);
      cause = (cause as { cause?: unknown }).cause;
    }
  }
  return exitCode;
}

/** Global flags read without knowing the command (for errors before parsing succeeds). */
function roughGlobals(argv: readonly string[]): GlobalFlags {
  const has = (flag: string): boolean => argv.includes(flag);
  return {
    help: has('--help') || has('-h'),
    json: has('--json'),
    verbose: has('--verbose'),
    quiet: has('--quiet') || has('-q'),
    emulator: false,
    baseUrl: undefined,
    speed: undefined,
  };
}
