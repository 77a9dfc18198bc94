// Service mode in one process, against the emulator's real signed deliveries: submit returns at once,
// the webhook handler hands over the same result generateImage returns (files saved, cost booked,
// journal finished), a refused delivery is retried and handed over once, a restarted instance answers
// a replayed delivery as a duplicate, a lost delivery is finished by the reconciler after the grace
// period, and the budget holds from submit to hand-over.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type Emulator, signWebhook, startEmulator } from '../../src/emulator/index.js';
import { readJournal } from '../../src/entries/journal.js';
import type { ReplicateClient, ServiceResult, ServiceWebhookHandler } from '../../src/index.js';
import { API_KEY, clientFor, type FakeTime, fakeTime } from '../client/helpers.js';

const PREDICT_MS = 60_000;
let emu: Emulator;
let dir: string;
const servers: Server[] = [];
const clients: ReplicateClient[] = [];

beforeAll(async () => {
  // Predictions finish only when the test moves the emulator's clock; failed deliveries retry 1 s later.
  emu = await startEmulator({
    token: API_KEY,
    timings: { '*': { startMs: 0, predictMs: PREDICT_MS } },
    webhookRetryDelaysMs: [1_000, 1_000, 1_000],
  });
});
afterAll(async () => {
  await emu.close();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  emu.reset();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  dir = mkdtempSync(join(tmpdir(), 'replicate-media-service-'));
  return dir;
}

function client(options: Parameters<typeof clientFor>[1] = {}, time?: FakeTime): ReplicateClient {
  const made = clientFor(emu, options, time).client;
  clients.push(made);
  return made;
}

/** A node:http server mounting `handler` at /hook; records each answer's status. */
async function serve(
  handler: () => ServiceWebhookHandler,
  port = 0,
): Promise<{ url: string; statuses: number[]; port: number }> {
  const statuses: number[] = [];
  const server = createServer((req, res) => {
    res.on('finish', () => statuses.push(res.statusCode));
    void handler().node(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const bound = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${bound}/hook`, statuses, port: bound };
}

/** Results handed over, and a wait for the next n of them (driven by the deliveries, not by sleeps). */
function collector() {
  const results: ServiceResult[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const onResult = (r: ServiceResult): void => {
    results.push(r);
    for (const w of waiters.splice(0))
      if (results.length >= w.n) w.resolve();
      else waiters.push(w);
  };
  const until = (n: number): Promise<void> =>
    results.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }));
  return { results, onResult, until };
}

describe('submitImage + webhookHandler', () => {
  test('returns the id at once; the delivery hands over what generateImage returns, saved and booked', async () => {
    const out = scratch();
    const journal = join(out, 'journal.jsonl');
    const c = client({ journal, budgetUsd: 1 });
    const got = collector();
    const hook = await serve(() => c.webhookHandler({ onResult: got.onResult }));
    const submitted = await c.submitImage('a lighthouse at dawn', { webhook: hook.url, download: { dir: out } });
    expect(['starting', 'processing']).toContain(submitted.prediction.status);
    expect(submitted.estimateUsd).toBe(0.003);
    // Held, not yet spent.
    expect(c.spentUsd).toBe(0);
    expect(c.remainingBudgetUsd).toBe(0.997);

    emu.advanceClock(PREDICT_MS);
    await got.until(1);
    const [handed] = got.results;
    expect(handed).toMatchObject({ kind: 'image', via: 'webhook', predictionId: submitted.predictionId });
    const result = handed?.result;
    if (!result || !('imageUrl' in result) || !result.success) throw new Error('expected a successful image result');
    expect(result.imageUrls).toEqual([result.imageUrl]);
    expect(result.costUsd).toBe(0.003);
    expect(result.prediction.status).toBe('succeeded');
    expect(result.files).toEqual([join(out, `${submitted.predictionId}-0.webp`)]);
    expect(readdirSync(out)).toContain(`${submitted.predictionId}-0.webp`);
    // Booked once the caller has it; the journal closes the prediction.
    await c.close();
    expect(c.spentUsd).toBe(0.003);
    expect(c.remainingBudgetUsd).toBe(0.997);
    const { records } = await readJournal(journal);
    expect(records.map((r) => r.event)).toEqual(['intent', 'created', 'file', 'finished']);
    const sent = await client().getPrediction(submitted.predictionId);
    expect(sent.webhook).toBe(hook.url);
    expect(sent.webhook_events_filter).toEqual(['completed']);
  });

  test('a failed prediction is handed over as the failure generateImage returns', async () => {
    const c = client();
    const got = collector();
    const hook = await serve(() => c.webhookHandler({ onResult: got.onResult }));
    const { predictionId } = await c.submitImage('[emulator:fail=the GPU caught fire]', { webhook: hook.url });
    emu.advanceClock(PREDICT_MS);
    await got.until(1);
    expect(got.results[0]?.result).toMatchObject({
      success: false,
      errorCode: 'prediction_failed',
      predictionId,
      imageUrl: null,
      imageUrls: [],
    });
  });

  test('a delivery whose hand-over failed answers 500, is retried, and is handed over once', async () => {
    const c = client({ journal: join(scratch(), 'journal.jsonl') });
    const got = collector();
    let refuse = 1;
    const hook = await serve(() =>
      c.webhookHandler({
        onResult: (r) => {
          if (refuse-- > 0) throw new Error('the database is down');
          got.onResult(r);
        },
      }),
    );
    await c.submitImage('a fox', { webhook: hook.url });
    emu.advanceClock(PREDICT_MS);
    while (hook.statuses.length < 1) await new Promise((r) => setTimeout(r, 5));
    expect(hook.statuses).toEqual([500]);
    emu.advanceClock(1_000); // the emulator's retry
    await got.until(1);
    while (hook.statuses.length < 2) await new Promise((r) => setTimeout(r, 5));
    expect(got.results).toHaveLength(1);
    expect(hook.statuses).toEqual([500, 200]);
  });

  test('after a restart, a replayed delivery is answered as a duplicate and not handed over again', async () => {
    const journal = join(scratch(), 'journal.jsonl');
    const first = client({ journal });
    const got = collector();
    let captured: { headers: Record<string, string>; body: string } | null = null;
    let handler = first.webhookHandler({ onResult: got.onResult });
    const server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      captured = { headers: req.headers as Record<string, string>, body };
      const answer = await handler.fetch(
        new Request('http://x/hook', { method: 'POST', headers: captured.headers, body }),
      );
      res.writeHead(answer.status).end(await answer.text());
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    await first.submitImage('a heron', { webhook: url });
    emu.advanceClock(PREDICT_MS);
    await got.until(1);
    await first.close();

    // A new instance on the same journal (nothing in memory) gets the same delivery again.
    const second = client({ journal });
    handler = second.webhookHandler({ onResult: got.onResult });
    const replay = captured as unknown as { headers: Record<string, string>; body: string };
    const answer = await handler.fetch(
      new Request(url, { method: 'POST', headers: replay.headers, body: replay.body }),
    );
    expect(answer.status).toBe(200);
    expect(got.results).toHaveLength(1);
    const { records } = await readJournal(journal);
    expect(records.filter((r) => r.event === 'finished')).toHaveLength(1);
  });

  test('a delivery for a prediction no submit made is answered 200 and ignored', async () => {
    const c = client();
    const got = collector();
    const hook = await serve(() => c.webhookHandler({ onResult: got.onResult }));
    // Created through the lower layer, not submitted: the service does not own it.
    await c.createPrediction({ model: 'black-forest-labs/flux-schnell', input: { prompt: 'x' }, webhook: hook.url });
    emu.advanceClock(PREDICT_MS);
    while (hook.statuses.length < 1) await new Promise((r) => setTimeout(r, 5));
    expect(hook.statuses).toEqual([200]);
    expect(got.results).toEqual([]);
  });

  test('an unsigned or forged delivery is refused and hands nothing over', async () => {
    const c = client();
    const got = collector();
    const handler = c.webhookHandler({ onResult: got.onResult });
    const body = JSON.stringify({ id: 'p1', status: 'succeeded', output: ['https://x/y.webp'] });
    const ts = Math.floor(Date.now() / 1000);
    const forged = await handler.fetch(
      new Request('http://x/hook', {
        method: 'POST',
        headers: {
          'webhook-id': 'msg_1',
          'webhook-timestamp': String(ts),
          'webhook-signature': signWebhook('whsec_AAAAAAAAAAAAAAAAAAAAAAAA', 'msg_1', ts, body),
        },
        body,
      }),
    );
    expect(forged.status).toBe(401);
    expect(got.results).toEqual([]);
  });
});

describe('submitVideo', () => {
  test('hands over what generateVideo returns: the video saved, its duration and cost', async () => {
    const out = scratch();
    const c = client({ journal: join(out, 'journal.jsonl') });
    const got = collector();
    const hook = await serve(() => c.webhookHandler({ onResult: got.onResult }));
    await c.submitImage('a first frame', { webhook: hook.url });
    emu.advanceClock(PREDICT_MS);
    await got.until(1);
    const frame = got.results[0]?.result;
    if (!frame?.success || !('imageUrl' in frame)) throw new Error('expected an image');
    const { predictionId, estimateUsd } = await c.submitVideo([frame.imageUrl, frame.imageUrl], {
      webhook: hook.url,
      durationSeconds: 2,
      download: { dir: out },
    });
    expect(estimateUsd).toBe(0.2);
    emu.advanceClock(PREDICT_MS);
    await got.until(2);
    const handed = got.results[1];
    expect(handed).toMatchObject({ kind: 'video', predictionId, via: 'webhook' });
    expect(handed?.result).toMatchObject({ success: true, durationSeconds: 2, costUsd: 0.2, predictionId });
    const video = handed?.result;
    if (!video?.success || !('videoUrl' in video)) throw new Error('expected a video');
    expect(video.files).toEqual([join(out, `${predictionId}-0.mp4`)]);
    expect(readdirSync(out)).toContain(`${predictionId}-0.mp4`);
  });
});

describe('the budget from submit to hand-over', () => {
  test('a submit past the budget is refused before anything is created; the hold ends at the actual cost', async () => {
    const c = client({ budgetUsd: 0.003 });
    const got = collector();
    const hook = await serve(() => c.webhookHandler({ onResult: got.onResult }));
    await c.submitImage('one', { webhook: hook.url });
    await expect(c.submitImage('two', { webhook: hook.url })).rejects.toMatchObject({ code: 'budget_exceeded' });
    expect(emu.stats().predictionsCreated).toBe(1);
    emu.advanceClock(PREDICT_MS);
    await got.until(1);
    while (c.spentUsd === 0) await new Promise((r) => setTimeout(r, 5));
    expect(c.spentUsd).toBe(0.003);
    expect(c.remainingBudgetUsd).toBe(0);
  });

  test('a bad webhook is invalid_input and creates nothing', async () => {
    const c = client();
    await expect(c.submitImage('x', { webhook: 'not a url' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(c.submitImage('x', {} as never)).rejects.toMatchObject({ code: 'invalid_input' });
    expect(emu.stats().predictionsCreated).toBe(0);
  });
});

describe('reconciler', () => {
  test('finishes a prediction whose deliveries never arrived, after the grace period only', async () => {
    const out = scratch();
    const journal = join(out, 'journal.jsonl');
    const time = fakeTime();
    const c = client({ journal }, time);
    // Nobody listens there: every delivery fails.
    const dead = await serve(() => c.webhookHandler({ onResult: () => undefined }));
    await new Promise((r) => servers.pop()?.close(r));
    const got = collector();
    const { predictionId } = await c.submitImage('a lost delivery', { webhook: dead.url, download: { dir: out } });
    emu.advanceClock(PREDICT_MS);
    const reconciler = c.reconciler({ graceMs: 120_000, onResult: got.onResult });
    expect(await reconciler.runOnce()).toEqual({ checked: 0, finished: [], running: [], failed: [] });
    time.advance(120_000);
    expect(await reconciler.runOnce()).toEqual({ checked: 1, finished: [predictionId], running: [], failed: [] });
    expect(got.results).toHaveLength(1);
    expect(got.results[0]).toMatchObject({
      via: 'reconciler',
      kind: 'image',
      result: { success: true, costUsd: 0.003 },
    });
    expect(readdirSync(out)).toContain(`${predictionId}-0.webp`);
    // Done: the next pass has nothing left.
    expect((await reconciler.runOnce()).checked).toBe(0);
    const lines = readFileSync(journal, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.includes('"finished"'))).toHaveLength(1);
  });

  test('leaves a running prediction for its webhook or a later pass', async () => {
    const time = fakeTime();
    const c = client({ journal: join(scratch(), 'journal.jsonl') }, time);
    const got = collector();
    const hook = await serve(() => c.webhookHandler({ onResult: got.onResult }));
    const { predictionId } = await c.submitImage('slow', { webhook: hook.url });
    time.advance(200_000);
    const reconciler = c.reconciler({ onResult: got.onResult });
    expect(await reconciler.runOnce()).toMatchObject({ checked: 1, running: [predictionId], finished: [] });
    expect(got.results).toEqual([]);
  });
});
