// Downloads of output files, as an attacker-controlled or broken file host would serve them: a size cap,
// redirects followed only to https (or the same plain-http origin, as the emulator serves), never a
// credential on any hop, and the content type checked on the file that finally arrives.

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DownloadError, downloadOutput, redirectAllowed } from '../../src/downloads.js';
import { startEmulator } from '../../src/emulator/index.js';
import { renderImage } from '../../src/emulator/media/index.js';
import { ReplicateClient } from '../../src/index.js';

const PNG = Buffer.from(renderImage({ prompt: 'a test card', seed: 1, width: 16, height: 16, format: 'png' }));

let dir: string;
const servers: Server[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dl-reliability-'));
});
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
  await rm(dir, { recursive: true, force: true });
});

/** A loopback file host; every request's headers are recorded. */
async function host(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ origin: string; seen: Array<{ url: string; headers: IncomingHttpHeaders }> }> {
  const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

async function failure(promise: Promise<unknown>): Promise<DownloadError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DownloadError);
  return error as DownloadError;
}

const fast = { retryDelaysMs: [1, 1], attemptTimeoutMs: 5_000 };

describe('size cap', () => {
  test('a Content-Length above maxBytes is refused before the body is read, and nothing is saved', async () => {
    const { origin } = await host((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(PNG.length) });
      res.end(PNG);
    });
    const error = await failure(downloadOutput(`${origin}/a.png`, { dir, maxBytes: 100, ...fast }));
    expect(error.code).toBe('too_large');
    expect(error.attempts).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });

  test('a body without a length that grows past maxBytes is cut off and refused', async () => {
    const { origin } = await host((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' }); // chunked, no length
      res.write(PNG.subarray(0, 16));
      const timer = setInterval(() => res.write(Buffer.alloc(64 * 1024, 1)), 1);
      res.on('close', () => clearInterval(timer));
    });
    const error = await failure(downloadOutput(`${origin}/endless.png`, { dir, maxBytes: 1024 * 1024, ...fast }));
    expect(error.code).toBe('too_large');
    expect(await readdir(dir)).toEqual([]);
  });

  test('a file at the cap is saved; maxBytes must be positive', async () => {
    const { origin } = await host((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(PNG.length) });
      res.end(PNG);
    });
    const saved = await downloadOutput(`${origin}/a.png`, { dir, maxBytes: PNG.length, ...fast });
    expect(saved.bytes).toBe(PNG.length);
    expect((await failure(downloadOutput(`${origin}/a.png`, { dir, maxBytes: -1 }))).code).toBe('invalid_input');
  });
});

describe('redirects', () => {
  test('a redirect on the same plain-http origin is followed, with no credential on any hop', async () => {
    const { origin, seen } = await host((req, res) => {
      if (req.url === '/start.png') {
        res.writeHead(302, { location: '/files/final.png', 'set-cookie': 'session=1' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(PNG);
    });
    const saved = await downloadOutput(`${origin}/start.png`, { dir, fileName: 'out.png', ...fast });
    expect(saved.bytes).toBe(PNG.length);
    expect(seen.map((s) => s.url)).toEqual(['/start.png', '/files/final.png']);
    for (const { headers } of seen) {
      expect(headers.authorization).toBeUndefined();
      expect(headers.cookie).toBeUndefined();
    }
  });

  test('a redirect to another plain-http host is refused and never requested', async () => {
    const other = await host((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(PNG);
    });
    const { origin } = await host((_req, res) => {
      res.writeHead(301, { location: `${other.origin}/stolen.png` });
      res.end();
    });
    const error = await failure(downloadOutput(`${origin}/a.png`, { dir, ...fast }));
    expect(error.code).toBe('redirect_refused');
    expect(error.message).toContain('only https is followed');
    expect(other.seen).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  test('redirects to file:, javascript: and data: URLs, without a Location, and in a loop are refused', async () => {
    for (const location of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:image/png;base64,iVBORw0KGgo=',
      null,
      '/loop.png',
    ]) {
      const { origin } = await host((_req, res) => {
        res.writeHead(302, location === null ? {} : { location });
        res.end();
      });
      const error = await failure(downloadOutput(`${origin}/loop.png`, { dir, ...fast }));
      expect(error.code).toBe('redirect_refused');
    }
  });

  test('the redirect rule: https anywhere; plain http only on the origin given; no downgrade', () => {
    expect(redirectAllowed('https://replicate.delivery/a.png', new URL('https://cdn.example/b.png'))).toBe(true);
    expect(redirectAllowed('https://replicate.delivery/a.png', new URL('http://replicate.delivery/b.png'))).toBe(false);
    expect(redirectAllowed('http://127.0.0.1:8787/a.png', new URL('http://127.0.0.1:8787/b.png'))).toBe(true);
    expect(redirectAllowed('http://127.0.0.1:8787/a.png', new URL('http://127.0.0.1:9999/b.png'))).toBe(false);
    expect(redirectAllowed('http://127.0.0.1:8787/a.png', new URL('ftp://127.0.0.1:8787/b.png'))).toBe(false);
  });

  test('the content type is checked on the file the redirect led to', async () => {
    const { origin } = await host((req, res) => {
      if (req.url === '/a.png') {
        res.writeHead(302, { location: '/login' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>sign in</html>');
    });
    const error = await failure(downloadOutput(`${origin}/a.png`, { dir, ...fast }));
    expect(error.code).toBe('invalid_content');
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('whole files only', () => {
  test('half a PNG under a Content-Length that matches it is refused as truncated, retried, and the whole file saved', async () => {
    let hits = 0;
    const { origin } = await host((_req, res) => {
      hits += 1;
      const body = hits === 1 ? PNG.subarray(0, Math.floor(PNG.length / 2)) : PNG;
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(body.length) });
      res.end(body);
    });
    const saved = await downloadOutput(`${origin}/a.png`, { dir, fileName: 'a.png', ...fast });
    expect(saved).toMatchObject({ bytes: PNG.length, attempts: 2 });
    const half = await host((_req, res) => {
      const body = PNG.subarray(0, Math.floor(PNG.length / 2));
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(body.length) });
      res.end(body);
    });
    const error = await failure(downloadOutput(`${half.origin}/b.png`, { dir, ...fast }));
    expect(error.code).toBe('truncated');
  });

  test("the emulator's malformed answer on an output (half the bytes, a matching length) is retried until whole", async () => {
    await using emu = await startEmulator({ timings: { '*': { startMs: 1, predictMs: 5 } } });
    const created = (await (
      await fetch(`${emu.apiUrl}/models/black-forest-labs/flux-schnell/predictions`, {
        method: 'POST',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json', prefer: 'wait' },
        body: JSON.stringify({ input: { prompt: 'a whole lighthouse', output_format: 'png' } }),
      })
    ).json()) as { output: string[] };
    emu.addFault({ route: 'outputs.get', type: 'malformed-json', count: 2 });
    const saved = await downloadOutput(created.output[0]!, {
      dir,
      fileName: 'whole.png',
      ...fast,
      retryDelaysMs: [1, 1, 1],
    });
    expect(saved.attempts).toBe(3);
    expect(emu.stats().requests['outputs.get']).toBe(3);
  });
});

describe('downloads from the emulator', () => {
  test('real outputs in every format (PNG, JPEG, WebP, MP4) pass the whole-file check', async () => {
    await using emu = await startEmulator({ timings: { '*': { startMs: 1, predictMs: 5 } } });
    const create = async (model: string, input: Record<string, unknown>): Promise<string> => {
      const response = await fetch(`${emu.apiUrl}/models/${model}/predictions`, {
        method: 'POST',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json', prefer: 'wait' },
        body: JSON.stringify({ input }),
      });
      const p = (await response.json()) as { output: string[] | string };
      return Array.isArray(p.output) ? p.output[0]! : p.output;
    };
    for (const format of ['png', 'jpg', 'webp']) {
      const url = await create('black-forest-labs/flux-schnell', { prompt: `a ${format} fox`, output_format: format });
      expect((await downloadOutput(url, { dir, expect: 'image', ...fast })).attempts).toBe(1);
    }
    const frame = `data:image/png;base64,${PNG.toString('base64')}`;
    const video = await create('fofr/skyreels-2', { images: [frame, frame], prompt: 'a slow pan' });
    const saved = await downloadOutput(video, { dir, expect: 'video', ...fast });
    expect(saved).toMatchObject({ contentType: 'video/mp4', attempts: 1 });
  });

  test('the client saves real outputs without ever sending its key to the file routes', async () => {
    const key = 'r8_DownloadReliabilityKey000000000000000';
    await using emu = await startEmulator({ token: key, timings: { '*': { startMs: 1, predictMs: 5 } } });
    await using client = new ReplicateClient({ apiKey: key, baseUrl: emu.apiUrl });
    const result = await client.generateImage('a lantern', { input: { num_outputs: 2, output_format: 'png' } });
    expect(result.success).toBe(true);
    if (!result.success) return;
    for (const [index, url] of result.imageUrls.entries()) {
      const saved = await downloadOutput(url, { dir, predictionId: result.predictionId, index, expect: 'image' });
      expect(saved.contentType).toBe('image/png');
    }
    expect((await readdir(dir)).sort()).toEqual([`${result.predictionId}-0.png`, `${result.predictionId}-1.png`]);
    expect(emu.stats().requests['outputs.get']).toBe(2);
    expect(emu.stats().authOnPublicRoutes).toBe(0);
  });
});
