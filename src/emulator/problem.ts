// Errors as Replicate sends them: `application/problem+json` bodies `{title, detail, status}`.

export interface Problem {
  status: number;
  title: string;
  detail: string;
  /** Extra members, e.g. `invalid_fields` on a 422. */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthenticated',
  402: 'Payment required',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Request entity too large',
  415: 'Unsupported media type',
  422: 'Input validation failed',
  429: 'Request was throttled',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

export function titleFor(status: number): string {
  return TITLES[status] ?? `HTTP ${status}`;
}

export function problem(status: number, detail: string, extra?: Record<string, unknown>): Problem {
  return { status, title: titleFor(status), detail, ...(extra ? { extra } : {}) };
}

/** Thrown by handlers; the server turns it into a problem response. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
    this.name = 'ProblemError';
  }
}

export function fail(status: number, detail: string, extra?: Record<string, unknown>): never {
  throw new ProblemError(problem(status, detail, extra));
}

export function problemBody(p: Problem): string {
  return JSON.stringify({ title: p.title, detail: p.detail, status: p.status, ...p.extra });
}
