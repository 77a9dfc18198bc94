// Adoption that knows the twins, through the client: process A's generateImage made a prediction and
// journaled it in the shared PostgreSQL journal; a moment later process B's identical call loses its
// create (the connection resets before the server saw it). B's look for what its lost create made finds
// A's prediction (same model, same input, just created): it must not take it. On a file journal it
// cannot know better; on the fleet's journal it does, and re-sends once the settle window has passed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { ReplicateClient } from '../../src/index.js';
import { PostgresJournalStore } from '../../src/journal-store/postgres-store.js';
import { API_KEY, clientFor } from '../client/helpers.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from './postgres.js';

describe.skipIf(postgresUnavailable !== null)('a lost create on a fleet journal', () => {
  let server: TestPostgres;
  let emu: Emulator;
  const clients: ReplicateClient[] = [];
  beforeAll(async () => {
    [server, emu] = await Promise.all([
      startPostgres(),
      startEmulator({ token: API_KEY, timings: { '*': { startMs: 1, predictMs: 5 } } }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([server?.stop(), emu?.close()]);
  });

  it("never adopts the prediction another process's identical call journaled", async () => {
    const journal = await server.createDatabase();
    const a = clientFor(emu, { journal }).client;
    const b = clientFor(emu, { journal }).client;
    clients.push(a, b);
    const first = await a.generateImage('the same prompt');
    if (!first.success) throw new Error(first.error);

    emu.addFault({ route: 'predictions.create', type: 'reset-before' });
    const second = await b.generateImage('the same prompt');
    if (!second.success) throw new Error(second.error);
    expect(second.predictionId).not.toBe(first.predictionId);
    expect(emu.stats().predictionsCreated).toBe(2);

    const store = await PostgresJournalStore.open(journal);
    try {
      const created = (await store.records()).filter((r) => r.event === 'created');
      expect(created.map((r) => (r as { predictionId: string }).predictionId).sort()).toEqual(
        [first.predictionId, second.predictionId].sort(),
      );
    } finally {
      await store.close();
    }
  });
});
