// The HTTP front: parse the target, find the route (router.ts), run its steps and handler
// (pipeline.ts: faults → auth → rate limit → handler, per route), then write the reply.
// Socket-level faults (resets, stalls) need the real node:http socket, so this is node:http code.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ADMIN_PREFIX } from './admin.js';
import type { LocalCertificates } from './certificate.js';
import { JSON_BODY_LIMIT_BYTES, type Reply, readBody } from './http.js';
import { type Exchange, problemReply } from './pipeline.js';
import { problem } from './problem.js';
import { matchRoute } from './router.js';
import type { EmulatorState } from './state.js';
import { createFrontServer } from './tls.js';

export class EmulatorServer {
  readonly server: Server;

  /** With `certificates`, the server speaks HTTPS (tls.ts); otherwise plain HTTP. */
  constructor(
    private readonly state: EmulatorState,
    certificates?: LocalCertificates,
  ) {
    this.server = createFrontServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (res.destroyed || (error && typeof error === 'object' && 'clientGone' in error)) return void res.destroy();
        state.log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        if (!res.headersSent && !res.destroyed)
          this.write(res, problemReply(problem(500, 'Internal emulator error')), undefined);
        else res.destroy();
      });
    }, certificates);
    // Held requests (Prefer: wait up to 60 s, stalls) must not be cut by Node's own timeouts.
    this.server.requestTimeout = 0;
    this.server.keepAliveTimeout = 5_000;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { state } = this;
    state.scheduler.runDue();
    let url: URL;
    try {
      // Concatenated, not resolved: a target starting with `//` would otherwise be read as another host.
      const target = req.url ?? '/';
      url = new URL(`${state.origin}${target.startsWith('/') ? target : `/${target}`}`);
    } catch {
      return this.write(res, problemReply(problem(400, 'The request target is not a valid path')), undefined);
    }
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const method = req.method ?? 'GET';

    const matched = matchRoute(method, path);
    if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) {
      // The control API answers only its own routes, and its answers are not counted.
      if (!matched || 'allowed' in matched)
        return this.write(res, problemReply(problem(404, `No admin route ${method} ${path}`)), undefined, false);
    }
    if (!matched) return this.write(res, problemReply(problem(404, `No route for ${method} ${path}`)), undefined);
    if ('allowed' in matched) {
      const p = problem(405, `${method} is not allowed on ${path}`);
      p.headers = { allow: [...new Set(matched.allowed)].join(', ') };
      return this.write(res, problemReply(p), undefined);
    }

    let bodyPromise: Promise<Buffer> | undefined;
    const exchange: Exchange = {
      req,
      res,
      url,
      params: matched.params,
      state,
      token: '',
      clientGone: new Promise<void>((resolve) => res.once('close', () => resolve())),
      body: (limitBytes = JSON_BODY_LIMIT_BYTES) => (bodyPromise ??= readBody(req, limitBytes)),
      route: matched.route,
      settled: false,
      counted: true,
    };
    await matched.route.run(exchange);
    if (exchange.settled) return;
    this.write(
      res,
      exchange.reply ?? problemReply(problem(500, 'No step answered')),
      exchange.writeMode,
      exchange.counted,
    );
  }

  private write(res: ServerResponse, reply: Reply, mode: 'malformed' | 'truncated' | undefined, count = true): void {
    if (res.destroyed || res.writableEnded) return;
    if (count) this.state.countResponse(reply.status);
    // `Date` from the emulator's clock (Node's default is the wall clock), so it agrees with `created_at`
    // after `advanceClock`: clients learn the server's clock from it. Set here so streams carry it too.
    res.setHeader('date', new Date(this.state.now()).toUTCString());
    if (reply.kind === 'stream') {
      reply.start(res);
      return;
    }
    let body =
      reply.body === undefined ? undefined : typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
    const headers: Record<string, string> = { ...reply.headers };
    if (mode === 'malformed') {
      // A body cut in half under intact headers: invalid JSON (or a truncated file on outputs).
      const cut =
        body && body.length > 2 ? body.subarray(0, Math.max(1, Math.floor(body.length / 2))) : Buffer.from('{"id": ');
      body = Buffer.from(cut);
      headers['content-type'] ??= 'application/json';
    }
    if (body !== undefined) headers['content-length'] = String(body.length);
    if (mode === 'truncated' && body !== undefined && body.length > 1) {
      // The full Content-Length is promised, half the bytes arrive, then the connection drops.
      res.writeHead(reply.status, headers);
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.resetAndDestroy());
      return;
    }
    res.writeHead(reply.status, headers);
    res.end(body);
  }
}
