// The emulator playing a hostile or unlucky server (issue 10): deep listings, a create that appears
// late, a cancel that is accepted but not done, a server clock that is off, broken streams, huge logs,
// the key echoed back, outputs sharing a base name, hostile prediction ids. Raw HTTP only: these are
// the shapes a client must survive, checked as they go over the wire.

import { describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { api, createFlux, getPrediction, type PredictionJson, SLOW, start, T0 } from './helpers.js';

const admin = (emu: Emulator, path: string, body?: unknown) =>
  fetch(`${emu.url}/_emulator${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });

async function listAll(emu: Emulator): Promise<{ pages: number; ids: string[] }> {
  let url: string | null = `${emu.apiUrl}/predictions`;
  const ids: string[] = [];
  let pages = 0;
  while (url) {
    const page = (await (await fetch(url, { headers: { authorization: 'Bearer test-token' } })).json()) as {
      next: string | null;
      results: PredictionJson[];
    };
    pages += 1;
    ids.push(...page.results.map((p) => p.id));
    url = page.next;
  }
  return { pages, ids };
}

describe('deep listings', () => {
  test('newerPredictions buries a prediction under other callers’ ones: the first page does not show it', async () => {
    await using emu = await start({ seed: 3 });
    expect((await admin(emu, '/scenarios', { promptIncludes: 'lost one', newerPredictions: 250 })).status).toBe(201);
    const mine = await createFlux(emu, { prompt: 'the lost one' });
    const first = (await (await api(emu, '/predictions')).json()) as { results: PredictionJson[] };
    expect(first.results).toHaveLength(100);
    expect(first.results.map((p) => p.id)).not.toContain(mine.id);
    const all = await listAll(emu);
    expect(all.pages).toBe(3);
    expect(all.ids.at(-1)).toBe(mine.id);
    // The background ones are someone else's: not in the ids a client must account for.
    expect(emu.stats()).toMatchObject({ predictionIds: [mine.id], predictionsCreated: 1, backgroundPredictions: 250 });
    // The emulator's account: the caller's one prediction and what it bills, background ones only on request.
    const account = (await (await admin(emu, '/predictions')).json()) as { predictions: unknown[] };
    expect(account.predictions).toEqual([
      expect.objectContaining({ id: mine.id, background: false, units: { images: 1, videoSeconds: 0 } }),
    ]);
    const everything = (await (await admin(emu, '/predictions?background=true')).json()) as { predictions: unknown[] };
    expect(everything.predictions).toHaveLength(251);
  });

  test('POST /_emulator/predictions adds succeeded background predictions, newest first in listings', async () => {
    await using emu = await start({ seed: 4 });
    const older = await createFlux(emu, { prompt: 'older' });
    const res = await admin(emu, '/predictions', { count: 120 });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ backgroundPredictions: 120 });
    const all = await listAll(emu);
    expect(all.ids).toHaveLength(121);
    expect(all.ids.at(-1)).toBe(older.id);
    expect((await admin(emu, '/predictions', { count: 0 })).status).toBe(422);
    expect((await admin(emu, '/predictions', { count: 1, model: 'no/such' })).status).toBe(422);
  });
});

describe('a create whose prediction appears late', () => {
  test('late-create: the answer is lost, the prediction is billed now but shows only ms later', async () => {
    await using emu = await start({ ...SLOW, seed: 5 });
    expect((await admin(emu, '/faults', { route: 'predictions.create', type: 'late-create', ms: 150 })).status).toBe(
      201,
    );
    await expect(createFlux(emu, { prompt: 'late' })).rejects.toThrow();
    const [id] = emu.stats().predictionIds;
    expect(id).toBeDefined();
    expect((await api(emu, `/predictions/${id}`)).status).toBe(404);
    expect((await listAll(emu)).ids).toEqual([]);
    expect((await api(emu, `/predictions/${id}/cancel`, { method: 'POST' })).status).toBe(404);
    // The account knows it, hidden.
    const account = (await (await admin(emu, '/predictions')).json()) as { predictions: Array<{ visible: boolean }> };
    expect(account.predictions).toMatchObject([{ id, visible: false }]);
    emu.advanceClock(150);
    const seen = await getPrediction(emu, id!);
    expect(seen.created_at).toBe('2026-01-01T00:00:00.150000Z');
    expect((await listAll(emu)).ids).toEqual([id]);
  });

  test('appearAfterMs: the create is answered, but reads miss the prediction until then', async () => {
    await using emu = await start({ ...SLOW, seed: 6 });
    emu.addScenario({ appearAfterMs: 1000 });
    const p = await createFlux(emu);
    expect((await api(emu, `/predictions/${p.id}`)).status).toBe(404);
    emu.advanceClock(1000);
    expect((await api(emu, `/predictions/${p.id}`)).status).toBe(200);
  });
});

describe('a cancel that is accepted but not done', () => {
  test('cancel: ignore answers processing, and the prediction succeeds', async () => {
    await using emu = await start({ ...SLOW, scenarios: [{ cancel: 'ignore' }] });
    const p = await createFlux(emu);
    emu.advanceClock(10_000);
    const canceled = (await (
      await api(emu, `/predictions/${p.id}/cancel`, { method: 'POST' })
    ).json()) as PredictionJson;
    expect(canceled.status).toBe('processing');
    emu.advanceClock(20_000);
    expect((await getPrediction(emu, p.id)).status).toBe('succeeded');
  });

  test('cancel: late answers processing, and the prediction is canceled cancelDelayMs later', async () => {
    await using emu = await start(SLOW);
    expect((await admin(emu, '/scenarios', { cancel: 'late', cancelDelayMs: 500 })).status).toBe(201);
    const p = await createFlux(emu);
    emu.advanceClock(10_000);
    const res = await api(emu, `/predictions/${p.id}/cancel`, { method: 'POST' });
    expect(((await res.json()) as PredictionJson).status).toBe('processing');
    emu.advanceClock(499);
    expect((await getPrediction(emu, p.id)).status).toBe('processing');
    emu.advanceClock(1);
    expect((await getPrediction(emu, p.id)).status).toBe('canceled');
    expect((await admin(emu, '/scenarios', { cancel: 'later' })).status).toBe(422);
  });
});

describe('a server clock that is off', () => {
  test('clockOffsetMs moves the Date header and timestamps; a 429 can say Retry-After as a date on that clock', async () => {
    await using emu = await start({ ...SLOW, clockOffsetMs: -60_000 });
    emu.addFault({
      route: 'predictions.create',
      type: 'status',
      status: 429,
      retryAfterSeconds: 2,
      retryAfterDate: true,
    });
    emu.addFault({ route: 'predictions.create', type: 'status', status: 429, retryAfterSeconds: 0 });
    const throttled = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'x' } },
    });
    expect(throttled.status).toBe(429);
    const serverNow = Date.parse(throttled.headers.get('date')!);
    expect(serverNow).toBe(T0 - 60_000);
    expect(Date.parse(throttled.headers.get('retry-after')!)).toBe(T0 - 58_000);
    const zero = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'x' } },
    });
    expect(zero.headers.get('retry-after')).toBe('0');
    const p = await createFlux(emu);
    expect(p.created_at).toBe('2025-12-31T23:59:00.000000Z');
  });

  test('POST /_emulator/clock {offsetMs} sets the offset at run time', async () => {
    await using emu = await start(SLOW);
    const res = await admin(emu, '/clock', { offsetMs: 90_000 });
    expect(await res.json()).toMatchObject({ nowMs: T0 + 90_000, offsetMs: 90_000 });
    expect((await admin(emu, '/clock', { offsetMs: 'soon' })).status).toBe(422);
  });
});

describe('broken streams', () => {
  test('stream-408: the stream sends `: 408` and closes at once, every time', async () => {
    await using emu = await start({ ...SLOW, faults: [{ route: '*', type: 'stream-408', count: Infinity }] });
    const p = await createFlux(emu);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(p.urls.stream);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      expect(await res.text()).toBe(': 408\n\n');
    }
    // With route '*' it touches nothing but streams.
    expect((await api(emu, `/predictions/${p.id}`)).status).toBe(200);
  });

  test('stream-no-newlines: the given number of bytes without a single line break', async () => {
    await using emu = await start(SLOW);
    const p = await createFlux(emu);
    expect((await admin(emu, '/faults', { route: 'stream', type: 'stream-no-newlines', bytes: 300_000 })).status).toBe(
      201,
    );
    const body = await (await fetch(p.urls.stream)).text();
    expect(body).toHaveLength(300_000);
    expect(body.startsWith('data: ')).toBe(true);
    expect(body).not.toContain('\n');
  });
});

describe('huge logs', () => {
  test('logsBytes: get answers carry that much more logs, streamed in chunks, still valid JSON', async () => {
    await using emu = await start({ ...SLOW, scenarios: [{ logsBytes: 6 * 1024 * 1024 }] });
    const p = await createFlux(emu);
    // Queued: nothing printed yet, an ordinary answer.
    expect((await api(emu, `/predictions/${p.id}`)).headers.get('content-length')).not.toBeNull();
    emu.advanceClock(30_000);
    const res = await api(emu, `/predictions/${p.id}`);
    expect(res.headers.get('content-length')).toBeNull();
    const body = (await res.json()) as PredictionJson;
    expect(body.status).toBe('succeeded');
    expect(body.logs.startsWith('Using seed: ')).toBe(true);
    expect(body.logs.length).toBeGreaterThanOrEqual(6 * 1024 * 1024);
    expect(body.logs.length).toBeLessThan(6 * 1024 * 1024 + 4096);
  });

  test('a client that stops reading stops the writer (the answer is never built whole)', async () => {
    await using emu = await start({ ...SLOW, scenarios: [{ logsBytes: 2 * 1024 * 1024 * 1024 }] });
    const p = await createFlux(emu);
    emu.advanceClock(30_000);
    const controller = new AbortController();
    const res = await api(emu, `/predictions/${p.id}`, { signal: controller.signal });
    const reader = res.body!.getReader();
    let got = 0;
    while (got < 1024 * 1024) got += (await reader.read()).value?.length ?? 0;
    controller.abort();
    // The server still answers other requests promptly after the client left.
    expect((await api(emu, '/account')).status).toBe(200);
  });
});

describe('a server that echoes the key', () => {
  test('echoKey: the caller’s token is in logs and, on failure, in error', async () => {
    await using emu = await start({ ...SLOW, scenarios: [{ echoKey: true, fail: 'out of memory' }] });
    const p = await createFlux(emu);
    emu.advanceClock(30_000);
    const done = await getPrediction(emu, p.id);
    expect(done.status).toBe('failed');
    expect(done.logs).toContain('Bearer test-token');
    expect(done.error).toContain('test-token');
  });
});

describe('outputs sharing a base name', () => {
  test('sharedBaseName: every output is out-0.<ext>, in its own folder, and each is served', async () => {
    await using emu = await start({ ...SLOW, scenarios: [{ sharedBaseName: true }] });
    const p = await createFlux(emu, { prompt: 'twins', num_outputs: 2, output_format: 'png' });
    emu.advanceClock(30_000);
    const done = await getPrediction(emu, p.id);
    const [a, b] = done.output!;
    expect(new URL(a!).pathname).toBe(`/delivery/${p.id}/a/out-0.png`);
    expect(new URL(b!).pathname).toBe(`/delivery/${p.id}/b/out-0.png`);
    const [bytesA, bytesB] = await Promise.all(
      [a!, b!].map(async (u) => Buffer.from(await (await fetch(u)).arrayBuffer())),
    );
    expect(bytesA!.length).toBeGreaterThan(0);
    expect(bytesA!.equals(bytesB!)).toBe(false);
    expect((await fetch(`${emu.url}/delivery/${p.id}/c/out-0.png`)).status).toBe(404);
  });
});

describe('hostile prediction ids', () => {
  test.each(['../escaped', 'a/b', 'bell\u0007and\r\nnewline'])(
    'id %j is served verbatim and routes back to itself',
    async (id) => {
      await using emu = await start({ ...SLOW, scenarios: [{ id, count: 2 }] });
      const p = await createFlux(emu, { prompt: 'hostile', output_format: 'png' });
      expect(p.id).toBe(id);
      expect(p.urls.get).toBe(`${emu.apiUrl}/predictions/${encodeURIComponent(id)}`);
      emu.advanceClock(30_000);
      const done = (await (
        await fetch(p.urls.get, { headers: { authorization: 'Bearer test-token' } })
      ).json()) as PredictionJson;
      expect(done).toMatchObject({ id, status: 'succeeded' });
      expect((await fetch(done.output![0]!)).status).toBe(200);
      // A second prediction cannot take the same id.
      expect((await createFlux(emu, { prompt: 'again' })).id).toBe(`${id}-2`);
    },
  );
});
