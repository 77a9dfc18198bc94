// downloadOutput against a tiny file host on loopback that misbehaves in the ways real hosts do.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DownloadError, downloadOutput, outputFileName, sniffMediaType } from '../src/downloads.js';

// A real 1x1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);
// A structurally whole (if empty) MP4: a 24-byte ftyp box, then a 52-byte free box.
const MP4_HEAD = Buffer.concat([
  Buffer.from([0, 0, 0, 0x18]),
  Buffer.from('ftypisom'),
  Buffer.alloc(12, 1),
  Buffer.from([0, 0, 0, 52]),
  Buffer.from('free'),
  Buffer.alloc(44, 1),
]);

let server: Server;
let base: string;
let dir: string;
const seenHeaders: IncomingHttpHeaders[] = [];
const hits = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    seenHeaders.push(req.headers);
    const path = req.url ?? '/';
    const hit = (hits.get(path) ?? 0) + 1;
    hits.set(path, hit);
    switch (path) {
      case '/out-0.png':
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length });
        return res.end(PNG);
      case '/video.mp4':
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': MP4_HEAD.length });
        return res.end(MP4_HEAD);
      case '/octet':
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return res.end(PNG);
      case '/truncated':
        // Announces 4 KB, sends 100 bytes of PNG, then drops the connection.
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': 4096 });
        res.write(Buffer.concat([PNG, Buffer.alloc(100 - PNG.length)]));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      case '/truncated-once':
        if (hit === 1) {
          res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length + 50 });
          res.write(PNG.subarray(0, 30));
          setTimeout(() => res.socket?.destroy(), 20);
          return;
        }
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length });
        return res.end(PNG);
      case '/html':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end('<!doctype html><html><body>Access denied</body></html>');
      case '/json-error':
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"detail":"Not found"}');
      case '/lying':
        res.writeHead(200, { 'content-type': 'image/webp' });
        return res.end('<html><body>502 Bad Gateway</body></html>');
      case '/flaky':
        if (hit <= 2) {
          res.writeHead(503, { 'content-type': 'text/plain' });
          return res.end('try later');
        }
        res.writeHead(200, { 'content-type': 'image/png' });
        return res.end(PNG);
      case '/always-503':
        res.writeHead(503);
        return res.end();
      case '/gone':
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end('not found');
      case '/redirect':
        res.writeHead(302, { location: '/out-0.png' });
        return res.end();
      case '/slow':
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': 10_000 });
        res.write(PNG);
        return; // never finishes
      default:
        res.writeHead(500);
        return res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'downloads-test-'));
  hits.clear();
  seenHeaders.length = 0;
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fast = { retryDelaysMs: [1, 1, 1] };

async function expectDownloadError(promise: Promise<unknown>): Promise<DownloadError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the download to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DownloadError);
  return error as DownloadError;
}

async function filesIn(directory: string): Promise<string[]> {
  return (await readdir(directory)).sort();
}

describe('downloadOutput', () => {
  it('saves an image as {predictionId}-{index}.{ext} with the extension from the content type', async () => {
    const file = await downloadOutput(`${base}/out-0.png`, { dir, predictionId: 'abc123', index: 2 });
    expect(file.fileName).toBe('abc123-2.png');
    expect(file.contentType).toBe('image/png');
    expect(file.bytes).toBe(PNG.length);
    expect(await readFile(file.path)).toEqual(PNG);
    expect(await filesIn(dir)).toEqual(['abc123-2.png']);
  });

  it('never sends an Authorization header or cookies to the file host', async () => {
    await downloadOutput(`${base}/redirect`, { dir, fileName: 'x.png' });
    expect(seenHeaders.length).toBe(2); // the redirect and its target
    for (const headers of seenHeaders) {
      expect(headers.authorization).toBeUndefined();
      expect(headers.cookie).toBeUndefined();
    }
  });

  it('refuses a truncated body and leaves nothing on disk', async () => {
    const error = await expectDownloadError(downloadOutput(`${base}/truncated`, { dir, predictionId: 'p', ...fast }));
    expect(error.code).toBe('truncated');
    expect(error.attempts).toBe(4); // 1 + 3 retries
    expect(error.message).toMatch(/cut short/);
    expect(await filesIn(dir)).toEqual([]);
  });

  it('retries a truncated body and succeeds when the next attempt is whole', async () => {
    const file = await downloadOutput(`${base}/truncated-once`, { dir, predictionId: 'p', ...fast });
    expect(file.attempts).toBe(2);
    expect(await readFile(file.path)).toEqual(PNG);
  });

  it('refuses an HTML error page served with 200 and saves nothing', async () => {
    const error = await expectDownloadError(downloadOutput(`${base}/html`, { dir, predictionId: 'p', ...fast }));
    expect(error.code).toBe('invalid_content');
    expect(error.attempts).toBe(1);
    expect(error.message).toMatch(/text\/html/);
    expect(await filesIn(dir)).toEqual([]);
  });

  it('refuses a JSON error body', async () => {
    const error = await expectDownloadError(downloadOutput(`${base}/json-error`, { dir, ...fast }));
    expect(error.code).toBe('invalid_content');
    expect(await filesIn(dir)).toEqual([]);
  });

  it('refuses an HTML body labelled as an image', async () => {
    const error = await expectDownloadError(downloadOutput(`${base}/lying`, { dir, ...fast }));
    expect(error.code).toBe('invalid_content');
    expect(await filesIn(dir)).toEqual([]);
  });

  it('accepts application/octet-stream when the bytes are an image, naming it from the magic bytes', async () => {
    const file = await downloadOutput(`${base}/octet`, { dir, predictionId: 'p' });
    expect(file.fileName).toBe('p-0.png');
    expect(file.contentType).toBe('image/png');
  });

  it('checks the kind asked for: an MP4 is not an image', async () => {
    const error = await expectDownloadError(downloadOutput(`${base}/video.mp4`, { dir, expect: 'image', ...fast }));
    expect(error.code).toBe('invalid_content');
    const file = await downloadOutput(`${base}/video.mp4`, { dir, expect: 'video', predictionId: 'v' });
    expect(file.fileName).toBe('v-0.mp4');
  });

  it('retries 503 on its schedule and then succeeds', async () => {
    const slept: number[] = [];
    const file = await downloadOutput(`${base}/flaky`, {
      dir,
      predictionId: 'p',
      retryDelaysMs: [7, 8, 9],
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    expect(file.attempts).toBe(3);
    expect(slept).toEqual([7, 8]);
  });

  it('gives up after the last retry with an http error carrying the status', async () => {
    const error = await expectDownloadError(downloadOutput(`${base}/always-503`, { dir, ...fast }));
    expect(error.code).toBe('http');
    expect(error.status).toBe(503);
    expect(error.attempts).toBe(4);
  });

  it('reports a 404 as data_removed without retrying', async () => {
    const error = await expectDownloadError(downloadOutput(`${base}/gone`, { dir, ...fast }));
    expect(error.code).toBe('data_removed');
    expect(error.attempts).toBe(1);
    expect(error.message).toMatch(/an hour/);
  });

  it('reports progress with the announced total', async () => {
    const seen: Array<[number, number | null]> = [];
    await downloadOutput(`${base}/out-0.png`, {
      dir,
      onProgress: (p) => seen.push([p.receivedBytes, p.totalBytes]),
    });
    expect(seen.at(-1)).toEqual([PNG.length, PNG.length]);
  });

  it('stops on abort, throws canceled and removes the temporary file', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await expectDownloadError(
      downloadOutput(`${base}/slow`, { dir, signal: controller.signal, ...fast }),
    );
    expect(error.code).toBe('canceled');
    expect(await filesIn(dir)).toEqual([]);
  });

  it('times out a stalled attempt', async () => {
    const error = await expectDownloadError(
      downloadOutput(`${base}/slow`, { dir, attemptTimeoutMs: 100, retryDelaysMs: [1] }),
    );
    expect(error.code).toBe('timeout');
    expect(error.attempts).toBe(2);
    expect(await filesIn(dir)).toEqual([]);
  });

  it('saves a data URL output', async () => {
    const file = await downloadOutput(`data:image/png;base64,${PNG.toString('base64')}`, { dir, predictionId: 'd' });
    expect(file.fileName).toBe('d-0.png');
    expect(await readFile(file.path)).toEqual(PNG);
  });

  it('refuses a file name with directories in it', async () => {
    const error = await expectDownloadError(downloadOutput(`${base}/out-0.png`, { dir, fileName: '../evil.png' }));
    expect(error.code).toBe('invalid_input');
  });
});

describe('helpers', () => {
  it('names files from prediction id and index', () => {
    expect(outputFileName('abc', 0, 'webp')).toBe('abc-0.webp');
    expect(outputFileName('abc', 3, '.mp4')).toBe('abc-3.mp4');
  });

  it('sniffs media types from magic bytes', () => {
    expect(sniffMediaType(PNG)).toBe('image/png');
    expect(sniffMediaType(MP4_HEAD)).toBe('video/mp4');
    expect(sniffMediaType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffMediaType(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffMediaType(Buffer.from('<html>'))).toBeNull();
  });
});
