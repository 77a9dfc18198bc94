// One contract, two stores: the JSON Lines file of one process and the PostgreSQL database of a fleet
// must tell the same story about records, budget holds, claims, twins and webhook ids. The Postgres run
// uses a real server (test/fleet/postgres.ts) with a fresh database per test; it skips where Debian's
// postgresql package is absent.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileJournalStore } from '../../src/journal-store/file-store.js';
import { PostgresJournalStore } from '../../src/journal-store/postgres-store.js';
import type { JournalStore } from '../../src/journal-store/store.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from './postgres.js';

const MODEL = 'black-forest-labs/flux-schnell';
const LEASE_MS = 60_000;

/** A clock the test moves by hand: leases end when the test says so, never by waiting. */
function manualClock(start = Date.parse('2026-12-01T10:00:00Z')) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

interface Made {
  store: JournalStore;
  clock: ReturnType<typeof manualClock>;
}

function contract(name: string, make: (options: { redact: (t: string) => string }) => Promise<Made>) {
  describe(`the ${name} journal store`, () => {
    const open: JournalStore[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });
    const store = async (options: { redact?: (t: string) => string } = {}): Promise<Made> => {
      const made = await make({ redact: options.redact ?? ((t) => t) });
      open.push(made.store);
      return made;
    };

    it('folds the records of a prediction, keeps intents without one open, and adds the history up', async () => {
      const { store: s } = await store();
      await s.append(intent('r1', 'a cat'), 'proc-a');
      await s.append(created('p1', 'r1', 'a cat'), 'proc-a');
      await s.append({ event: 'status', predictionId: 'p1', status: 'processing' });
      await s.append(finished('p1', 0.003));
      await s.append(savedFile('p1'));
      await s.append(intent('r2', 'a dog'), 'proc-a');
      await s.append(intent('r3', 'a fox'), 'proc-a');
      await s.append({ event: 'not_created', requestId: 'r3' });

      const state = await s.read();
      expect(state.entries).toHaveLength(1);
      expect(state.entries[0]).toMatchObject({
        predictionId: 'p1',
        requestId: 'r1',
        status: 'succeeded',
        finished: true,
        costUsd: 0.003,
        files: [expect.objectContaining({ index: 0, path: 'out/p1-0.webp' })],
      });
      expect(state.openIntents.map((i) => i.requestId)).toEqual(['r2']);
      expect((await s.records()).map((r) => r.event)).toEqual([
        'intent',
        'created',
        'status',
        'finished',
        'file',
        'intent',
        'intent',
        'not_created',
      ]);
      const { totals } = await s.history();
      expect(totals).toMatchObject({
        predictions: 1,
        succeeded: 1,
        unfinished: 0,
        files: 1,
        bytes: 1200,
        costUsd: 0.003,
      });
    });

    it('never stores the API key, whatever field carried it', async () => {
      const key = 'r8_SECRETSECRETSECRET';
      const { store: s } = await store({ redact: (t) => t.replaceAll(key, '[REDACTED]') });
      await s.append(intent('r1', `a cat ${key}`), 'proc-a');
      expect(JSON.stringify(await s.records())).not.toContain(key);
      expect((await s.read()).openIntents[0]?.input.prompt).toBe('a cat [REDACTED]');
    });

    it('grants reservations up to the budget and not one past it, even all at once', async () => {
      const { store: s } = await store();
      const outcomes = await Promise.all(Array.from({ length: 14 }, () => s.reserve(0.003, 0.03)));
      expect(outcomes.filter((o) => o.granted)).toHaveLength(10);
      const refused = outcomes.find((o) => !o.granted);
      expect(refused).toMatchObject({ granted: false, amountUsd: 0.003, budgetUsd: 0.03, heldUsd: 0.03 });
      expect(await s.budget()).toEqual({ spentUsd: 0, heldUsd: 0.03 });
    });

    it('settles a hold at the actual cost, releases one at nothing, and ignores a second settle', async () => {
      const { store: s } = await store();
      const a = await s.reserve(0.01, 0.02, { requestId: 'r1' });
      const b = await s.reserve(0.01, 0.02, { requestId: 'r2' });
      if (!a.granted || !b.granted) throw new Error('both holds fit the budget');
      expect((await s.reserve(0.001, 0.02)).granted).toBe(false);
      expect(await s.holdsFor('r1')).toEqual([a.holdId]);

      await s.settle(a.holdId, 0.004);
      await s.settle(a.holdId, 0.009);
      await s.release(b.holdId);
      expect(await s.holdsFor('r1')).toEqual([]);
      expect(await s.budget()).toEqual({ spentUsd: 0.004, heldUsd: 0 });
      await s.recordSpend(0.006);
      expect(await s.budget()).toEqual({ spentUsd: 0.01, heldUsd: 0 });
      expect((await s.reserve(0.01, 0.02)).granted).toBe(true);
      expect((await s.reserve(0.000001, 0.02)).granted).toBe(false);
    });

    it('releases the old holds no intent names (their process died before writing one), and only those', async () => {
      const { store: s, clock } = await store();
      const orphan = await s.reserve(0.01, 0.03, { owner: 'dead', requestId: 'r-lost' });
      const named = await s.reserve(0.01, 0.03, { owner: 'dead', requestId: 'r-named' });
      await s.append(intent('r-named', 'a cat'), 'dead');
      clock.advance(10 * 60_000);
      const young = await s.reserve(0.005, 0.03, { owner: 'live', requestId: 'r-young' });
      expect([orphan.granted, named.granted, young.granted]).toEqual([true, true, true]);

      expect(await s.releaseOrphanHolds(5 * 60_000)).toBe(1);
      expect(await s.budget()).toEqual({ spentUsd: 0, heldUsd: 0.015 });
      expect(await s.holdsFor('r-named')).toHaveLength(1);
      expect(await s.holdsFor('r-lost')).toEqual([]);
      expect(await s.releaseOrphanHolds(5 * 60_000)).toBe(0);
    });

    it("lets nobody else claim a live owner's work, and exactly one claimer take it once the lease ends", async () => {
      const { store: s, clock } = await store();
      await s.append(intent('r1', 'a cat'), 'dead');
      await s.append(created('p1', 'r1', 'a cat'), 'dead');
      await s.append(intent('r2', 'a dog'), 'dead');
      await s.append(intent('r3', 'a fox'), 'dead');
      await s.append(created('p3', 'r3', 'a fox'), 'dead');
      await s.append(finished('p3', 0.003));
      await s.append(savedFile('p3'));

      // The owner's heartbeat keeps its work past the first lease.
      expect(await s.claimUnfinished('b', LEASE_MS)).toEqual({ entries: [], intents: [] });
      clock.advance(LEASE_MS / 2);
      expect(await s.renewLeases('dead', LEASE_MS)).toBeGreaterThanOrEqual(2);
      clock.advance(LEASE_MS / 2 + 1);
      expect(await s.claimUnfinished('b', LEASE_MS)).toEqual({ entries: [], intents: [] });

      // It stopped beating (it died): once the lease is over, its unfinished work goes to one claimer.
      clock.advance(LEASE_MS);
      const [b, c] = await Promise.all([s.claimUnfinished('b', LEASE_MS), s.claimUnfinished('c', LEASE_MS)]);
      const taken = [b, c].map((w) => [...w.entries.map((e) => e.predictionId), ...w.intents.map((i) => i.requestId)]);
      expect([...taken[0]!, ...taken[1]!].sort()).toEqual(['p1', 'r2']);
      const winner = taken[0]!.length > 0 ? 'b' : 'c';
      expect(taken[winner === 'b' ? 1 : 0]).toEqual([]);

      // The claimer asking again keeps its work; another still gets nothing until that lease ends too.
      const again = await s.claimUnfinished(winner, LEASE_MS);
      expect(again.entries.map((e) => e.predictionId)).toEqual(['p1']);
      expect(await s.claimUnfinished('d', LEASE_MS)).toEqual({ entries: [], intents: [] });

      // A clean shutdown hands the work back at once, without waiting for the lease.
      expect(await s.releaseLeases(winner)).toBeGreaterThanOrEqual(2);
      const handedOver = await s.claimUnfinished('d', LEASE_MS);
      expect(handedOver.entries.map((e) => e.predictionId)).toEqual(['p1']);
      expect(handedOver.intents.map((i) => i.requestId)).toEqual(['r2']);
    });

    it("finds other processes' intents with the same model and input, and what became of them", async () => {
      const { store: s, clock } = await store();
      const at = clock.now();
      await s.append(intent('mine', 'a cat', { steps: 4, seed: 1 }), 'a');
      await s.append(intent('twin', 'a cat', { seed: 1, steps: 4 }), 'b');
      await s.append(created('p-twin', 'twin', 'a cat'), 'b');
      await s.append(intent('other-input', 'a cat', { seed: 2, steps: 4 }), 'b');
      await s.append(intent('closed', 'a cat', { steps: 4, seed: 1 }), 'c');
      await s.append({ event: 'not_created', requestId: 'closed' });
      clock.advance(10 * 60_000);
      await s.append(intent('late', 'a cat', { steps: 4, seed: 1 }), 'c');

      const twins = await s.twinIntents({
        owner: 'a',
        model: MODEL,
        input: { prompt: 'a cat', seed: 1, steps: 4 },
        sinceMs: at - 60_000,
        untilMs: at + 60_000,
      });
      expect(twins.map((t) => [t.intent.requestId, t.owner, t.predictionId, t.notCreated])).toEqual([
        ['twin', 'b', 'p-twin', false],
        ['closed', 'c', null, true],
      ]);
      expect(twins[0]!.intent).not.toHaveProperty('owner');
    });

    it('de-duplicates webhook ids, and handles a forgotten one again', async () => {
      const { store: s } = await store();
      expect(await s.markDelivered('msg_1')).toBe(true);
      expect(await s.markDelivered('msg_1')).toBe(false);
      expect(await s.markDelivered('msg_2')).toBe(true);
      await s.forgetDelivery('msg_1');
      expect(await s.markDelivered('msg_1')).toBe(true);
    });
  });
}

function intent(requestId: string, prompt: string, extra: Record<string, unknown> = {}) {
  return {
    event: 'intent' as const,
    requestId,
    model: MODEL,
    input: { prompt, ...extra },
    kind: 'image' as const,
    downloadDir: 'out',
    durationSeconds: null,
    estimateUsd: 0.003,
  };
}

function created(predictionId: string, requestId: string, prompt: string) {
  return {
    event: 'created' as const,
    predictionId,
    requestId,
    model: MODEL,
    version: null,
    input: { prompt },
    createdAt: '2026-12-01T10:00:01.000Z',
    kind: 'image' as const,
    downloadDir: 'out',
    durationSeconds: null,
    status: 'starting' as const,
  };
}

function savedFile(predictionId: string) {
  return {
    event: 'file' as const,
    predictionId,
    index: 0,
    url: 'https://x/out-0.webp',
    path: `out/${predictionId}-0.webp`,
    bytes: 1200,
    contentType: 'image/webp',
  };
}

function finished(predictionId: string, costUsd: number) {
  return {
    event: 'finished' as const,
    predictionId,
    status: 'succeeded' as const,
    outputUrls: ['https://x/out-0.webp'],
    error: null,
    costUsd,
    dataRemoved: false,
  };
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'replicate-media-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let files = 0;
contract('file', async ({ redact }) => {
  const clock = manualClock();
  return { store: new FileJournalStore(join(dir, `journal-${++files}.jsonl`), { now: clock.now, redact }), clock };
});

describe('the file store on disk', () => {
  it('writes the same JSON Lines as before, with the owner as one more field', async () => {
    const path = join(dir, 'format.jsonl');
    const s = new FileJournalStore(path, { now: () => Date.parse('2026-12-01T10:00:00Z') });
    await s.append(intent('r1', 'a cat'), 'proc-a');
    await s.append({ event: 'not_created', requestId: 'r1' });
    await s.close();
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(JSON.parse(lines[0]!)).toEqual({
      v: 1,
      at: '2026-12-01T10:00:00.000Z',
      ...intent('r1', 'a cat'),
      owner: 'proc-a',
    });
    expect(JSON.parse(lines[1]!)).toEqual({
      v: 1,
      at: '2026-12-01T10:00:00.000Z',
      event: 'not_created',
      requestId: 'r1',
    });
  });
});

describe.skipIf(postgresUnavailable !== null)('with PostgreSQL', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });
  contract('postgres', async ({ redact }) => {
    const clock = manualClock();
    const url = await server.createDatabase();
    return { store: await PostgresJournalStore.open(url, { now: clock.now, redact }), clock };
  });
});
