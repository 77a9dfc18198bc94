// The request pipeline: each step is a middleware `(exchange, next) => Promise<void>` (the shape of
// hono's and koa's compose), so faults, auth and rate limiting are separate, reorderable pieces and
// a route says which steps it runs. A step answers by setting `exchange.reply` and not calling
// `next`; it post-processes by acting after `await next()`.

import type { ServerResponse } from 'node:http';
import type { Reply, RequestContext } from './http.js';
import { type Problem, ProblemError, problem, problemBody } from './problem.js';
import type { Route } from './router.js';

/** One request on its way through the steps: the handler's context plus what the steps decided. */
export interface Exchange extends RequestContext {
  res: ServerResponse;
  route: Route;
  /** The answer, once a step or the handler has given one. */
  reply?: Reply;
  /** Set when a step dealt with the socket itself (reset, stall): nothing more is written. */
  settled: boolean;
  /** A fault that damages the written answer. */
  writeMode?: 'malformed' | 'truncated';
  /** Whether the answer counts in `stats().responsesByStatus` (admin calls do not). */
  counted: boolean;
}

export type Middleware = (exchange: Exchange, next: () => Promise<void>) => Promise<void>;

/** Chains middleware into one; calling `next` twice from one step is a bug and throws. */
export function compose(steps: readonly Middleware[]): (exchange: Exchange) => Promise<void> {
  return (exchange) => {
    let reached = -1;
    const dispatch = async (i: number): Promise<void> => {
      if (i <= reached) throw new Error('next() called twice in one emulator middleware');
      reached = i;
      const step = steps[i];
      if (step) await step(exchange, () => dispatch(i + 1));
    };
    return dispatch(0);
  };
}

export function problemReply(p: Problem): Reply {
  return {
    kind: 'body',
    status: p.status,
    headers: { 'content-type': 'application/problem+json', ...p.headers },
    body: problemBody(p),
  };
}

/** Runs a handler, turning thrown problems (and oversized bodies) into problem replies. */
export async function guarded(work: () => Reply | Promise<Reply>): Promise<Reply> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ProblemError) return problemReply(error.problem);
    if (error && typeof error === 'object' && 'tooLarge' in error) {
      return problemReply(
        problem(413, `The request body is too large (${(error as unknown as { size: number }).size} bytes)`),
      );
    }
    throw error;
  }
}

/** The last step: the route's handler, its thrown problems turned into replies. */
export const handle: Middleware = async (exchange) => {
  exchange.reply = await guarded(() => exchange.route.handler(exchange));
};
