// The shapes shared by the server and the route handlers: a request context in, a reply out.
// Handlers return replies rather than writing, so faults (malformed JSON, a reset after the
// prediction was created) can be applied to any route's answer.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { fail } from './problem.js';
import type { EmulatorState } from './state.js';

export type Reply =
  | { kind: 'body'; status: number; headers?: Record<string, string>; body?: string | Uint8Array }
  /** Takes over the response (SSE); `status` is only for the counters. */
  | { kind: 'stream'; status: number; start: (res: ServerResponse) => void };

/**
 * A path parameter the matched route declares. A missing one is a bug in the route table, not the client's
 * fault, so it throws (a 500) instead of answering 404 for a request that was fine.
 */
export function pathParam(ctx: RequestContext, name: string): string {
  const value = ctx.params[name];
  if (value === undefined) throw new Error(`internal: the route for ${ctx.url.pathname} has no :${name} parameter`);
  return value;
}

export interface RequestContext {
  req: IncomingMessage;
  url: URL;
  params: Record<string, string>;
  state: EmulatorState;
  /** The bearer token, when the route needs auth. */
  token: string;
  /** Set by the `late-create` fault: the prediction is made this many ms later and the answer is lost. */
  lateCreateMs?: number;
  /** Resolves when the client goes away (used to stop waiting for it). */
  clientGone: Promise<void>;
  body(limitBytes?: number): Promise<Buffer>;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

export const JSON_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

export function json(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return {
    kind: 'body',
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(value),
  };
}

/** A JSON answer already serialized (a cached prediction, a list page joined from cached ones). */
export function serializedJson(status: number, body: Uint8Array, headers?: Record<string, string>): Reply {
  return { kind: 'body', status, headers: { 'content-type': 'application/json', ...headers }, body };
}

/**
 * Reads a JSON object body; malformed JSON → 400, anything but an object → 400. A body declared as a
 * form, multipart, XML or binary is 415 (plain text is let through: `fetch` labels string bodies so).
 */
export async function readJsonObject(ctx: RequestContext): Promise<Record<string, unknown>> {
  const raw = await ctx.body(JSON_BODY_LIMIT_BYTES);
  const text = raw.toString('utf8').trim();
  if (text === '') return {};
  const declared = ((ctx.req.headers['content-type'] ?? '').split(';')[0] ?? '').trim().toLowerCase();
  if (declared !== '' && declared !== 'text/plain' && declared !== 'application/json' && !declared.endsWith('+json')) {
    fail(415, `Unsupported media type ${JSON.stringify(declared.slice(0, 100))}: send the body as application/json`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    fail(400, `The request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(400, 'The request body must be a JSON object');
  return value as Record<string, unknown>;
}

/**
 * Reads a whole body, up to `limitBytes`. A larger body is drained (so the client gets to read
 * the answer rather than a broken pipe) and answered 413.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    let ended = false;
    req.on('close', () => {
      if (!ended) reject(Object.assign(new Error('the client closed the connection mid-body'), { clientGone: true }));
    });
    req.on('end', () => {
      ended = true;
      if (tooLarge) {
        reject(Object.assign(new Error('too large'), { tooLarge: true, size }));
      } else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}
