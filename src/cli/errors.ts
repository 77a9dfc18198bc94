// The errors a command throws to end the process, each with the exit code it maps to.
// Exit codes: 0 success, 1 the generation failed or timed out, 2 usage or configuration error,
// 130 interrupted (Ctrl-C / SIGINT, the shell convention 128 + 2).

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/**
 * An error the CLI reports as one sentence on stderr (no stack trace unless `--verbose`) before
 * exiting with `exitCode`. `message` says what went wrong and what to do about it.
 */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  /** Extra fields for the `--json` document printed when this error ends the command. */
  details: Record<string, unknown> = {};
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bad arguments or a missing/invalid setting (API key, base URL): exit 2. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT_USAGE, options);
  }
}

/** The generation (or another API operation) failed, timed out or could not be saved: exit 1. */
export class FailedError extends CliError {
  override readonly name = 'FailedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT_FAILED, options);
  }
}

/** The user interrupted the command (Ctrl-C); running predictions were canceled: exit 130. */
export class InterruptedError extends CliError {
  override readonly name = 'InterruptedError';
  constructor(message: string) {
    super(message, EXIT_INTERRUPTED);
  }
}

/** The message a user sees when no API key is configured. */
export const NO_API_KEY_MESSAGE =
  'API key not provided: set REPLICATE_API_KEY (or REPLICATE_API_TOKEN) to your Replicate token, ' +
  'or try it without an account: add --emulator to run against the built-in emulator, or run `replicate-media demo`.';
