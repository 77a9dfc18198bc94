// Issue 16's "done when", through ReplicateClient alone (the journal option given a postgres:// URL):
// three processes share one PostgreSQL journal and a $0.03 budget and run 30 flux-schnell prompts
// between them against one emulator: exactly 10 predictions are created, the other 20 prompts end
// budget_exceeded, and the fleet's books say $0.03 spent, nothing held. A process SIGKILLed with six
// predictions running has them finished exactly once by two other processes' racing resume(), which
// create nothing; the dead process's budget holds end at the actual cost.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { PostgresJournalStore } from '../../src/journal-store/postgres-store.js';
import { API_KEY } from '../durability/helpers.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from './postgres.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const CHILD = fileURLToPath(new URL('./client-fleet.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
// Shorter than the 600 s Cancel-After a generateImage sends, so the slow ones finish rather than being canceled.
const SLOW_MS = 300_000;
/** Past the dead process's 5-minute leases, without waiting for them. */
const AFTER_THE_LEASE_MS = 3_600_000;

describe.skipIf(postgresUnavailable !== null)('a fleet of clients on one PostgreSQL journal', () => {
  let server: TestPostgres;
  let emu: Emulator;
  beforeAll(async () => {
    if (!existsSync(DIST)) throw new Error('dist/ is missing: run `npm run build` before the fleet tests.');
    [server, emu] = await Promise.all([
      startPostgres(),
      // flux-schnell is fast; a prompt with [emulator:predict_ms=...] is slow until the clock is moved.
      startEmulator({ token: API_KEY, timings: { '*': { startMs: 1, predictMs: 5 } } }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([server?.stop(), emu?.close()]);
  });

  it('three processes under one $0.03 budget create exactly 10 predictions out of 30 prompts', async () => {
    const url = await server.createDatabase();
    const before = emu.stats().predictionsCreated;
    const children = await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        run(process.execPath, [
          CHILD,
          'generate',
          emu.apiUrl,
          API_KEY,
          url,
          '0.03',
          ...Array.from({ length: 10 }, (_, i) => `fleet ${name} prompt ${i}`),
        ]),
      ),
    );
    const outcomes = children.flatMap(
      (c) => JSON.parse(c.stdout) as Array<{ success: boolean; errorCode: string | null; predictionId: string | null }>,
    );
    expect(outcomes).toHaveLength(30);
    expect(outcomes.filter((o) => o.success)).toHaveLength(10);
    expect(outcomes.filter((o) => o.errorCode === 'budget_exceeded')).toHaveLength(20);
    expect(outcomes.filter((o) => o.errorCode === 'budget_exceeded').every((o) => o.predictionId === null)).toBe(true);
    expect(emu.stats().predictionsCreated - before).toBe(10);

    const store = await PostgresJournalStore.open(url);
    try {
      expect(await store.budget()).toEqual({ spentUsd: 0.03, heldUsd: 0 });
      const state = await store.read();
      expect(state.entries).toHaveLength(10);
      expect(state.entries.every((e) => e.finished && e.status === 'succeeded')).toBe(true);
      expect(state.openIntents).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("finishes a SIGKILLed process's predictions exactly once through two racing resume() calls", async () => {
    const url = await server.createDatabase();
    const store = await PostgresJournalStore.open(url);
    try {
      const prompts = Array.from({ length: 6 }, (_, i) => `slow prompt ${i} [emulator:predict_ms=${SLOW_MS}]`);
      const creator: ChildProcess = spawn(process.execPath, [CHILD, 'start', emu.apiUrl, API_KEY, url, ...prompts], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const exited = new Promise((resolve) => creator.once('exit', resolve));
      // Killed once all six are journaled as created (the store says so), mid-run.
      for (;;) {
        const created = (await store.records()).filter((r) => r.event === 'created');
        if (created.length === 6) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      creator.kill('SIGKILL');
      await exited;
      const createdBefore = emu.stats().predictionsCreated;
      emu.advanceClock(SLOW_MS + 1_000);

      const resumers = await Promise.all(
        [1, 2].map(() =>
          run(process.execPath, [CHILD, 'resume', emu.apiUrl, API_KEY, url, String(AFTER_THE_LEASE_MS)]),
        ),
      );
      const finished = resumers.flatMap((r) => JSON.parse(r.stdout) as string[]);
      const ids = (await store.read()).entries.map((e) => e.predictionId);
      expect(ids).toHaveLength(6);
      expect([...finished].sort()).toEqual([...ids].sort());
      expect(emu.stats().predictionsCreated).toBe(createdBefore);
      const records = await store.records();
      expect(records.filter((r) => r.event === 'finished')).toHaveLength(6);
      const state = await store.read();
      expect(state.entries.every((e) => e.finished && e.status === 'succeeded')).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('the CLI: batch --journal postgres://... --budget, then history over the fleet', async () => {
    const url = await server.createDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'replicate-media-cli-fleet-'));
    try {
      const prompts = join(dir, 'prompts.txt');
      await writeFile(prompts, 'one\ntwo\nthree\nfour\n');
      const env = { ...process.env, REPLICATE_API_KEY: API_KEY, REPLICATE_BASE_URL: emu.apiUrl, NO_COLOR: '1' };
      // Exits 1: some prompts failed (budget_exceeded).
      const batch: { code?: number; stdout: string } = await run(
        process.execPath,
        [CLI, 'batch', prompts, '--out', join(dir, 'out'), '--journal', url, '--budget', '0.006', '-c', '1', '--json'],
        { env, cwd: dir },
      ).catch((error: { code: number; stdout: string }) => error);
      expect(batch.code).toBe(1);
      const document = JSON.parse(batch.stdout) as { succeeded: number; results: Array<{ errorCode?: string }> };
      expect(document.succeeded).toBe(2);
      expect(document.results.filter((r) => r.errorCode === 'budget_exceeded')).toHaveLength(2);
      const history = await run(process.execPath, [CLI, 'history', '--json'], {
        env: { ...env, REPLICATE_MEDIA_JOURNAL: url },
        cwd: dir,
      });
      const shown = JSON.parse(history.stdout) as {
        journal: string;
        predictions: unknown[];
        totals: { costUsd: number };
      };
      expect(shown.journal).toBe(url);
      expect(shown.predictions).toHaveLength(2);
      expect(shown.totals.costUsd).toBe(0.006);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
