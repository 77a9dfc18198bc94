// Resume by anyone, with real processes: a process that created six slow predictions and journaled
// them in the shared PostgreSQL store is SIGKILLed; while it lived nobody could take its work, and
// afterwards two resumers racing each other finish every prediction exactly once, creating nothing.
// The resumers follow the pattern resume() will follow once wired (test/fleet/fleet-worker.mjs).

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { PostgresJournalStore } from '../../src/journal-store/postgres-store.js';
import { API_KEY } from '../durability/helpers.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from './postgres.js';

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL('./fleet-worker.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const PREDICT_MS = 600_000;
/** The resumers look this far ahead: past the dead process's 60 s lease, without waiting for it. */
const AFTER_THE_LEASE_MS = 3_600_000;

function untilReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the creating process exited (${code}) before it was ready`)));
  });
}

describe.skipIf(postgresUnavailable !== null)('a SIGKILLed process of the fleet', () => {
  let server: TestPostgres;
  let emu: Emulator;
  beforeAll(async () => {
    if (!existsSync(DIST)) throw new Error('dist/ is missing: run `npm run build` before the fleet tests.');
    [server, emu] = await Promise.all([
      startPostgres(),
      startEmulator({ timings: { '*': { startMs: 5, predictMs: PREDICT_MS } }, token: API_KEY }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([server?.stop(), emu?.close()]);
  });

  it('has its predictions finished exactly once by two racing resumers, and none created again', async () => {
    const url = await server.createDatabase();
    const store = await PostgresJournalStore.open(url);
    try {
      const prompts = Array.from({ length: 6 }, (_, i) => `slow prompt ${i}`);
      const creator = spawn(process.execPath, [WORKER, 'create', emu.apiUrl, API_KEY, url, 'creator', ...prompts], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await untilReady(creator);
      // Alive and renewing its lease: nobody else may take its work.
      expect(await store.claimUnfinished('early-bird', 60_000)).toEqual({ entries: [], intents: [] });

      const exited = new Promise((resolve) => creator.once('exit', resolve));
      creator.kill('SIGKILL');
      await exited;
      emu.advanceClock(PREDICT_MS + 1_000);

      const resumers = await Promise.all(
        ['resumer-1', 'resumer-2'].map((owner) =>
          run(process.execPath, [WORKER, 'resume', emu.apiUrl, API_KEY, url, owner, String(AFTER_THE_LEASE_MS)]),
        ),
      );
      const finished = resumers.flatMap((r) => JSON.parse(r.stdout) as string[]);
      const created = emu.stats().predictionIds;
      expect(created).toHaveLength(6);
      expect([...finished].sort()).toEqual([...created].sort());

      const records = await store.records();
      const finishedRecords = records.filter((r) => r.event === 'finished');
      expect(finishedRecords).toHaveLength(6);
      const state = await store.read();
      expect(state.entries.every((e) => e.finished && e.status === 'succeeded')).toBe(true);
      expect(emu.stats().predictionsCreated).toBe(6);
    } finally {
      await store.close();
    }
  });
});
