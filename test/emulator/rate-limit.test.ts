// Rate limits: token buckets per endpoint class and token, refilled on the emulator clock.

import { describe, expect, test } from 'vitest';
import { api, start, T0 } from './helpers.js';

const create = (emu: Awaited<ReturnType<typeof start>>, token = 'a') =>
  api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
    json: { input: { prompt: 'x' } },
    headers: { authorization: `Bearer ${token}` },
  });

describe('rate limits', () => {
  test('creates past the per-minute budget get 429 with a problem body and Retry-After', async () => {
    await using emu = await start({ rateLimits: { createPerMinute: 3 }, now: () => T0 });
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 3; i++) {
      const res = await create(emu);
      expect(res.status).toBe(201);
      remaining.push(res.headers.get('ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const throttled = await create(emu);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('content-type')).toBe('application/problem+json');
    expect(throttled.headers.get('retry-after')).toBe('20');
    expect(throttled.headers.get('ratelimit-remaining')).toBe('0');
    const body = (await throttled.json()) as { detail: string; status: number };
    expect(body).toMatchObject({ status: 429 });
    expect(body.detail).toBe('Request was throttled. Your rate limit resets in ~20s.');
    expect(emu.stats().predictionsCreated).toBe(3);
  });

  test('the bucket refills as the clock advances', async () => {
    await using emu = await start({ rateLimits: { createPerMinute: 2 }, now: () => T0 });
    await create(emu);
    await create(emu);
    expect((await create(emu)).status).toBe(429);
    emu.advanceClock(29_000);
    expect((await create(emu)).status).toBe(429);
    emu.advanceClock(1_000);
    expect((await create(emu)).status).toBe(201);
  });

  test('classes and tokens have separate buckets', async () => {
    await using emu = await start({ rateLimits: { createPerMinute: 1, otherPerMinute: 2 }, now: () => T0 });
    expect((await create(emu, 'a')).status).toBe(201);
    expect((await create(emu, 'a')).status).toBe(429);
    expect((await create(emu, 'b')).status).toBe(201);
    expect((await api(emu, '/account', { headers: { authorization: 'Bearer a' } })).status).toBe(200);
    const second = await api(emu, '/account', { headers: { authorization: 'Bearer a' } });
    expect(second.status).toBe(200);
    expect(second.headers.get('ratelimit-remaining')).toBe('0');
    expect(second.headers.get('ratelimit-reset')).toBe('60');
    expect((await api(emu, '/account', { headers: { authorization: 'Bearer a' } })).status).toBe(429);
  });

  test('defaults are 600 creates and 3000 other requests a minute; error answers count and say so', async () => {
    await using emu = await start({ now: () => T0 });
    expect((await create(emu)).headers.get('ratelimit-remaining')).toBe('599');
    expect((await api(emu, '/account')).headers.get('ratelimit-remaining')).toBe('2999');
    const missing = await api(emu, '/models/nobody/nothing');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('ratelimit-remaining')).toBe('2998');
  });

  test('reading one prediction has its own, much higher limit, as recorded (59999 left after one read)', async () => {
    await using emu = await start({ now: () => T0 });
    const created = (await (await create(emu)).json()) as { id: string };
    const read = await api(emu, `/predictions/${created.id}`);
    expect(read.headers.get('ratelimit-remaining')).toBe('59999');
    expect(read.headers.get('ratelimit-reset')).toBe('1');
    // The 3000/min bucket is untouched by it.
    expect((await api(emu, '/account')).headers.get('ratelimit-remaining')).toBe('2999');
  });

  test('rateLimits: false turns them off; outputs and admin routes are never limited', async () => {
    await using emu = await start({ rateLimits: false });
    const res = await api(emu, '/account');
    expect(res.headers.get('ratelimit-remaining')).toBeNull();
    await using limited = await start({ rateLimits: { otherPerMinute: 1 }, now: () => T0 });
    await api(limited, '/account');
    expect((await api(limited, '/account')).status).toBe(429);
    expect((await fetch(`${limited.url}/_emulator/stats`)).status).toBe(200);
  });
});
