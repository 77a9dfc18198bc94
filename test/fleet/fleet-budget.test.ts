// The fleet's budget end to end, before the client is wired to the store: three processes share one
// PostgreSQL journal store and a $0.03 budget, and run 30 flux-schnell prompts between them against one
// emulator, reserving before each create and settling with the actual cost after (what the client's
// budgetUsd will do with a postgres:// journal). Exactly 10 predictions exist at the end.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { PostgresJournalStore } from '../../src/journal-store/postgres-store.js';
import { API_KEY, startFast } from '../durability/helpers.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from './postgres.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./fleet-child.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

describe.skipIf(postgresUnavailable !== null)('three processes under one $0.03 budget in PostgreSQL', () => {
  let server: TestPostgres;
  let emu: Emulator;
  beforeAll(async () => {
    if (!existsSync(DIST)) throw new Error('dist/ is missing: run `npm run build` before the fleet tests.');
    [server, emu] = await Promise.all([startPostgres(), startFast()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([server?.stop(), emu?.close()]);
  });

  it('create exactly 10 predictions out of 30 prompts; the other 20 end budget_exceeded', async () => {
    const url = await server.createDatabase();
    const setup = await PostgresJournalStore.open(url);
    await setup.close();
    const children = await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        run(process.execPath, [
          CHILD,
          emu.apiUrl,
          API_KEY,
          url,
          name,
          ...Array.from({ length: 10 }, (_, i) => `fleet ${name} prompt ${i}`),
        ]),
      ),
    );
    const outcomes = children.flatMap(
      (c) => JSON.parse(c.stdout) as Array<{ outcome: string; predictionId?: string | null }>,
    );
    expect(outcomes).toHaveLength(30);
    expect(outcomes.filter((o) => o.outcome === 'created')).toHaveLength(10);
    expect(outcomes.filter((o) => o.outcome === 'budget_exceeded')).toHaveLength(20);
    expect(emu.stats().predictionsCreated).toBe(10);

    const store = await PostgresJournalStore.open(url);
    try {
      expect(await store.budget()).toEqual({ spentUsd: 0.03, heldUsd: 0 });
    } finally {
      await store.close();
    }
  });
});
