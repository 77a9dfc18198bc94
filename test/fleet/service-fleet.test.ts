// Service mode across instances sharing a PostgreSQL journal, with the emulator's real deliveries: a
// prediction submitted by instance A is delivered to instance B, which hands it over from the shared
// journal and ends A's hold in the fleet's budget at the actual cost; a replay of that delivery to A is
// a duplicate (the delivery ids are the fleet's); a delivery lost for good is finished by B's reconciler.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { ReplicateClient, ServiceResult } from '../../src/index.js';
import { PostgresJournalStore } from '../../src/journal-store/postgres-store.js';
import { API_KEY, clientFor, fakeTime } from '../client/helpers.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from './postgres.js';

const PREDICT_MS = 60_000;

describe.skipIf(postgresUnavailable !== null)('service mode across instances of a fleet', () => {
  let server: TestPostgres;
  let emu: Emulator;
  const clients: ReplicateClient[] = [];
  const servers: Server[] = [];
  beforeAll(async () => {
    [server, emu] = await Promise.all([
      startPostgres(),
      startEmulator({ token: API_KEY, timings: { '*': { startMs: 0, predictMs: PREDICT_MS } } }),
    ]);
  }, 120_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), emu?.close()]);
  });

  function instance(journal: string, time = fakeTime()): ReplicateClient {
    const { client } = clientFor(emu, { journal, budgetUsd: 1 }, time);
    clients.push(client);
    return client;
  }

  /** Mounts a client's handler; records each delivery's raw request so a test can replay it. */
  async function mount(client: ReplicateClient, results: ServiceResult[]) {
    const deliveries: Array<{ headers: Record<string, string>; body: string }> = [];
    const handler = client.webhookHandler({ onResult: (r) => void results.push(r) });
    const http = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      deliveries.push({ headers: req.headers as Record<string, string>, body });
      const answer = await handler.fetch(
        new Request('http://x/hook', { method: 'POST', headers: req.headers as Record<string, string>, body }),
      );
      res.writeHead(answer.status).end(await answer.text());
    });
    servers.push(http);
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/hook`, deliveries, handler };
  }

  it('hands a prediction submitted by A over on B, settles the fleet budget once, and de-duplicates a replay on A', async () => {
    const journal = await server.createDatabase();
    const [a, b] = [instance(journal), instance(journal)];
    const onA: ServiceResult[] = [];
    const onB: ServiceResult[] = [];
    const hookA = await mount(a, onA);
    const hookB = await mount(b, onB);
    const { predictionId } = await a.submitImage('a lighthouse', { webhook: hookB.url });
    emu.advanceClock(PREDICT_MS);
    while (onB.length === 0) await new Promise((r) => setTimeout(r, 10));
    expect(onB[0]).toMatchObject({
      predictionId,
      kind: 'image',
      via: 'webhook',
      result: { success: true, costUsd: 0.003 },
    });

    const [delivered] = hookB.deliveries;
    if (!delivered) throw new Error('no delivery reached B');
    const replay = await hookA.handler.fetch(
      new Request(hookA.url, { method: 'POST', headers: delivered.headers, body: delivered.body }),
    );
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ ok: true, duplicate: true });
    expect(onA).toEqual([]);

    await Promise.all([a.close(), b.close()]);
    const store = await PostgresJournalStore.open(journal);
    try {
      expect(await store.budget()).toEqual({ spentUsd: 0.003, heldUsd: 0 });
      expect((await store.records()).filter((r) => r.event === 'finished')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it("B's reconciler finishes what A submitted and no delivery reached", async () => {
    const journal = await server.createDatabase();
    const time = fakeTime();
    const [a, b] = [instance(journal, time), instance(journal, time)];
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/hook`;
    await new Promise((r) => dead.close(r));
    const { predictionId } = await a.submitImage('a lost delivery', { webhook: deadUrl });
    emu.advanceClock(PREDICT_MS);
    time.advance(120_000);
    const onB: ServiceResult[] = [];
    const report = await b.reconciler({ onResult: (r) => void onB.push(r) }).runOnce();
    expect(report).toMatchObject({ finished: [predictionId], failed: [] });
    expect(onB).toHaveLength(1);
    await Promise.all([a.close(), b.close()]);
    const store = await PostgresJournalStore.open(journal);
    try {
      expect(await store.budget()).toEqual({ spentUsd: 0.003, heldUsd: 0 });
    } finally {
      await store.close();
    }
  });
});
