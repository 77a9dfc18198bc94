// What only a database shared by several processes can show: reservations racing from many connections
// and from separate processes never pass the budget, claims are exclusive across connections, webhook
// ids de-duplicate across instances, and the schema is created and migrated once however many open it.
// Real PostgreSQL (test/fleet/postgres.ts); skips where Debian's postgresql package is absent.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openJournalStore } from '../../src/journal-store/index.js';
import {
  describePostgresUrl,
  migrateJournalSchema,
  PostgresJournalStore,
  type PostgresJournalStoreOptions,
} from '../../src/journal-store/postgres-store.js';
import { LATEST_SCHEMA_VERSION } from '../../src/journal-store/schema.js';
import type { JournalStore } from '../../src/journal-store/store.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from './postgres.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./reserve-child.mjs', import.meta.url));
const BUILT_STORE = fileURLToPath(new URL('../../dist/journal-store/index.js', import.meta.url));
const MODEL = 'black-forest-labs/flux-schnell';

describe.skipIf(postgresUnavailable !== null)('a journal shared by a fleet, in PostgreSQL', () => {
  let server: TestPostgres;
  const open: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  const store = async (url: string, options: PostgresJournalStoreOptions = {}): Promise<JournalStore> => {
    const s = await PostgresJournalStore.open(url, options);
    open.push(s);
    return s;
  };
  const query = async (url: string, text: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  };

  it('creates the schema in an empty database once, however many processes open it at the same moment', async () => {
    const url = await server.createDatabase();
    await Promise.all(Array.from({ length: 4 }, () => store(url)));
    expect(await query(url, 'SELECT version FROM replicate_media_schema_version ORDER BY version')).toEqual([
      { version: LATEST_SCHEMA_VERSION },
    ]);
    const tables = await query(
      url,
      "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'replicate_media_%' ORDER BY 1",
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'replicate_media_budget',
      'replicate_media_claims',
      'replicate_media_holds',
      'replicate_media_journal',
      'replicate_media_schema_version',
      'replicate_media_webhook_deliveries',
    ]);

    // A re-run on a migrated database applies nothing and keeps what was written.
    const s = await store(url);
    await s.append({ event: 'not_created', requestId: 'r1' });
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      expect(await migrateJournalSchema(pool)).toEqual({
        from: LATEST_SCHEMA_VERSION,
        to: LATEST_SCHEMA_VERSION,
        applied: [],
      });
    } finally {
      await pool.end();
    }
    expect(await s.records()).toHaveLength(1);
  });

  it('refuses a database migrated by a newer library, and says what to do', async () => {
    const url = await server.createDatabase();
    await (await store(url)).close();
    await query(
      url,
      "INSERT INTO replicate_media_schema_version (version, description) VALUES (999, 'from the future')",
    );
    await expect(openJournalStore(url)).rejects.toMatchObject({
      code: 'journal_failed',
      message: expect.stringMatching(/schema version 999.*upgrade replicate-media/),
    });
  });

  it('says which database could not be opened, without its password', async () => {
    const url = `postgres://postgres:hunter2@127.0.0.1:${server.port}/no_such_database`;
    const error = await openJournalStore(url).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'journal_failed' });
    expect(String((error as Error).message)).toContain('postgres://postgres:***@127.0.0.1');
    expect(String((error as Error).message)).not.toContain('hunter2');
    expect(describePostgresUrl(url)).not.toContain('hunter2');
  });

  it('gives up on a server that accepts the connection and never answers, saying which one', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const error = await openJournalStore(`postgres://fleet:pw@127.0.0.1:${port}/journal`, {
        connectTimeoutMs: 200,
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'journal_failed' });
      expect(String((error as Error).message)).toContain(
        `Could not open the journal postgres://fleet:***@127.0.0.1:${port}/journal`,
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('never grants past the budget when 30 reservations race from 6 processes worth of connections', async () => {
    const url = await server.createDatabase();
    const stores = await Promise.all(Array.from({ length: 6 }, () => store(url, { maxConnections: 5 })));
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) => stores[i % stores.length]!.reserve(0.003, 0.03, { owner: `p${i % 6}` })),
    );
    expect(outcomes.filter((o) => o.granted)).toHaveLength(10);
    expect(await stores[0]!.budget()).toEqual({ spentUsd: 0, heldUsd: 0.03 });
    const [holds] = await query(
      url,
      "SELECT count(*)::int AS n, sum(micros)::int AS micros FROM replicate_media_holds WHERE state = 'held'",
    );
    expect(holds).toEqual({ n: 10, micros: 30_000 });
  });

  it('never grants past the budget when three separate processes race for it', async () => {
    if (!existsSync(BUILT_STORE)) throw new Error('dist/ is missing: run `npm run build` before the fleet tests.');
    const url = await server.createDatabase();
    await (await store(url)).close(); // the schema exists before the race, as in a running fleet
    const children = await Promise.all(
      Array.from({ length: 3 }, () => run(process.execPath, [CHILD, url, '10', '0.003', '0.03'])),
    );
    const granted = children.map((c) => (JSON.parse(c.stdout) as { granted: number }).granted);
    expect(granted.reduce((a, b) => a + b, 0)).toBe(10);
    const s = await store(url);
    expect(await s.budget()).toEqual({ spentUsd: 0, heldUsd: 0.03 });
  });

  it("gives each of a dead process's unfinished predictions to exactly one of four claimers", async () => {
    const url = await server.createDatabase();
    let now = Date.parse('2026-12-01T10:00:00Z');
    const clock = { now: () => now };
    const dead = await store(url, { ...clock, leaseMs: 60_000 });
    for (let i = 0; i < 20; i++) {
      await dead.append(
        {
          event: 'created',
          predictionId: `p${i}`,
          requestId: `r${i}`,
          model: MODEL,
          version: null,
          input: { prompt: `prompt ${i}` },
          createdAt: new Date(now).toISOString(),
          kind: 'prediction',
          downloadDir: null,
          durationSeconds: null,
          status: 'starting',
        },
        'dead',
      );
    }
    const claimers = await Promise.all(Array.from({ length: 4 }, () => store(url, clock)));
    const early = await Promise.all(claimers.map((c, i) => c.claimUnfinished(`c${i}`, 60_000)));
    expect(early.flatMap((w) => w.entries)).toEqual([]);

    now += 60_001;
    const taken = await Promise.all(claimers.map((c, i) => c.claimUnfinished(`c${i}`, 60_000)));
    const ids = taken.flatMap((w) => w.entries.map((e) => e.predictionId));
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    const owners = await query(url, 'SELECT DISTINCT owner FROM replicate_media_claims ORDER BY owner');
    expect(owners.every((o) => /^c\d$/.test(String(o.owner)))).toBe(true);
  });

  it("measures leases on the database's clock when no clock is given", async () => {
    const url = await server.createDatabase();
    const alive = await store(url);
    const gone = await store(url, { leaseMs: 0 });
    const prediction = (id: string) => ({
      event: 'created' as const,
      predictionId: id,
      requestId: null,
      model: MODEL,
      version: null,
      input: { prompt: id },
      createdAt: new Date().toISOString(),
      kind: 'prediction' as const,
      downloadDir: null,
      durationSeconds: null,
      status: 'starting' as const,
    });
    await alive.append(prediction('p-alive'), 'alive');
    await gone.append(prediction('p-gone'), 'gone');
    const claimer = await store(url);
    const work = await claimer.claimUnfinished('claimer', 60_000);
    expect(work.entries.map((e) => e.predictionId)).toEqual(['p-gone']);
  });

  it('lets one process see the intents of another, so a lost create never adopts its twin', async () => {
    const url = await server.createDatabase();
    const [a, b] = [await store(url), await store(url)];
    const at = Date.now();
    const intent = {
      event: 'intent' as const,
      requestId: 'rb',
      model: MODEL,
      input: { prompt: 'a cat', seed: 7 },
      kind: 'image' as const,
      downloadDir: null,
      durationSeconds: null,
      estimateUsd: 0.003,
    };
    await b!.append(intent, 'b');
    const twins = await a!.twinIntents({
      owner: 'a',
      model: MODEL,
      input: { seed: 7, prompt: 'a cat' },
      sinceMs: at - 60_000,
      untilMs: at + 60_000,
    });
    expect(twins).toEqual([
      { intent: expect.objectContaining({ requestId: 'rb' }), owner: 'b', predictionId: null, notCreated: false },
    ]);
  });

  it('de-duplicates each webhook id across two instances handling its deliveries at once', async () => {
    const url = await server.createDatabase();
    const [a, b] = [await store(url), await store(url)];
    const ids = Array.from({ length: 10 }, (_, i) => `msg_${i}`);
    const firsts = await Promise.all(ids.flatMap((id) => [a!.markDelivered(id), b!.markDelivered(id)]));
    for (let i = 0; i < ids.length; i++) expect([firsts[2 * i], firsts[2 * i + 1]].filter(Boolean)).toHaveLength(1);
    expect(await a!.markDelivered('msg_3')).toBe(false);
  });
});
