// Small hostile HTTP servers on loopback, written independently of the emulator: each one does the one
// thing a real server could do to break a promise (echo the key, send 200 MB, never send a newline, ...).
// Tests count what the client did to them (requests, connections, bytes the server managed to send).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The key hostile tests use: real-shaped (`r8_` + 37 characters), so every guard applies to it. */
export const REAL_SHAPED_KEY = 'r8_HostileTestKey0123456789abcdefghijklmn';

export interface HostileServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** `${origin}/v1`: the client's baseUrl. */
  apiUrl: string;
  /** Every request seen, as `METHOD /path`. */
  requests: string[];
  count(prefix: string): number;
  close(): Promise<void>;
}

/** Handles one request; `origin` is the server's own (`http://127.0.0.1:PORT`). */
export type Handler = (req: IncomingMessage, res: ServerResponse, body: string, origin: string) => unknown;

/** Starts a server whose every request (body read first) goes to `handler`. */
export async function startHostile(handler: Handler): Promise<HostileServer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let origin = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push(`${req.method} ${(req.url ?? '').split('?')[0]}`);
      Promise.resolve(handler(req, res, Buffer.concat(chunks).toString('utf8'), origin)).catch(() => res.destroy());
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    apiUrl: `${origin}/v1`,
    requests,
    count: (prefix) => requests.filter((r) => r.startsWith(prefix)).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A prediction object as Replicate shapes it; `over` replaces fields. */
export function prediction(origin: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const id = typeof over.id === 'string' ? over.id : 'hostile0000000000000000001';
  return {
    id,
    model: 'black-forest-labs/flux-schnell',
    version: 'hidden',
    input: { prompt: 'a cat' },
    logs: '',
    output: null,
    error: null,
    status: 'starting',
    created_at: new Date().toISOString(),
    urls: {
      get: `${origin}/v1/predictions/${id}`,
      cancel: `${origin}/v1/predictions/${id}/cancel`,
      web: `https://replicate.com/p/${id}`,
    },
    ...over,
  };
}

/** Answers JSON with `status`, extra headers allowed. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A tiny whole PNG (1×1): what a file host serves for an output. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** A different whole PNG (2×1), so two outputs can be told apart on disk. */
export const OTHER_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAAEUlEQVR42mP8z8DwnwEIGGEMAB3iA/0RUNVXAAAAAElFTkSuQmCC',
  'base64',
);

/**
 * Writes `total` bytes of `fill` to `res` in 64 KiB chunks, honouring backpressure (never holding the
 * whole body), and stops as soon as the client goes away. Resolves with the bytes actually written.
 */
export function streamFiller(res: ServerResponse, total: number, fill = 'x'): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, fill);
  let sent = 0;
  return new Promise((resolve) => {
    let closed = false;
    res.on('close', () => {
      closed = true;
      resolve(sent);
    });
    const pump = (): void => {
      while (!closed && sent < total) {
        const part = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
        sent += part.length;
        if (!res.write(part)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!closed && sent >= total) resolve(sent);
    };
    pump();
  });
}

/** A fake clock whose sleep advances it and records each wait (yields to the event loop for `realMs`). */
export function fakeClock(realMs = 1): {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  sleeps: number[];
} {
  let t = Date.now();
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleeps,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
      await new Promise((resolve) => setTimeout(resolve, realMs));
    },
  };
}

/** One prediction held by {@link startAccount}. */
export interface AccountPrediction extends Record<string, unknown> {
  id: string;
  model: string;
  input: Record<string, unknown>;
  status: string;
  created_at: string;
}

/** What the account does with one create (1-based `n`); default `answer`. */
export type CreateBehaviour =
  /** Creates the prediction and answers. */
  | 'answer'
  /** Creates the prediction, then drops the connection: the answer is lost. */
  | 'lose'
  /** Drops the connection, and creates the prediction `lateMs` later (a queue that is slow to write). */
  | { loseThenAppearAfterMs: number }
  /**
   * Drops the connection, and creates the prediction once `when` says so, checked as each later request
   * arrives (before it is handled): e.g. after the client's first listing, or when it re-sends the create.
   */
  | { loseThenAppearWhen: (account: Account) => boolean }
  /** Creates the prediction and holds the answer until `release()` (then answers). */
  | 'hold'
  /** Creates the prediction and holds the answer until `release()`, then drops the connection (lost late). */
  | 'holdThenLose';

export interface AccountOptions {
  /** Per create, 1-based. */
  onCreate?: (n: number, body: Record<string, unknown>) => CreateBehaviour;
  /** Called right after a prediction is stored (e.g. to push many newer ones ahead of it). */
  afterStore?: (account: Account, stored: AccountPrediction) => void;
  /** Reads of a prediction before it is `succeeded` (default 1). */
  readsUntilDone?: number;
  /** What a cancel answers: `canceled` (default) or `processing` (accepted; it then succeeds anyway). */
  cancelAnswer?: 'canceled' | 'processing';
  /** Output files stall after their headers (never send a body). */
  stallFiles?: boolean;
  /** Page size of `GET /v1/predictions` (Replicate: 100). */
  pageSize?: number;
}

/** A small Replicate account on loopback: creates, reads, cancels, a paginated listing, output files. */
export interface Account extends HostileServer {
  predictions: AccountPrediction[];
  /** Stores a prediction (newest first), as if another call or process had made it. */
  store(input: Record<string, unknown>, over?: Partial<AccountPrediction>): AccountPrediction;
  /** Answers (or drops, for `holdThenLose`) every held create, or only create number `n`. */
  release(n?: number): void;
  /** Ids of predictions that were never canceled and did not end failed: each one is billed. */
  billed(): string[];
}

/** Starts a {@link Account}. */
export async function startAccount(options: AccountOptions = {}): Promise<Account> {
  let creates = 0;
  let next = 1;
  const reads = new Map<string, number>();
  const held = new Map<number, () => void>();
  const predictions: AccountPrediction[] = [];
  const pageSize = options.pageSize ?? 100;
  let account!: Account;
  const store = (input: Record<string, unknown>, over: Partial<AccountPrediction> = {}): AccountPrediction => {
    const id = `acct${String(next++).padStart(22, '0')}`;
    const p = prediction(account.origin, {
      id,
      input,
      status: 'processing',
      created_at: new Date().toISOString(),
      ...over,
    }) as AccountPrediction;
    predictions.unshift(p);
    return p;
  };
  const view = (p: AccountPrediction): AccountPrediction => {
    if (p.status === 'succeeded') return { ...p, output: [`${account.origin}/files/${p.id}/out-0.png`] };
    return p;
  };
  const late: Array<{ when: (account: Account) => boolean; make: () => void }> = [];
  const server = await startHostile((req, res, text, origin) => {
    for (const pending of [...late]) {
      if (!pending.when(account)) continue;
      late.splice(late.indexOf(pending), 1);
      pending.make();
    }
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    if (path.startsWith('/files/')) {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': TINY_PNG.length });
      if (options.stallFiles) return; // headers, then nothing
      return res.end(TINY_PNG);
    }
    if (req.method === 'POST' && /^\/v1\/(models\/.+\/)?predictions$/.test(path)) {
      creates += 1;
      const body = JSON.parse(text || '{}') as Record<string, unknown>;
      const input = (body.input ?? {}) as Record<string, unknown>;
      const model = path.startsWith('/v1/models/') ? path.slice('/v1/models/'.length, -'/predictions'.length) : 'x/y';
      const n = creates;
      const behaviour = options.onCreate?.(n, body) ?? 'answer';
      const make = (): AccountPrediction => {
        const p = store(input, { model });
        options.afterStore?.(account, p);
        return p;
      };
      if (typeof behaviour === 'object') {
        if ('loseThenAppearWhen' in behaviour) late.push({ when: behaviour.loseThenAppearWhen, make });
        else setTimeout(make, behaviour.loseThenAppearAfterMs);
        return res.socket?.destroy();
      }
      const p = make();
      if (behaviour === 'lose') return res.socket?.destroy();
      if (behaviour === 'hold') return held.set(n, () => sendJson(res, 201, view(p)));
      if (behaviour === 'holdThenLose') return held.set(n, () => res.socket?.destroy());
      return sendJson(res, 201, view(p));
    }
    if (req.method === 'GET' && path === '/v1/predictions') {
      const cursor = Number(url.searchParams.get('cursor') ?? '0');
      const page = predictions.slice(cursor, cursor + pageSize).map(view);
      const more = cursor + pageSize < predictions.length;
      return sendJson(res, 200, {
        results: page,
        next: more ? `${origin}/v1/predictions?cursor=${cursor + pageSize}` : null,
        previous: null,
      });
    }
    const match = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/.exec(path);
    const found = match ? predictions.find((p) => p.id === match[1]) : undefined;
    if (!match || !found) return sendJson(res, 404, { detail: 'Not found' });
    if (match[2]) {
      if (found.status === 'processing' || found.status === 'starting') {
        if ((options.cancelAnswer ?? 'canceled') === 'canceled') found.status = 'canceled';
        else {
          // Accepted, not done: the answer says `processing`, and the prediction then completes (billed).
          sendJson(res, 200, view(found));
          found.status = 'succeeded';
          return;
        }
      }
      return sendJson(res, 200, view(found));
    }
    const seen = (reads.get(found.id) ?? 0) + 1;
    reads.set(found.id, seen);
    if (found.status === 'processing' && seen >= (options.readsUntilDone ?? 1)) found.status = 'succeeded';
    return sendJson(res, 200, view(found));
  });
  account = Object.assign(server, {
    predictions,
    store,
    release: (n?: number) => {
      for (const [k, answer] of [...held]) {
        if (n !== undefined && k !== n) continue;
        held.delete(k);
        answer();
      }
    },
    billed: () => predictions.filter((p) => p.status !== 'canceled' && p.status !== 'failed').map((p) => p.id),
  });
  return account;
}
