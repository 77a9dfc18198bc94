// Fault injection: status bursts, resets before and after the work, stalls, malformed JSON,
// latency; seeded probabilities; the admin routes that drive them.

import { describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { api, createFlux, eventually, start } from './helpers.js';

const admin = (emu: Emulator, path: string, init: RequestInit = {}) => fetch(`${emu.url}/_emulator${path}`, init);

async function outcome(promise: Promise<Response>): Promise<number | 'error'> {
  try {
    const res = await promise;
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 'error';
  }
}

describe('status faults', () => {
  test('a status burst answers the next N requests of a route with that status, then recovers', async () => {
    await using emu = await start();
    const p = await createFlux(emu);
    emu.addFault({ route: 'predictions.get', type: 'status', status: 503, count: 2 });
    const first = await api(emu, `/predictions/${p.id}`);
    expect(first.status).toBe(503);
    expect(first.headers.get('content-type')).toBe('application/problem+json');
    expect(await first.json()).toMatchObject({ status: 503 });
    expect((await api(emu, `/predictions/${p.id}`)).status).toBe(503);
    expect((await api(emu, `/predictions/${p.id}`)).status).toBe(200);
    // Other routes were never affected.
    expect(emu.stats().responsesByStatus).toMatchObject({ '201': 1, '503': 2, '200': 1 });
  });

  test('an injected 429 carries Retry-After unless told not to', async () => {
    await using emu = await start();
    emu.addFault({ route: 'predictions.create', type: 'status', status: 429, retryAfterSeconds: 7 });
    emu.addFault({ route: 'predictions.create', type: 'status', status: 429, retryAfterSeconds: null });
    const withHeader = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'x' } },
    });
    expect(withHeader.status).toBe(429);
    expect(withHeader.headers.get('retry-after')).toBe('7');
    expect(((await withHeader.json()) as { detail: string }).detail).toContain('resets in ~7s');
    const without = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'x' } },
    });
    expect(without.status).toBe(429);
    expect(without.headers.get('retry-after')).toBeNull();
    expect(emu.stats().predictionsCreated).toBe(0);
  });

  test('a 503 carries Retry-After only when the rule sets it', async () => {
    await using emu = await start();
    emu.addFault({ route: 'account.get', type: 'status', status: 503, retryAfterSeconds: 2 });
    emu.addFault({ route: 'account.get', type: 'status', status: 503 });
    expect((await api(emu, '/account')).headers.get('retry-after')).toBe('2');
    const plain = await api(emu, '/account');
    expect(plain.status).toBe(503);
    expect(plain.headers.get('retry-after')).toBeNull();
  });

  test('route "*" matches every route; count Infinity lasts until cleared', async () => {
    await using emu = await start();
    emu.addFault({ route: '*', type: 'status', status: 500, count: Infinity });
    for (let i = 0; i < 5; i++) expect((await api(emu, '/account')).status).toBe(500);
    expect((await api(emu, '/webhooks/default/secret')).status).toBe(500);
    emu.clearFaults();
    expect((await api(emu, '/account')).status).toBe(200);
  });

  test('probabilities are seeded: the same seed gives the same sequence', async () => {
    const run = async (seed: number) => {
      await using emu = await start({
        seed,
        faults: [{ route: 'account.get', type: 'status', status: 502, probability: 0.5, count: Infinity }],
      });
      const statuses: number[] = [];
      for (let i = 0; i < 24; i++) statuses.push((await api(emu, '/account')).status);
      return statuses;
    };
    const a = await run(42);
    expect(await run(42)).toEqual(a);
    expect(a).toContain(502);
    expect(a).toContain(200);
    expect(await run(43)).not.toEqual(a);
  });
});

describe('connection faults', () => {
  test('reset-before drops the connection and the request is not handled', async () => {
    await using emu = await start();
    emu.addFault({ route: 'predictions.create', type: 'reset-before' });
    const result = await outcome(
      api(emu, '/models/black-forest-labs/flux-schnell/predictions', { json: { input: { prompt: 'x' } } }),
    );
    expect(result).toBe('error');
    expect(emu.stats().predictionsCreated).toBe(0);
    expect(emu.stats().responsesByStatus.reset).toBe(1);
    // The emulator keeps serving.
    expect((await createFlux(emu)).id).toBeTruthy();
  });

  test('reset-after-create creates the prediction, then drops the connection before the answer', async () => {
    await using emu = await start();
    emu.addFault({ route: 'predictions.create', type: 'reset-after-create' });
    const result = await outcome(
      api(emu, '/models/black-forest-labs/flux-schnell/predictions', { json: { input: { prompt: 'billed once?' } } }),
    );
    expect(result).toBe('error');
    const stats = emu.stats();
    expect(stats.predictionsCreated).toBe(1);
    const list = (await (await api(emu, '/predictions')).json()) as {
      results: Array<{ id: string; input: { prompt: string } }>;
    };
    expect(list.results.map((p) => p.id)).toEqual(stats.predictionIds);
    expect(list.results[0]!.input.prompt).toBe('billed once?');
  });

  test('a stall with ms holds the answer, then resets the connection', async () => {
    await using emu = await start();
    emu.addFault({ route: 'account.get', type: 'stall', ms: 30 });
    expect(await outcome(api(emu, '/account'))).toBe('error');
    expect((await api(emu, '/account')).status).toBe(200);
  });

  test('a stall without ms holds until the client gives up', async () => {
    await using emu = await start();
    emu.addFault({ route: 'predictions.get', type: 'stall' });
    const p = await createFlux(emu);
    const giveUp = new AbortController();
    const pending = outcome(api(emu, `/predictions/${p.id}`, { signal: giveUp.signal }));
    await eventually(() => expect(emu.stats().requests['predictions.get']).toBe(1));
    giveUp.abort();
    expect(await pending).toBe('error');
    expect((await api(emu, `/predictions/${p.id}`)).status).toBe(200);
  });

  test('close() does not wait for a stalled request', async () => {
    const emu = await start();
    emu.addFault({ route: 'account.get', type: 'stall' });
    const pending = outcome(api(emu, '/account'));
    await eventually(() => expect(emu.stats().requests['account.get']).toBe(1));
    await emu.close();
    expect(await pending).toBe('error');
  });
});

describe('body and timing faults', () => {
  test('malformed-json answers the real status with a body cut in half', async () => {
    await using emu = await start();
    emu.addFault({ route: 'predictions.create', type: 'malformed-json' });
    const res = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'x' } },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json');
    const text = await res.text();
    expect(() => JSON.parse(text)).toThrow();
    expect(text.startsWith('{"id":')).toBe(true);
    expect(emu.stats().predictionsCreated).toBe(1);
  });

  test('malformed-json on an output file serves it truncated under its own content type', async () => {
    await using emu = await start();
    const res = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'x', output_format: 'png' } },
      headers: { prefer: 'wait' },
    });
    const url = ((await res.json()) as { output: string[] }).output[0]!;
    const whole = Buffer.from(await (await fetch(url)).arrayBuffer());
    emu.addFault({ route: 'outputs.get', type: 'malformed-json' });
    const cut = await fetch(url);
    expect(cut.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await cut.arrayBuffer());
    expect(bytes.length).toBe(Math.floor(whole.length / 2));
    expect(whole.subarray(0, bytes.length).equals(bytes)).toBe(true);
  });

  test('truncate promises the whole Content-Length, sends half, then drops the connection', async () => {
    await using emu = await start();
    const res = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'x', output_format: 'png' } },
      headers: { prefer: 'wait' },
    });
    const url = ((await res.json()) as { output: string[] }).output[0]!;
    emu.addFault({ route: 'outputs.get', type: 'truncate' });
    const cut = await fetch(url);
    expect(cut.status).toBe(200);
    expect(Number(cut.headers.get('content-length'))).toBeGreaterThan(0);
    await expect(cut.arrayBuffer()).rejects.toThrow();
    expect((await fetch(url)).status).toBe(200);
    // On an API route the JSON never completes either.
    emu.addFault({ route: 'account.get', type: 'truncate' });
    expect(await outcome(api(emu, '/account').then(async (r) => new Response(await r.text())))).toBe('error');
  });

  test('latency delays the answer but keeps it intact', async () => {
    await using emu = await start();
    emu.addFault({ route: 'account.get', type: 'latency', ms: 20, count: 2 });
    expect((await api(emu, '/account')).status).toBe(200);
    // A long latency outlasts a client that gives up.
    emu.addFault({ route: 'account.get', type: 'latency', ms: 60_000 });
    const giveUp = new AbortController();
    const pending = outcome(api(emu, '/account', { signal: giveUp.signal }));
    await eventually(() => expect(emu.stats().requests['account.get']).toBe(2));
    giveUp.abort();
    expect(await pending).toBe('error');
  });

  test('latency combines with another fault on the same request', async () => {
    await using emu = await start();
    emu.addFault({ route: 'account.get', type: 'latency', ms: 5 });
    emu.addFault({ route: 'account.get', type: 'status', status: 502 });
    expect((await api(emu, '/account')).status).toBe(502);
    expect((await api(emu, '/account')).status).toBe(200);
  });

  test('faults reach the public routes too: outputs and streams', async () => {
    await using emu = await start();
    const res = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'x' } },
      headers: { prefer: 'wait' },
    });
    const p = (await res.json()) as { id: string; output: string[]; urls: { stream: string } };
    emu.addFault({ route: 'outputs.get', type: 'status', status: 503 });
    emu.addFault({ route: 'stream', type: 'reset-before' });
    expect((await fetch(p.output[0]!)).status).toBe(503);
    expect((await fetch(p.output[0]!)).status).toBe(200);
    expect(await outcome(fetch(p.urls.stream))).toBe('error');
  });
});

describe('the admin routes', () => {
  test('faults are added, listed and cleared over HTTP; counters are read there', async () => {
    await using emu = await start();
    const added = await admin(emu, '/faults', {
      method: 'POST',
      body: JSON.stringify({
        rules: [
          { route: 'files.list', type: 'status', status: 504, count: null },
          { route: 'account.get', type: 'status', status: 500 },
        ],
      }),
    });
    expect(added.status).toBe(201);
    expect((await api(emu, '/files')).status).toBe(504);
    expect((await api(emu, '/files')).status).toBe(504);
    expect((await api(emu, '/account')).status).toBe(500);
    const listed = (await (await admin(emu, '/faults')).json()) as { rules: unknown[] };
    expect(listed.rules).toHaveLength(1);
    expect((await admin(emu, '/faults', { method: 'DELETE' })).status).toBe(204);
    expect((await api(emu, '/files')).status).toBe(200);
    const stats = (await (await admin(emu, '/stats')).json()) as {
      requests: Record<string, number>;
      responsesByStatus: Record<string, number>;
    };
    expect(stats.requests).toEqual({ 'files.list': 3, 'account.get': 1 });
    expect(stats.responsesByStatus).toEqual({ '504': 2, '500': 1, '200': 1 });
  });

  test('a single rule can be posted on its own, and bad rules are 422', async () => {
    await using emu = await start();
    expect(
      (
        await admin(emu, '/faults', {
          method: 'POST',
          body: JSON.stringify({ route: 'account.get', type: 'status', status: 503 }),
        })
      ).status,
    ).toBe(201);
    expect((await api(emu, '/account')).status).toBe(503);
    expect(
      (await admin(emu, '/faults', { method: 'POST', body: JSON.stringify({ route: 'account.get', type: 'explode' }) }))
        .status,
    ).toBe(422);
    expect(
      (
        await admin(emu, '/faults', {
          method: 'POST',
          body: JSON.stringify({ route: 'account.get', type: 'status', probability: 2 }),
        })
      ).status,
    ).toBe(422);
    expect((await admin(emu, '/nothing')).status).toBe(404);
  });

  test('reset answers held Prefer: wait requests instead of leaving them hanging', async () => {
    await using emu = await start({ timings: { '*': { startMs: 60_000, predictMs: 60_000 } } });
    const held = api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'x' } },
      headers: { prefer: 'wait' },
    });
    await eventually(() => expect(emu.stats().predictionsCreated).toBe(1));
    emu.reset();
    const res = await held;
    expect(res.status).toBe(201);
    expect(((await res.json()) as { status: string }).status).toBe('starting');
  });

  test('reset forgets predictions, faults, scenarios and counters', async () => {
    await using emu = await start();
    await createFlux(emu);
    emu.addFault({ route: 'account.get', type: 'status', status: 500 });
    emu.addScenario({ fail: 'x' });
    expect((await admin(emu, '/reset', { method: 'POST' })).status).toBe(204);
    expect(emu.stats()).toEqual({
      requests: {},
      responsesByStatus: {},
      predictionsCreated: 0,
      predictionIds: [],
      backgroundPredictions: 0,
      webhookDeliveries: 0,
      webhooksRefused: 0,
      authOnPublicRoutes: 0,
      spentUsd: 0,
      unpricedPredictions: 0,
    });
    expect((await api(emu, '/account')).status).toBe(200);
    const list = (await (await api(emu, '/predictions')).json()) as { results: unknown[] };
    expect(list.results).toEqual([]);
    const res = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'x' } },
      headers: { prefer: 'wait' },
    });
    expect(((await res.json()) as { status: string }).status).toBe('succeeded');
  });
});
