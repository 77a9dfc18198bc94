// Jumps of the emulator's clock (advanceClock, POST /_emulator/clock) followed by real time passing: what
// the emulator does after a jump must still happen when the clock reaches it, with nobody nudging it.
// Seen once on a shared emulator (test/fleet/client-fleet.test.ts): after its clock was advanced past slow
// predictions, held `Prefer: wait` creates were no longer answered. Its scheduler's timer had been armed
// for the slow predictions' next instant, measured on the clock before the jump; it kept trusting that
// timer, so whatever came due after the jump waited for the old timer's real delay.
//
// The clock here is injected: frozen while a test sets the scene (every instant exact), then running with
// real time from `flow()`, because only a clock that moves by itself exercises the emulator's own timers
// (advanceClock runs what is due itself). Each test fails by hanging on an emulator that has the bug.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { api, eventually, type PredictionJson, start, T0 } from './helpers.js';

const FLUX = '/models/black-forest-labs/flux-schnell/predictions';
/** New predictions take 6 ms of clock time; slow ones ask for more with prompt directives. */
const QUICK = { '*': { startMs: 1, predictMs: 5 } };
/** A minute before it starts, five minutes running: the emulator's next timer is a minute of real time away. */
const SLOW_DIRECTIVES = '[emulator:start_ms=60000] [emulator:predict_ms=300000]';
const SLOW_DONE_MS = 360_000;

/** An injected clock at T0 that stays there until `flow()`, then runs with real time. */
function frozenThenFlowing(): { now: () => number; flow: () => void } {
  let flowingSince: number | undefined;
  return {
    now: () => T0 + (flowingSince === undefined ? 0 : Math.floor(performance.now() - flowingSince)),
    flow: () => {
      flowingSince = performance.now();
    },
  };
}

function post(
  emu: Emulator,
  prompt: string,
  options: { headers?: Record<string, string>; webhook?: string; signal?: AbortSignal } = {},
): Promise<Response> {
  return api(emu, FLUX, {
    json: { input: { prompt }, ...(options.webhook ? { webhook: options.webhook } : {}) },
    headers: options.headers ?? {},
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

async function created(response: Promise<Response> | Response): Promise<PredictionJson> {
  const res = await response;
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as PredictionJson;
}

/** A create held with `Prefer: wait`: its answer, and the preference the server says it applied. */
async function heldCreate(emu: Emulator, prompt: string, webhook?: string): Promise<PredictionJson> {
  const res = await post(emu, prompt, { headers: { prefer: 'wait' }, ...(webhook ? { webhook } : {}) });
  expect(res.headers.get('preference-applied')).toBe('wait');
  return created(res);
}

async function status(emu: Emulator, id: string): Promise<string> {
  return ((await (await api(emu, `/predictions/${id}`)).json()) as PredictionJson).status;
}

/** Advances the clock through the control API, as a test in another process (or the CLI) does. */
async function advanceOverHttp(emu: Emulator, advanceMs: number): Promise<void> {
  const res = await fetch(`${emu.url}/_emulator/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceMs }),
  });
  expect(res.status).toBe(200);
}

/** A loopback webhook receiver: the `completed` deliveries it got, by prediction id. */
async function receiver(): Promise<{ url: string; completed: Map<string, string> }> {
  const completed = new Map<string, string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; status: string };
      completed.set(body.id, body.status);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, completed };
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

describe('after the clock jumps, what comes due is done when the clock gets there', () => {
  test('past slow predictions (plain, held, abandoned, with Cancel-After, a webhook, canceled), held creates are answered when they finish', async () => {
    const clock = frozenThenFlowing();
    await using emu = await start({ now: clock.now, timings: QUICK });
    const hook = await receiver();
    // As generateImage sends them: with a Cancel-After longer than the run, so deadlines outlive the jump.
    const plain = await Promise.all(
      [0, 1].map((i) => created(post(emu, `slow ${i} ${SLOW_DIRECTIVES}`, { headers: { 'cancel-after': '600s' } }))),
    );
    const hooked = await created(post(emu, `slow hooked ${SLOW_DIRECTIVES}`, { webhook: hook.url }));
    const canceled = await created(post(emu, `slow canceled ${SLOW_DIRECTIVES}`));
    expect((await api(emu, `/predictions/${canceled.id}/cancel`, { method: 'POST' })).status).toBe(200);
    // One held across the jump; one whose client goes away mid-hold, as a SIGKILLed process's does.
    const held = post(emu, `slow held ${SLOW_DIRECTIVES}`, { headers: { prefer: 'wait' } });
    const gone = new AbortController();
    const abandoned = post(emu, `slow abandoned ${SLOW_DIRECTIVES}`, {
      headers: { prefer: 'wait' },
      signal: gone.signal,
    }).catch(() => 'aborted');
    await eventually(() => expect(emu.stats().predictionsCreated).toBe(6));
    gone.abort();
    expect(await abandoned).toBe('aborted');
    const slowIds = [...plain.map((p) => p.id), hooked.id];
    // Read (so cached) just before the jump.
    for (const id of slowIds) expect(await status(emu, id)).toBe('starting');

    await advanceOverHttp(emu, SLOW_DONE_MS + 1_000);
    expect((await created(held)).status).toBe('succeeded');
    for (const id of slowIds) expect(await status(emu, id)).toBe('succeeded');
    expect(await status(emu, canceled.id)).toBe('canceled');
    await eventually(() => expect(hook.completed.get(hooked.id)).toBe('succeeded'));

    clock.flow();
    // One after another, as `batch -c 1` sends them, then several at once.
    for (const i of [0, 1, 2]) expect((await heldCreate(emu, `after the jump ${i}`)).status).toBe('succeeded');
    const together = await Promise.all([0, 1, 2, 3].map((i) => heldCreate(emu, `together ${i}`)));
    expect(together.map((p) => p.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    // Webhooks follow the same timers.
    const late = await heldCreate(emu, 'hooked after the jump', hook.url);
    expect(late.status).toBe('succeeded');
    await eventually(() => expect(hook.completed.get(late.id)).toBe('succeeded'));
  });

  test('a jump that stops short of the next instant: what comes due after that instant is not held back', async () => {
    const clock = frozenThenFlowing();
    await using emu = await start({ now: clock.now, timings: QUICK });
    const slow = await created(post(emu, `slow ${SLOW_DIRECTIVES}`));
    // 10 ms before the slow prediction starts, the emulator's next instant.
    emu.advanceClock(59_990);
    clock.flow();
    // Starts 20 ms from now: after that instant.
    const after = await heldCreate(emu, 'starts after the slow one [emulator:start_ms=20]');
    expect(after.status).toBe('succeeded');
    expect(await status(emu, slow.id)).toBe('processing');
  });

  test('jumps to exactly the instants holds wait for answer them, and later holds still run on time', async () => {
    const clock = frozenThenFlowing();
    await using emu = await start({ now: clock.now, timings: { '*': { startMs: 30_000, predictMs: 20_000 } } });
    const short = post(emu, 'waits 30 s, until it starts', { headers: { prefer: 'wait=30' } });
    const full = post(emu, 'waits for the end', { headers: { prefer: 'wait' } });
    await eventually(() => expect(emu.stats().predictionsCreated).toBe(2));
    emu.advanceClock(30_000);
    expect((await created(short)).status).toBe('processing');
    emu.advanceClock(20_000);
    expect((await created(full)).status).toBe('succeeded');

    clock.flow();
    expect((await heldCreate(emu, 'quick after the jumps [emulator:start_ms=1] [emulator:predict_ms=5]')).status).toBe(
      'succeeded',
    );
  });

  test('a held create is answered when POST /_emulator/clock sets an offset that carries the clock past its end', async () => {
    await using emu = await start({ now: () => T0, timings: { '*': { startMs: 60_000, predictMs: 60_000 } } });
    const held = post(emu, 'finished by the offset', { headers: { prefer: 'wait' } });
    await eventually(() => expect(emu.stats().predictionsCreated).toBe(1));
    const res = await fetch(`${emu.url}/_emulator/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ offsetMs: 120_000 }),
    });
    expect(res.status).toBe(200);
    expect((await created(held)).status).toBe('succeeded');
  });
});
