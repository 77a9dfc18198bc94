// Downloads of output files, as an attacker-controlled or broken file host would serve them: a size cap,
// redirects followed only to https (or the same plain-http origin, as the emulator serves), never a
// credential on any hop, and the content type checked on the file that finally arrives.

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DownloadError, downloadOutput, redirectAllowed } from '../../src/downloads.js';
import { startEmulator } from '../../src/emulator/index.js';
import { ReplicateClient } from '../../src/index.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);

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
async function host(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ origin: string; seen: Array<{ url: string; headers: IncomingHttpHeaders }> }> {
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
    for (const location of ['file:///etc/passwd', 'javascript:alert(1)', 'data:image/png;base64,iVBORw0KGgo=', null, '/loop.png']) {
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

describe('downloads from the emulator', () => {
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
