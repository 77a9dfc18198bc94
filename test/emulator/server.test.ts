// The HTTP surface: auth, malformed and oversized bodies, unknown routes, files API edge cases,
// start-up and shutdown.

import { describe, expect, test } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { api, start } from './helpers.js';

describe('auth', () => {
  test('Bearer and Token schemes are accepted; a missing token is a 401 problem', async () => {
    await using emu = await start();
    expect((await fetch(`${emu.apiUrl}/account`, { headers: { authorization: 'Bearer x' } })).status).toBe(200);
    expect((await fetch(`${emu.apiUrl}/account`, { headers: { authorization: 'Token x' } })).status).toBe(200);
    for (const headers of [{}, { authorization: 'Bearer' }, { authorization: 'Basic abc' }] as Array<
      Record<string, string>
    >) {
      const res = await fetch(`${emu.apiUrl}/account`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ status: 401, title: 'Unauthenticated' });
    }
  });

  test('with a token configured only that token passes', async () => {
    await using emu = await start({ token: 'r8_secret' });
    expect((await fetch(`${emu.apiUrl}/account`, { headers: { authorization: 'Bearer r8_secret' } })).status).toBe(200);
    expect((await fetch(`${emu.apiUrl}/account`, { headers: { authorization: 'Bearer r8_other' } })).status).toBe(401);
  });

  test('outputs, streams and the admin routes need no token', async () => {
    await using emu = await start({ token: 'r8_secret' });
    const res = await fetch(`${emu.apiUrl}/models/black-forest-labs/flux-schnell/predictions`, {
      method: 'POST',
      headers: { authorization: 'Bearer r8_secret', prefer: 'wait', 'content-type': 'application/json' },
      body: JSON.stringify({ input: { prompt: 'public' } }),
    });
    const p = (await res.json()) as { output: string[]; urls: { stream: string } };
    expect((await fetch(p.output[0]!)).status).toBe(200);
    expect((await fetch(p.urls.stream)).status).toBe(200);
    expect((await fetch(`${emu.url}/_emulator/stats`)).status).toBe(200);
    expect(emu.stats().authOnPublicRoutes).toBe(0);
    // A client that sends its key to the output host is counted: the key does not belong there.
    await fetch(p.output[0]!, { headers: { authorization: 'Bearer r8_secret' } });
    expect(emu.stats().authOnPublicRoutes).toBe(1);
    // The web page (urls.web) is a public route too.
    const web = (p as unknown as { urls: { web: string } }).urls.web;
    expect((await fetch(web, { headers: { authorization: 'Bearer r8_secret' } })).status).toBe(200);
    expect(emu.stats().authOnPublicRoutes).toBe(2);
  });
});

describe('the Date header', () => {
  test('follows the emulator clock, like the timestamps in the objects', async () => {
    await using emu = await start({ now: () => Date.parse('2026-01-01T00:00:00.000Z') });
    expect((await api(emu, '/account')).headers.get('date')).toBe('Thu, 01 Jan 2026 00:00:00 GMT');
    emu.advanceClock(90_000);
    const res = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'x' } },
    });
    expect(res.headers.get('date')).toBe('Thu, 01 Jan 2026 00:01:30 GMT');
    expect(((await res.json()) as { created_at: string }).created_at).toBe('2026-01-01T00:01:30.000000Z'); // microseconds, as recorded
  });
});

describe('bad requests', () => {
  test('malformed JSON is a 400 problem and the emulator keeps serving', async () => {
    await using emu = await start();
    const res = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      method: 'POST',
      body: '{"input": {',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as { detail: string }).detail).toContain('not valid JSON');
    const array = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', { method: 'POST', body: '[1]' });
    expect(array.status).toBe(400);
    expect((await api(emu, '/account')).status).toBe(200);
  });

  test('an oversized body is a 413 problem and the emulator keeps serving', async () => {
    await using emu = await start();
    const big = JSON.stringify({ input: { prompt: 'x'.repeat(11 * 1024 * 1024) } });
    const res = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', { method: 'POST', body: big });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ status: 413 });
    expect((await api(emu, '/account')).status).toBe(200);
  });

  test('unknown routes are 404 and wrong methods 405, both as problems', async () => {
    await using emu = await start();
    const missing = await api(emu, '/nothing');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    const wrong = await api(emu, '/account', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
  });
});

describe('files API edge cases', () => {
  const upload = (emu: Awaited<ReturnType<typeof start>>, form: FormData) =>
    api(emu, '/files', { method: 'POST', body: form });

  test('the filename and type parts, and metadata, are honoured; bad metadata is 422', async () => {
    await using emu = await start();
    const form = new FormData();
    form.append('content', new Blob([new Uint8Array([1, 2, 3])]), 'ignored.bin');
    form.append('filename', 'frames.zip');
    form.append('type', 'application/zip');
    form.append('metadata', JSON.stringify({ ref: 7 }));
    const res = await upload(emu, form);
    expect(res.status).toBe(201);
    const file = (await res.json()) as {
      id: string;
      created_at: string;
      expires_at: string;
      checksums: { sha256: string };
    };
    expect(file).toMatchObject({ content_type: 'application/zip', size: 3, metadata: { ref: 7 } });
    expect(file.checksums.sha256).toBe('039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81');
    expect(Date.parse(file.expires_at) - Date.parse(file.created_at)).toBe(24 * 3_600_000);
    const download = await api(emu, `/files/${file.id}/download`);
    expect(download.headers.get('content-disposition')).toContain('frames.zip');
    const bad = new FormData();
    bad.append('content', new Blob(['x']), 'a.txt');
    bad.append('metadata', 'not json');
    expect((await upload(emu, bad)).status).toBe(422);
    const none = new FormData();
    none.append('other', 'x');
    expect((await upload(emu, none)).status).toBe(422);
    expect((await api(emu, '/files', { method: 'POST', json: { content: 'x' } })).status).toBe(415);
  });

  test('files expire after 24 hours; deleting twice is a 404', async () => {
    await using emu = await start();
    const form = new FormData();
    form.append('content', new Blob(['hello']), 'a.txt');
    const file = (await (await upload(emu, form)).json()) as { id: string };
    emu.advanceClock(24 * 3_600_000);
    expect((await api(emu, `/files/${file.id}`)).status).toBe(404);
    const again = (await (await upload(emu, form)).json()) as { id: string };
    expect((await api(emu, `/files/${again.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(emu, `/files/${again.id}`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('start and stop', () => {
  test('url and apiUrl point at the chosen host and a free port; close is idempotent', async () => {
    const lines: string[] = [];
    const emu = await startEmulator({ port: 0, host: '127.0.0.1', logger: (line) => lines.push(line) });
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.apiUrl).toBe(`${emu.url}/v1`);
    expect(lines[0]).toBe(`Replicate emulator listening on ${emu.url}`);
    await emu.close();
    await emu.close();
    await expect(fetch(`${emu.url}/v1/account`)).rejects.toThrow();
  });

  test('it is silent by default', async () => {
    const writes: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      writes.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      await using emu = await startEmulator();
      await api(emu, '/account');
    } finally {
      process.stdout.write = original;
    }
    expect(writes).toEqual([]);
  });

  test('close() ends held Prefer: wait requests and open streams', async () => {
    const emu = await start({ timings: { '*': { startMs: 60_000, predictMs: 60_000 } } });
    const held = api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
      json: { input: { prompt: 'x' } },
      headers: { prefer: 'wait' },
    }).then(
      (r) => r.status,
      () => 'error',
    );
    const created = (await (
      await api(emu, '/models/black-forest-labs/flux-schnell/predictions', { json: { input: { prompt: 'y' } } })
    ).json()) as { urls: { stream: string } };
    const stream = await fetch(created.urls.stream);
    const streamText = stream.text().then(
      () => 'ended',
      () => 'error',
    );
    await emu.close();
    expect(['error', 201]).toContain(await held);
    expect(['ended', 'error']).toContain(await streamText);
  });

  test('a seed makes ids repeat; without one they differ per run', async () => {
    const firstIds = async (options: { seed?: number }) => {
      await using emu = await start(options);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await api(emu, '/models/black-forest-labs/flux-schnell/predictions', {
          json: { input: { prompt: 'x' } },
        });
        ids.push(((await res.json()) as { id: string }).id);
      }
      const { key } = (await (await api(emu, '/webhooks/default/secret')).json()) as { key: string };
      return [...ids, key];
    };
    const seeded = await firstIds({ seed: 9 });
    expect(await firstIds({ seed: 9 })).toEqual(seeded);
    expect(seeded[0]).toMatch(/^[a-z0-9]{26}$/); // 26 lowercase letters and digits, as recorded
    expect(await firstIds({})).not.toEqual(await firstIds({}));
  });

  test('a port in use is an error', async () => {
    await using first = await start();
    const port = Number(new URL(first.url).port);
    await expect(startEmulator({ port })).rejects.toThrow(/EADDRINUSE/);
  });
});
