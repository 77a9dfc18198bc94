// The request steps the routes are built from (see pipeline.ts): counting, logging, injected
// faults, authentication and rate limiting. Each is one middleware; router.ts lists which run where.

import type { ServerResponse } from 'node:http';
import { bearerToken, isAuthorized } from './auth.js';
import type { Reply } from './http.js';
import { type Exchange, type Middleware, problemReply } from './pipeline.js';
import { type Problem, problem } from './problem.js';
import type { RateClass } from './rate-limit.js';
import type { EmulatorState } from './state.js';
import type { FaultRule, RouteName } from './types.js';

/** Counts the request under its route name in `stats().requests`. */
export const countRequest: Middleware = async (exchange, next) => {
  exchange.state.countRequest(exchange.route.name as RouteName);
  await next();
};

/** Public routes (outputs, streams) need no key: a client sending one anyway is leaking it. */
export const noticeKeyOnPublicRoute: Middleware = async (exchange, next) => {
  if (exchange.req.headers.authorization !== undefined) exchange.state.counters.authOnPublicRoutes += 1;
  await next();
};

/** One log line per answered request. */
export const logRequest: Middleware = async (exchange, next) => {
  const { req, res, state } = exchange;
  const path = exchange.url.pathname.length > 1 ? exchange.url.pathname.replace(/\/+$/, '') : exchange.url.pathname;
  res.once('finish', () => state.log(`${req.method} ${path} → ${res.statusCode}`));
  await next();
};

function faultStatusReply(rule: FaultRule, nowMs: number): Reply {
  const status = rule.status ?? 503;
  const p: Problem =
    status === 429
      ? problem(429, `Request was throttled. Your rate limit resets in ~${rule.retryAfterSeconds ?? 1}s.`)
      : problem(status, `Injected fault: HTTP ${status}`);
  // A 429 says when to come back unless told not to; other statuses only when asked (a 503 may).
  const retryAfter =
    status === 429 ? (rule.retryAfterSeconds === undefined ? 1 : rule.retryAfterSeconds) : rule.retryAfterSeconds;
  if (typeof retryAfter === 'number')
    p.headers = {
      // As an HTTP date on the server's own clock (which may be off: EmulatorOptions.clockOffsetMs), rounded
      // up so the client waits at least `retryAfter` seconds by that clock.
      'retry-after': rule.retryAfterDate
        ? new Date(Math.ceil((nowMs + retryAfter * 1000) / 1000) * 1000).toUTCString()
        : String(retryAfter),
    };
  return problemReply(p);
}

/** Drops the connection with a TCP reset; the request gets no answer at all. */
export function resetConnection(exchange: Exchange): void {
  exchange.state.countResponse('reset');
  exchange.res.socket?.resetAndDestroy();
  exchange.req.destroy();
  exchange.settled = true;
}

/** Scripted failures (FaultRule): delay, refuse, reset, stall, or damage the answer on its way out. */
export const injectFaults: Middleware = async (exchange, next) => {
  const { state, req, url } = exchange;
  const plan = state.faults.plan(exchange.route.name as RouteName);
  if (plan.latencyMs > 0) await sleep(state, plan.latencyMs);
  const fault = plan.fault;
  if (fault?.type === 'reset-before') return resetConnection(exchange);
  if (fault?.type === 'status') {
    exchange.reply = faultStatusReply(fault, state.now());
    return;
  }
  if (fault?.type === 'stall') return stall(exchange, fault.ms);
  if (fault?.type === 'stream-408') {
    exchange.reply = brokenStream(exchange, (res) => res.end(': 408\n\n'));
    return;
  }
  if (fault?.type === 'stream-no-newlines') {
    exchange.reply = brokenStream(exchange, (res) => void writeWithoutNewlines(exchange, res, fault.bytes));
    return;
  }
  if (fault?.type === 'late-create') exchange.lateCreateMs = fault.ms ?? DEFAULT_LATE_CREATE_MS;
  await next();
  if (fault?.type === 'late-create') {
    state.log(`create answer lost; its prediction appears in ${exchange.lateCreateMs} ms`);
    return resetConnection(exchange);
  }
  if (fault?.type === 'reset-after-create') {
    // The work is done (a prediction was created) but the client never hears of it.
    if (exchange.reply?.kind === 'body')
      state.log(`reset after handling ${req.method} ${url.pathname} (answer was ${exchange.reply.status})`);
    return resetConnection(exchange);
  }
  if (fault?.type === 'malformed-json') exchange.writeMode = 'malformed';
  if (fault?.type === 'truncate') exchange.writeMode = 'truncated';
};

/** `late-create` without `ms`: the prediction appears this long after the lost answer. */
const DEFAULT_LATE_CREATE_MS = 100;
/** `stream-no-newlines` without `bytes`. */
const DEFAULT_NEWLINE_FREE_BYTES = 8 * 1024 * 1024;

/** An event stream that the fault writes itself (the prediction is never looked at). */
function brokenStream(exchange: Exchange, write: (res: ServerResponse) => void): Reply {
  exchange.state.log(`broken stream on ${exchange.url.pathname}`);
  return {
    kind: 'stream',
    status: 200,
    start: (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      write(res);
    },
  };
}

/** `bytes` of event-stream text with no line break at all, in chunks, then the end. */
async function writeWithoutNewlines(exchange: Exchange, res: ServerResponse, bytes?: number): Promise<void> {
  const { state } = exchange;
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  state.openHandles.add(stop);
  res.once('close', stop);
  const chunk = 'data: '.padEnd(64 * 1024, 'x');
  try {
    for (let left = bytes ?? DEFAULT_NEWLINE_FREE_BYTES; left > 0 && !stopped; left -= chunk.length) {
      if (!res.write(left >= chunk.length ? chunk : chunk.slice(0, left))) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
        });
      }
    }
    if (stopped) res.destroy();
    else res.end();
  } finally {
    state.openHandles.delete(stop);
  }
}

/** API routes take `Authorization: Bearer <token>` (or `Token <token>`); see auth.ts. */
export const authenticate: Middleware = async (exchange, next) => {
  const header = exchange.req.headers.authorization;
  const token = bearerToken(header);
  if (token === undefined || !isAuthorized(header, exchange.state.options.token)) {
    exchange.reply = problemReply(
      problem(
        401,
        header ? 'You did not pass a valid authentication token' : 'You did not pass an authentication token',
      ),
    );
    return;
  }
  exchange.token = token;
  await next();
};

/** Token buckets per class and key; every answer the bucket counted says so, problems (404, 422, ...) included. */
export const rateLimit: Middleware = async (exchange, next) => {
  const name = exchange.route.name;
  const rateClass: RateClass = name === 'predictions.create' ? 'create' : name === 'predictions.get' ? 'get' : 'other';
  const decision = exchange.state.rateLimiter.take(rateClass, exchange.token);
  if (!decision) return next();
  const rateHeaders = {
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': String(decision.resetSeconds),
  };
  if (!decision.allowed) {
    const p = problem(429, `Request was throttled. Your rate limit resets in ~${decision.retryAfterSeconds}s.`);
    p.headers = { ...rateHeaders, 'retry-after': String(decision.retryAfterSeconds) };
    exchange.reply = problemReply(p);
    return;
  }
  await next();
  const reply = exchange.reply;
  if (reply?.kind === 'body') reply.headers = { ...rateHeaders, ...reply.headers };
};

/** Admin answers are not counted in the stats they report. */
export const uncounted: Middleware = async (exchange, next) => {
  exchange.counted = false;
  await next();
};

/** Holds the request without answering; after `ms` (if set) resets the connection. */
function stall(exchange: Exchange, ms: number | undefined): Promise<void> {
  const { state, res } = exchange;
  exchange.settled = true;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (timer) clearTimeout(timer);
      state.openHandles.delete(finish);
      if (!res.destroyed) resetConnection(exchange);
      resolve();
    };
    if (ms !== undefined) timer = setTimeout(finish, ms);
    state.openHandles.add(finish);
    void exchange.clientGone.then(() => {
      if (timer) clearTimeout(timer);
      state.openHandles.delete(finish);
      resolve();
    });
  });
}

function sleep(state: EmulatorState, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      state.openHandles.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    state.openHandles.add(done);
  });
}
