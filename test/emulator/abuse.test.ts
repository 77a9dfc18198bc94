// The emulator under abuse: malformed JSON, wrong content types, oversized bodies, random methods and
// paths, slow clients that trickle their requests, and a 10,000-request soak. Every error is a problem
// JSON answer, nothing is a 500, it keeps serving, and the soak retains nothing.

import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { AUTH, api, createFlux, start } from './helpers.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await start({ rateLimits: false });
});
afterAll(async () => {
  await emu.close();
});

const CREATE = '/models/black-forest-labs/flux-schnell/predictions';

/** Checks an error answer is problem JSON: the content type, and title, detail and status in the body. */
async function expectProblem(response: Response, status?: number): Promise<Record<string, unknown>> {
  if (status !== undefined) expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ title: expect.any(String), detail: expect.any(String), status: response.status });
  return body;
}

async function stillServing(): Promise<void> {
  const p = await createFlux(emu, { prompt: 'still here' });
  expect(p.status).toBeDefined();
}

describe('bad bodies', () => {
  test('any malformed JSON sent to create is a 400 (or 422) problem, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.constantFrom('{', '{"input":', '[]', 'null', '1', '"x"', '{"input": [}', '\u0000{}'),
        ),
        async (body) => {
          const response = await fetch(`${emu.apiUrl}${CREATE}`, {
            method: 'POST',
            headers: { ...AUTH, 'content-type': 'application/json' },
            body,
          });
          if (response.status === 201) return; // an accidental valid body (e.g. empty input is refused, so rarely)
          expect([400, 422]).toContain(response.status);
          await expectProblem(response);
        },
      ),
      { numRuns: 60 },
    );
    await stillServing();
  });

  test('a form, multipart, XML or binary body is a 415 problem; JSON labelled text/plain is accepted', async () => {
    const body = JSON.stringify({ input: { prompt: 'a moth' } });
    for (const type of [
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/octet-stream',
      'image/png',
    ]) {
      const response = await fetch(`${emu.apiUrl}${CREATE}`, {
        method: 'POST',
        headers: { ...AUTH, 'content-type': type },
        body,
      });
      const problem = await expectProblem(response, 415);
      expect(problem.detail).toContain('application/json');
    }
    const plain = await fetch(`${emu.apiUrl}${CREATE}`, { method: 'POST', headers: AUTH, body }); // fetch says text/plain
    expect(plain.status).toBe(201);
    const files = await fetch(`${emu.apiUrl}/files`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: '{}',
    });
    await expectProblem(files, 415);
  });

  test('an oversized body is a 413 problem, and the next request is served', async () => {
    const huge = JSON.stringify({ input: { prompt: 'x'.repeat(11 * 1024 * 1024) } });
    await expectProblem(
      await api(emu, CREATE, { method: 'POST', body: huge, headers: { 'content-type': 'application/json' } }),
      413,
    );
    await stillServing();
  });

  test('targets starting with // or naming another host are plain 404 problems (they were 500s)', async () => {
    for (const path of ['//', '//evil.example/v1/account', '///v1//predictions']) {
      await expectProblem(await fetch(`${emu.url}${path}`, { headers: AUTH }), 404);
    }
    const { port } = new URL(emu.url);
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.end('GET http://evil.example/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      );
      socket.on('data', (d) => (text += d.toString('utf8')));
      socket.on('close', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 404 /);
  });

  test('random methods, paths and bodies get problem answers, never a 500', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'v1',
        'predictions',
        'models',
        'files',
        'delivery',
        'stream',
        '_emulator',
        '..',
        '%',
        '%zz',
        'cancel',
      ),
      fc.string({ maxLength: 12 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
        fc.array(segment, { maxLength: 5 }),
        fc.string({ maxLength: 64 }),
        async (method, segments, body) => {
          const path = `/${segments.map((s) => encodeURIComponent(s).replace(/%25/g, '%')).join('/')}`;
          let url: URL;
          try {
            url = new URL(emu.url + path);
          } catch {
            return;
          }
          if (url.pathname.startsWith('/_emulator')) return; // admin routes reset or fault the shared emulator
          const response = await fetch(url, {
            method,
            headers: AUTH,
            ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
          });
          expect(response.status).not.toBeGreaterThanOrEqual(500);
          if (response.status >= 400 && method !== 'HEAD') await expectProblem(response);
          else await response.arrayBuffer();
        },
      ),
      { numRuns: 120 },
    );
    await stillServing();
  });
});

/** Opens a raw socket and sends `request` a few bytes at a time, every `everyMs`. Resolves with the raw answer. */
function trickle(request: string, chunk: number, everyMs: number): Promise<string> {
  const { port } = new URL(emu.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    let offset = 0;
    socket.on('data', (d) => (answer += d.toString('utf8')));
    socket.on('error', reject);
    socket.on('end', () => resolve(answer));
    const timer = setInterval(() => {
      socket.write(request.slice(offset, offset + chunk));
      offset += chunk;
      if (offset >= request.length) clearInterval(timer);
    }, everyMs);
  });
}

describe('slow clients', () => {
  test('twenty clients trickling their headers and bodies do not hold up anyone else, and are answered in the end', async () => {
    const body = JSON.stringify({ input: { prompt: 'a slow snail' } });
    const raw =
      `POST /v1${CREATE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer slow\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
    const slow = Array.from({ length: 20 }, () => trickle(raw, 8, 20)); // ~30 writes over ~0.6 s each
    const started = Date.now();
    for (let i = 0; i < 50; i += 1) {
      const response = await api(emu, '/account');
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    const fastMs = Date.now() - started;
    expect(fastMs).toBeLessThan(2_000);
    const answers = await Promise.all(slow);
    for (const answer of answers) expect(answer).toMatch(/^HTTP\/1\.1 201 /);
  });

  test('a client that sends half a body and hangs up is dropped; the emulator keeps serving', async () => {
    const { port } = new URL(emu.url);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /v1${CREATE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"input":`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 30);
      });
    });
    await stillServing();
  });
});

describe('soak', () => {
  /** A real GC: vitest does not start Node with --expose-gc, but V8 can expose it at run time. */
  function collect(): () => void {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  }

  test('10,000 requests of every kind: all answered, nothing retained, heap flat', async () => {
    const gc = collect();
    const seed = await createFlux(emu, { prompt: 'the one prediction' });
    // node:http with keep-alive: a fifth of fetch's cost per request, so the soak fits the suite's budget.
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const { port } = new URL(emu.url);
    const send = (method: string, path: string, body?: string, auth = true): Promise<number> =>
      new Promise((resolve, reject) => {
        const headers: Record<string, string> = { 'content-type': 'application/json', ...(auth ? AUTH : {}) };
        const req = request({ host: '127.0.0.1', port, method, path: `/v1${path}`, agent, headers }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(body);
      });
    const kinds: Array<() => Promise<number>> = [
      () => send('GET', `/predictions/${seed.id}`),
      () => send('GET', '/predictions/does-not-exist'),
      () => send('POST', CREATE, '{"input": {'),
      () => send('POST', CREATE, JSON.stringify({ input: { prompt: 'x', num_outputs: 99 } })), // 422, nothing created
      () => send('GET', '/account', undefined, false), // 401
      () => send('GET', '/models/black-forest-labs/flux-schnell'),
      () => send('GET', '/nowhere'),
      () => send('DELETE', '/predictions'), // 405
    ];
    const run = async (count: number): Promise<Record<number, number>> => {
      const statuses: Record<number, number> = {};
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const i = next++;
          const status = await kinds[i % kinds.length]!();
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      return statuses;
    };
    await run(1_000); // warm up: JIT, sockets, caches
    gc();
    const before = process.memoryUsage().heapUsed;
    const createdBefore = emu.stats().predictionsCreated;
    const statuses = await run(10_000);
    gc();
    const grownBytes = process.memoryUsage().heapUsed - before;
    expect(Object.values(statuses).reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(Object.keys(statuses).map(Number).sort()).toEqual([200, 400, 401, 404, 405, 422]);
    expect(emu.stats().predictionsCreated).toBe(createdBefore); // no request of the soak creates anything
    // The test process holds both ends; 10,000 requests leaking even 500 bytes each would be 5 MB.
    expect(grownBytes).toBeLessThan(4 * 1024 * 1024);
    agent.destroy();
    await stillServing();
  }, 60_000);
});
