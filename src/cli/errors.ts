// The errors a command throws to end the process. Which exit code a failure gets is decided in
// exit-codes.ts, the one place that maps failures to exit codes.
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE } from './exit-codes.js';

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

/** Attaches the fields the `--json` error document should carry. */
export function withJson<E extends CliError>(error: E, details: Record<string, unknown>): E {
  error.details = { ...error.details, ...details };
  return error;
}

/** The message a user sees when no API key is configured. */
export const NO_API_KEY_MESSAGE =
  'API key not provided: set REPLICATE_API_KEY (or REPLICATE_API_TOKEN) to your Replicate token, ' +
  'or try it without an account: add --emulator to run against the built-in emulator, or run `replicate-media demo`.';
