// The HTTP front: routing, then for each request faults → auth → rate limit → handler → reply.
// Socket-level faults (resets, stalls) need the real node:http socket, so this is node:http code.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ADMIN_PREFIX, handleAdmin } from './admin.js';
import { bearerToken, isAuthorized } from './auth.js';
import type { LocalCertificates } from './certificate.js';
import { type Handler, JSON_BODY_LIMIT_BYTES, type Reply, type RequestContext, readBody } from './http.js';
import { type Problem, ProblemError, problem, problemBody } from './problem.js';
import type { RateClass } from './rate-limit.js';
import { getAccount, getWebhookSecret } from './routes/account.js';
import { createFile, deleteFile, downloadFile, getFile, listFiles } from './routes/files.js';
import { getModel, listHardware, listModels, listVersions } from './routes/models.js';
import { getOutput } from './routes/outputs.js';
import { cancelPrediction, createPrediction, getPrediction, listPredictions } from './routes/predictions.js';
import { webPage } from './routes/web.js';
import { streamPrediction } from './sse.js';
import type { EmulatorState } from './state.js';
import { createFrontServer } from './tls.js';
import type { FaultRule, RouteName } from './types.js';

interface Route {
  methods: readonly string[];
  pattern: RegExp;
  /** Capture-group names, in order. */
  keys: readonly string[];
  /** Fixed params, e.g. which create flavour. */
  fixed?: Record<string, string>;
  name: RouteName | 'web';
  handler: Handler;
  /** API routes need a token and are rate limited; outputs, streams and pages are public. */
  api: boolean;
}

const SEGMENT = '([^/]+)';
const route = (
  methods: string[],
  path: string,
  name: Route['name'],
  handler: Handler,
  keys: string[] = [],
  fixed?: Record<string, string>,
): Route => ({
  methods,
  pattern: new RegExp(`^${path.replace(/:seg/g, SEGMENT)}$`),
  keys,
  name,
  handler,
  api: path.startsWith('/v1/'),
  ...(fixed ? { fixed } : {}),
});

const ROUTES: readonly Route[] = [
  route(['POST'], '/v1/models/:seg/:seg/predictions', 'predictions.create', createPrediction, ['owner', 'name'], {
    kind: 'model',
  }),
  route(['POST'], '/v1/deployments/:seg/:seg/predictions', 'predictions.create', createPrediction, ['owner', 'name'], {
    kind: 'deployment',
  }),
  route(['POST'], '/v1/predictions', 'predictions.create', createPrediction, [], { kind: 'version' }),
  route(['GET'], '/v1/predictions', 'predictions.list', listPredictions),
  route(['GET'], '/v1/predictions/:seg', 'predictions.get', getPrediction, ['id']),
  route(['POST'], '/v1/predictions/:seg/cancel', 'predictions.cancel', cancelPrediction, ['id']),
  route(['GET'], '/v1/models', 'models.list', listModels),
  route(['GET'], '/v1/models/:seg/:seg', 'models.get', getModel, ['owner', 'name']),
  route(['GET'], '/v1/models/:seg/:seg/versions', 'models.versions', listVersions, ['owner', 'name']),
  route(['POST'], '/v1/files', 'files.create', createFile),
  route(['GET'], '/v1/files', 'files.list', listFiles),
  route(['GET'], '/v1/files/:seg', 'files.get', getFile, ['id']),
  route(['DELETE'], '/v1/files/:seg', 'files.delete', deleteFile, ['id']),
  route(['GET'], '/v1/files/:seg/download', 'files.download', downloadFile, ['id']),
  route(['GET'], '/v1/account', 'account.get', getAccount),
  route(['GET'], '/v1/hardware', 'hardware.list', listHardware),
  route(['GET'], '/v1/webhooks/default/secret', 'webhooks.secret', getWebhookSecret),
  route(['GET', 'HEAD'], '/delivery/:seg/out-(\\d+)\\.[a-z0-9]+', 'outputs.get', getOutput, ['id', 'index']),
  route(['GET'], '/stream/:seg', 'stream', streamPrediction, ['id']),
  route(['GET'], '/p/:seg', 'web', webPage, ['id']),
];

function matchRoute(
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined {
  const allowed: string[] = [];
  for (const r of ROUTES) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    if (!r.methods.includes(method)) {
      allowed.push(...r.methods);
      continue;
    }
    const params: Record<string, string> = { ...r.fixed };
    r.keys.forEach((key, i) => {
      const raw = m[i + 1] ?? '';
      try {
        params[key] = decodeURIComponent(raw);
      } catch {
        params[key] = raw; // a malformed %-escape simply matches nothing
      }
    });
    return { route: r, params };
  }
  return allowed.length > 0 ? { allowed } : undefined;
}

function problemReply(p: Problem): Reply {
  return {
    kind: 'body',
    status: p.status,
    headers: { 'content-type': 'application/problem+json', ...p.headers },
    body: problemBody(p),
  };
}

function faultStatusReply(rule: FaultRule): Reply {
  const status = rule.status ?? 503;
  const p: Problem =
    status === 429
      ? problem(429, `Request was throttled. Your rate limit resets in ~${rule.retryAfterSeconds ?? 1}s.`)
      : problem(status, `Injected fault: HTTP ${status}`);
  // A 429 says when to come back unless told not to; other statuses only when asked (a 503 may).
  const retryAfter =
    status === 429 ? (rule.retryAfterSeconds === undefined ? 1 : rule.retryAfterSeconds) : rule.retryAfterSeconds;
  if (typeof retryAfter === 'number') p.headers = { 'retry-after': String(retryAfter) };
  return problemReply(p);
}

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
    const clientGone = new Promise<void>((resolve) => res.once('close', () => resolve()));
    let bodyPromise: Promise<Buffer> | undefined;
    const ctx: RequestContext = {
      req,
      url,
      params: {},
      state,
      token: '',
      clientGone,
      body: (limitBytes = JSON_BODY_LIMIT_BYTES) => (bodyPromise ??= readBody(req, limitBytes)),
    };

    if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) {
      const reply = await this.run(
        async () => (await handleAdmin(ctx, state)) ?? problemReply(problem(404, `No admin route ${method} ${path}`)),
      );
      return this.write(res, reply, undefined, false);
    }

    const matched = matchRoute(method, path);
    if (!matched) return this.write(res, problemReply(problem(404, `No route for ${method} ${path}`)), undefined);
    if ('allowed' in matched) {
      const p = problem(405, `${method} is not allowed on ${path}`);
      p.headers = { allow: [...new Set(matched.allowed)].join(', ') };
      return this.write(res, problemReply(p), undefined);
    }
    const { route: r, params } = matched;
    ctx.params = params;
    if (r.name !== 'web') state.countRequest(r.name);
    if (!r.api && req.headers.authorization !== undefined) state.counters.authOnPublicRoutes += 1;
    res.once('finish', () => state.log(`${method} ${path} → ${res.statusCode}`));

    const plan = r.name === 'web' ? { latencyMs: 0 } : state.faults.plan(r.name);
    if (plan.latencyMs > 0) await this.sleep(plan.latencyMs);
    const fault = plan.fault;
    if (fault?.type === 'reset-before') return this.reset(req, res);
    if (fault?.type === 'status') return this.write(res, faultStatusReply(fault), undefined);
    if (fault?.type === 'stall') return this.stall(req, res, fault.ms, clientGone);

    let rateHeaders: Record<string, string> = {};
    const reply = await this.run(async () => {
      if (r.api) {
        const header = req.headers.authorization;
        const token = bearerToken(header);
        if (token === undefined || !isAuthorized(header, state.options.token)) {
          return problemReply(
            problem(
              401,
              header ? 'You did not pass a valid authentication token' : 'You did not pass an authentication token',
            ),
          );
        }
        ctx.token = token;
        const rateClass: RateClass = r.name === 'predictions.create' ? 'create' : 'other';
        const decision = state.rateLimiter.take(rateClass, ctx.token);
        if (decision) {
          rateHeaders = {
            'ratelimit-remaining': String(decision.remaining),
            'ratelimit-reset': String(decision.resetSeconds),
          };
          if (!decision.allowed) {
            const p = problem(429, `Request was throttled. Your rate limit resets in ~${decision.retryAfterSeconds}s.`);
            p.headers = { ...rateHeaders, 'retry-after': String(decision.retryAfterSeconds) };
            return problemReply(p);
          }
        }
      }
      return r.handler(ctx);
    });
    // Every answer the bucket counted says so, problems (404, 422, ...) included.
    if (reply.kind === 'body') reply.headers = { ...rateHeaders, ...reply.headers };

    if (fault?.type === 'reset-after-create') {
      // The work is done (a prediction was created) but the client never hears of it.
      if (reply.kind === 'body') state.log(`reset after handling ${method} ${path} (answer was ${reply.status})`);
      return this.reset(req, res);
    }
    this.write(
      res,
      reply,
      fault?.type === 'malformed-json' ? 'malformed' : fault?.type === 'truncate' ? 'truncated' : undefined,
    );
  }

  /** Runs a handler, turning thrown problems (and oversized bodies) into problem replies. */
  private async run(work: () => Promise<Reply>): Promise<Reply> {
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

  private reset(req: IncomingMessage, res: ServerResponse): void {
    this.state.countResponse('reset');
    res.socket?.resetAndDestroy();
    req.destroy();
  }

  /** Holds the request without answering; after `ms` (if set) resets the connection. */
  private stall(
    req: IncomingMessage,
    res: ServerResponse,
    ms: number | undefined,
    clientGone: Promise<void>,
  ): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        if (timer) clearTimeout(timer);
        this.state.openHandles.delete(finish);
        if (!res.destroyed) this.reset(req, res);
        resolve();
      };
      if (ms !== undefined) timer = setTimeout(finish, ms);
      this.state.openHandles.add(finish);
      void clientGone.then(() => {
        if (timer) clearTimeout(timer);
        this.state.openHandles.delete(finish);
        resolve();
      });
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.state.openHandles.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.state.openHandles.add(done);
    });
  }
}
