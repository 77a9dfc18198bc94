// The one place that decides a process's exit code from a failure: 0 success, 1 the generation
// failed or timed out, 2 usage or configuration error, 130 interrupted (Ctrl-C / SIGINT, the shell
// convention 128 + 2). Errors the CLI throws carry the code chosen here; anything else is 1.

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** A failure the client reported, by its stable error code. */
export interface ClientFailure {
  /** The client's `code` (`auth`, `timeout`, `http`, ...). */
  errorCode: string;
  /** HTTP status of the API answer behind it, when there was one. */
  httpStatus?: number | null | undefined;
  /**
   * Whether the failure concerns a prediction that exists: a 404 about one that does not (an unknown
   * model, a mistyped id) is the user's to fix (2); a 404 later in a prediction's life is a failure (1).
   */
  predictionExists: boolean;
  /** Whether the user interrupted the command (Ctrl-C): a `canceled` failure is then theirs (130), else 1. */
  interrupted: boolean;
}

/** The exit code for a failure the client reported. */
export function exitCodeForFailure(failure: ClientFailure): number {
  switch (failure.errorCode) {
    case 'canceled':
      return failure.interrupted ? EXIT_INTERRUPTED : EXIT_FAILED;
    case 'auth':
    case 'invalid_input':
    case 'budget_exceeded':
      return EXIT_USAGE;
    default:
      return failure.httpStatus === 404 && !failure.predictionExists ? EXIT_USAGE : EXIT_FAILED;
  }
}

/** The exit code an error that ended a command maps to: its own for the CLI's errors, else 1. */
export function exitCodeOf(error: unknown): number {
  const code = (error as { exitCode?: unknown } | null)?.exitCode;
  return error instanceof Error && typeof code === 'number' && Number.isInteger(code) ? code : EXIT_FAILED;
}
