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
