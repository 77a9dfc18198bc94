// Webhooks: Standard Webhooks signatures, the events filter, throttling and retries of `completed`.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { signWebhook } from '../../src/emulator/index.js';
import { assertBuilt, cleanEnv, startCli } from '../cli/helpers.js';
import { api, eventually, SLOW, start } from './helpers.js';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  json: { id: string; status: string; logs: string; output: unknown };
}

/** A loopback receiver that answers each delivery with the next status in `statuses` (then 200). */
async function receiver(statuses: number[] = []): Promise<{ url: string; deliveries: Delivery[]; server: Server }> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      deliveries.push({ headers: req.headers, body, json: JSON.parse(body) as Delivery['json'] });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, deliveries, server };
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

const createWithHook = (
  emu: Awaited<ReturnType<typeof start>>,
  webhook: string,
  filter?: string[],
  prompt = 'hooked',
) =>
  api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
    json: { input: { prompt }, webhook, ...(filter ? { webhook_events_filter: filter } : {}) },
  }).then(async (res) => {
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; webhook: string; webhook_events_filter: string[] };
  });

describe('webhook signing', () => {
  test('signWebhook reproduces the Standard Webhooks test vector', () => {
    expect(
      signWebhook(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  test('deliveries carry webhook-id, webhook-timestamp and a signature made with the default secret', async () => {
    await using emu = await start();
    const hook = await receiver();
    const p = await createWithHook(emu, hook.url);
    expect(p.webhook).toBe(hook.url);
    expect(p.webhook_events_filter).toEqual(['output', 'completed']);
    await eventually(() => expect(hook.deliveries).toHaveLength(1));
    const [delivery] = hook.deliveries;
    expect(delivery!.json).toMatchObject({ id: p.id, status: 'succeeded' });
    const id = String(delivery!.headers['webhook-id']);
    const timestamp = Number(delivery!.headers['webhook-timestamp']);
    expect(id).toMatch(/^msg_/);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(60);
    const { key } = (await (await api(emu, '/webhooks/default/secret')).json()) as { key: string };
    expect(delivery!.headers['webhook-signature']).toBe(signWebhook(key, id, timestamp, delivery!.body));
    expect(emu.stats().webhookDeliveries).toBe(1);
  });
});

describe('events', () => {
  test('the filter picks start, logs and completed; logs are throttled to one per 500 ms', async () => {
    await using emu = await start(SLOW);
    const hook = await receiver();
    const p = await createWithHook(emu, hook.url, ['start', 'logs', 'completed']);
    emu.advanceClock(10_000);
    await eventually(() => expect(hook.deliveries.length).toBeGreaterThanOrEqual(2));
    expect(hook.deliveries[0]!.json.status).toBe('processing');
    // The first log line came with the start; the next log arrives only after the throttle window.
    emu.advanceClock(8_000);
    await eventually(() => expect(hook.deliveries.length).toBeGreaterThanOrEqual(3));
    emu.advanceClock(12_000);
    await eventually(() => expect(hook.deliveries.at(-1)!.json.status).toBe('succeeded'));
    const statuses = hook.deliveries.map((d) => d.json.status);
    expect(statuses.filter((s) => s === 'succeeded')).toHaveLength(1);
    expect(hook.deliveries.every((d) => d.json.id === p.id)).toBe(true);
    const logLengths = hook.deliveries.map((d) => d.json.logs.length);
    expect([...logLengths].sort((a, b) => a - b)).toEqual(logLengths);
  });

  test('with only "output" in the filter, the finished prediction is sent once as output', async () => {
    await using emu = await start();
    const hook = await receiver();
    await createWithHook(emu, hook.url, ['output']);
    await eventually(() => expect(hook.deliveries).toHaveLength(1));
    expect(hook.deliveries[0]!.json.status).toBe('succeeded');
    expect(Array.isArray(hook.deliveries[0]!.json.output)).toBe(true);
  });

  test('a failed prediction sends completed with the error', async () => {
    await using emu = await start();
    const hook = await receiver();
    await createWithHook(emu, hook.url, ['completed'], '[emulator:fail=bad]');
    await eventually(() => expect(hook.deliveries).toHaveLength(1));
    expect(hook.deliveries[0]!.json).toMatchObject({ status: 'failed', error: 'bad' });
  });
});

describe('retries', () => {
  /** The emulator logs each failed attempt; waiting on that line means the retry is scheduled. */
  const logged = () => {
    const lines: string[] = [];
    return {
      lines,
      logger: (line: string) => lines.push(line),
      count: (text: string) => lines.filter((l) => l.includes(text)).length,
    };
  };

  test('a failed completed delivery is retried along webhookRetryDelaysMs with the same webhook-id', async () => {
    const log = logged();
    await using emu = await start({ ...SLOW, webhookRetryDelaysMs: [1_000, 5_000, 10_000], logger: log.logger });
    const hook = await receiver([500, 503]);
    await createWithHook(emu, hook.url, ['completed']);
    emu.advanceClock(30_000);
    await eventually(() => expect(log.count('retrying in 1000 ms')).toBe(1));
    emu.advanceClock(999);
    expect(hook.deliveries).toHaveLength(1);
    emu.advanceClock(1);
    await eventually(() => expect(log.count('retrying in 5000 ms')).toBe(1));
    emu.advanceClock(5_000);
    await eventually(() => expect(hook.deliveries).toHaveLength(3));
    emu.advanceClock(60_000);
    expect(emu.stats().webhookDeliveries).toBe(3);
    expect(hook.deliveries.map((d) => d.json.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const ids = new Set(hook.deliveries.map((d) => d.headers['webhook-id']));
    expect(ids.size).toBe(1);
    // Receivers check webhook-timestamp against their own clock: it is real time, not the advanced emulator clock.
    const timestamps = hook.deliveries.map((d) => Number(d.headers['webhook-timestamp']));
    for (const timestamp of timestamps) expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(60);
  });

  test('retries stop when the schedule runs out', async () => {
    const log = logged();
    await using emu = await start({ ...SLOW, webhookRetryDelaysMs: [1_000], logger: log.logger });
    const hook = await receiver([500, 500, 500, 500]);
    await createWithHook(emu, hook.url, ['completed']);
    emu.advanceClock(30_000);
    await eventually(() => expect(log.count('retrying in 1000 ms')).toBe(1));
    emu.advanceClock(1_000);
    await eventually(() => expect(log.count('not retried')).toBe(1));
    emu.advanceClock(3_600_000);
    expect(hook.deliveries).toHaveLength(2);
    expect(emu.stats().webhookDeliveries).toBe(2);
  });

  test('an unreachable receiver is retried too; other events are never retried', async () => {
    const log = logged();
    await using emu = await start({ ...SLOW, webhookRetryDelaysMs: [1_000], logger: log.logger });
    const hook = await receiver();
    await new Promise<void>((resolve) => hook.server.close(() => resolve()));
    await createWithHook(emu, hook.url, ['start', 'completed']);
    emu.advanceClock(10_000);
    await eventually(() => expect(log.count('webhook start')).toBe(1));
    expect(log.lines.find((l) => l.includes('webhook start'))).toContain('not retried');
    emu.advanceClock(20_000);
    await eventually(() => expect(log.count('retrying in 1000 ms')).toBe(1));
    emu.advanceClock(1_000);
    await eventually(() => expect(emu.stats().webhookDeliveries).toBe(3));
  });
});

describe('safe by default: webhooks go to loopback unless webhookAllow says more', () => {
  // `.invalid` never resolves (RFC 2606): an allowed delivery there is attempted and fails, a refused one is never tried.
  const outside = 'https://webhook-target.invalid/hook';
  const refusedList = async (emu: Awaited<ReturnType<typeof start>>) =>
    (await (await fetch(`${emu.url}/_emulator/webhooks`)).json()) as {
      allow: string[];
      refused: Array<{ url: string; event: string; id: string; reason: string }>;
    };

  test('a delivery to another host is refused: recorded in stats and the admin route, never sent', async () => {
    const log: string[] = [];
    await using emu = await start({ ...SLOW, logger: (line) => log.push(line) });
    const created = await createWithHook(emu, outside, ['completed']);
    emu.advanceClock(30_000);
    expect(emu.stats().webhooksRefused).toBe(1);
    expect(emu.stats().webhookDeliveries).toBe(0);
    const { allow, refused } = await refusedList(emu);
    expect(allow).toEqual([]);
    expect(refused).toEqual([expect.objectContaining({ url: outside, event: 'completed', id: created.id })]);
    expect(refused[0]!.reason).toContain('--webhook-allow');
    expect(log.some((line) => line.includes('refused'))).toBe(true);
  });

  test('loopback receivers still get their deliveries by default', async () => {
    await using emu = await start(SLOW);
    const hook = await receiver();
    await createWithHook(emu, hook.url, ['completed']);
    emu.advanceClock(30_000);
    await eventually(() => expect(hook.deliveries).toHaveLength(1));
    expect(emu.stats().webhooksRefused).toBe(0);
  });

  test('webhookAllow naming the host, or *, lets the delivery be attempted; another name does not', async () => {
    for (const [allow, attempted] of [
      [['WEBHOOK-TARGET.invalid'], true],
      [['*'], true],
      [['other.invalid'], false],
    ] as const) {
      await using emu = await start({ ...SLOW, webhookAllow: [...allow], webhookRetryDelaysMs: [] });
      await createWithHook(emu, outside, ['completed']);
      emu.advanceClock(30_000);
      expect(emu.stats().webhooksRefused, allow.join()).toBe(attempted ? 0 : 1);
      expect(emu.stats().webhookDeliveries, allow.join()).toBe(attempted ? 1 : 0);
      expect((await refusedList(emu)).allow).toEqual(allow);
    }
  });
});

describe('the CLI flag', () => {
  test('replicate-media emulator --webhook-allow HOST (repeatable) opens those hosts', async () => {
    assertBuilt();
    const cli = startCli(['emulator', '--port', '0', '--webhook-allow', 'hooks.example.com', '--webhook-allow', '*'], {
      env: cleanEnv(),
    });
    try {
      const [, url] = await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)\n/, 'stdout');
      const { allow } = (await (await fetch(`${url}/_emulator/webhooks`)).json()) as { allow: string[] };
      expect(allow).toEqual(['hooks.example.com', '*']);
    } finally {
      cli.child.kill('SIGINT');
      await cli.done;
    }
  });
});
