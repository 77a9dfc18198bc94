// Running one command line: find the command, parse its arguments, run it, and turn the outcome
// into output and an exit code (0 success, 1 failed or timed out, 2 usage or configuration,
// 130 interrupted). Independent of `process`, so it can be driven with fake streams and signals.
import { readFileSync } from 'node:fs';
import { type GlobalFlags, parseCommandArgs, splitCommand } from './args.js';
import type { Command } from './command.js';
import { GLOBAL_HELP } from './command.js';
import { batchCommand } from './commands/batch.js';
import { cancelCommand } from './commands/cancel.js';
import { demoCommand } from './commands/demo.js';
import { emulatorCommand } from './commands/emulator.js';
import { estimateCommand } from './commands/estimate.js';
import { historyCommand } from './commands/history.js';
import { imageCommand } from './commands/image.js';
import { pollCommand } from './commands/poll.js';
import { predictionsCommand } from './commands/predictions.js';
import { resumeCommand } from './commands/resume.js';
import { videoCommand } from './commands/video.js';
import { RunContext } from './context.js';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from './errors.js';
import type { TextSink } from './output.js';

export const COMMANDS: readonly Command[] = [
  imageCommand,
  videoCommand,
  batchCommand,
  demoCommand,
  estimateCommand,
  pollCommand,
  cancelCommand,
  predictionsCommand,
  resumeCommand,
  historyCommand,
  emulatorCommand,
];

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

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const list = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `replicate-media ${version()}: generate images and videos with Replicate, from the terminal.

Usage: replicate-media COMMAND [arguments] [options]

Commands:
${list}

Try it without an account:  replicate-media demo
Run \`replicate-media COMMAND --help\` for a command's options.

${GLOBAL_HELP}

Exit codes: 0 success, 1 the generation failed or timed out, 2 usage or configuration error,
130 interrupted (Ctrl-C; the running prediction is canceled on the server first).`;
}

export interface RunOptions {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdout: TextSink;
  stderr: TextSink;
  /** Aborted on the first SIGINT/SIGTERM. */
  signal: AbortSignal;
}

/** Runs one command line; resolves to the exit code. Never throws. */
export async function run(options: RunOptions): Promise<number> {
  const { argv, env, stdout, stderr, signal } = options;
  const { command: name, rest } = splitCommand(argv);
  const fallbackGlobals = roughGlobals(argv);

  if (name === undefined || name === 'help') {
    const topic = name === 'help' ? splitCommand(rest).command : undefined;
    const command = topic ? COMMANDS.find((c) => c.name === topic) : undefined;
    if (argv.includes('--version') || argv.includes('-v')) {
      stdout.write(`${version()}\n`);
      return EXIT_OK;
    }
    if (name === undefined && !fallbackGlobals.help) {
      stderr.write(`${mainHelp()}\n`);
      return EXIT_USAGE;
    }
    stdout.write(`${command ? command.help : mainHelp()}\n`);
    return EXIT_OK;
  }

  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const suggestion = COMMANDS.find((c) => c.name.startsWith(name.slice(0, 3)));
    return report(
      new UsageError(
        `Unknown command "${name}"${suggestion ? ` (did you mean "${suggestion.name}"?)` : ''}: run \`replicate-media --help\` for the list.`,
      ),
      fallbackGlobals,
      stdout,
      stderr,
      [],
    );
  }

  let globals = fallbackGlobals;
  let ctx: RunContext | undefined;
  try {
    const args = parseCommandArgs(command.name, rest, command.options);
    globals = args.globals;
    if (globals.help) {
      stdout.write(`${command.help}\n`);
      return EXIT_OK;
    }
    ctx = new RunContext({ globals, stdout, stderr, env, signal });
    await command.run(ctx, args);
    await ctx.cleanup();
    return EXIT_OK;
  } catch (error) {
    await ctx?.cleanup();
    return report(error, globals, stdout, stderr, ctx?.secrets ?? [], command.name);
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
  const exitCode = error instanceof CliError ? error.exitCode : EXIT_FAILED;
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
    emulator: has('--emulator'),
    baseUrl: undefined,
    speed: undefined,
  };
}
