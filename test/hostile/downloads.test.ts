// Items 7 and 8 of issue 10: distinct outputs get distinct files, and no name from a server (a prediction
// id, a URL's last segment) puts a file outside the download folder.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { downloadOutput, ReplicateClient } from '../../src/index.js';
import { type HostileServer, OTHER_PNG, REAL_SHAPED_KEY, startHostile, TINY_PNG } from './servers.js';

let files: HostileServer;
let root: string;

beforeAll(async () => {
  // A file host that serves a different image under `/a/out-0.png` and `/b/out-0.png`, as Replicate names
  // every flux output `out-0.webp` under per-prediction paths.
  files = await startHostile((req, res) => {
    if (req.url?.startsWith('/stall/')) {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': TINY_PNG.length });
      return; // headers, then nothing: the body never comes
    }
    const body = req.url?.startsWith('/b/') ? OTHER_PNG : TINY_PNG;
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': body.length });
    res.end(body);
  });
});
afterAll(() => files.close());

let dir: string;
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  root = await mkdtemp(join(tmpdir(), 'hostile-dl-'));
  dir = join(root, 'out');
  return dir;
}

function client(): ReplicateClient {
  return new ReplicateClient({ apiKey: REAL_SHAPED_KEY, baseUrl: `${files.origin}/v1`, rateLimit: false });
}

describe('downloads against a hostile file host', () => {
  it('two outputs sharing a base name get two files, neither overwritten (item 7)', async () => {
    await freshDir();
    const urls = [`${files.origin}/a/out-0.png`, `${files.origin}/b/out-0.png`];
    const result = await client().download(urls, { dir });
    expect(result).toMatchObject({ success: true });
    expect(new Set(result.files).size).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['out-0-1.png', 'out-0.png']);
    const [first = '', second = ''] = result.files;
    expect(await readFile(first)).toEqual(TINY_PNG);
    expect(await readFile(second)).toEqual(OTHER_PNG);
  });

  it('a file already in the folder is never overwritten: the new one gets a numbered name (item 7)', async () => {
    await freshDir();
    const first = await downloadOutput(`${files.origin}/a/out-0.png`, { dir });
    const second = await downloadOutput(`${files.origin}/b/out-0.png`, { dir });
    expect(first.fileName).toBe('out-0.png');
    expect(second.fileName).toBe('out-0-1.png');
    expect(await readFile(first.path)).toEqual(TINY_PNG);
    expect(await readFile(second.path)).toEqual(OTHER_PNG);
  });

  it('a prediction id of ../escaped writes inside the folder, never outside it (item 8)', async () => {
    await freshDir();
    const hostile = {
      id: '../escaped',
      status: 'succeeded',
      output: [`${files.origin}/a/out-0.png`],
      input: {},
      created_at: new Date().toISOString(),
    };
    const result = await client().download(hostile as never, { dir });
    expect(result).toMatchObject({ success: true });
    expect(await readdir(root)).toEqual(['out']); // nothing next to the folder
    for (const file of result.files) expect(dirname(resolve(file))).toBe(resolve(dir));
    expect(await readdir(dir)).toEqual(['___escaped-0.png']);
  });

  it('path separators and control characters in an id never leave the folder (item 8)', async () => {
    await freshDir();
    for (const id of ['a/../../b', '..\\..\\c', 'x\u0000y\ny', '/etc/passwd', '..']) {
      const file = await downloadOutput(`${files.origin}/a/out-0.png`, { dir, predictionId: id });
      expect(dirname(resolve(file.path))).toBe(resolve(dir));
      expect(file.fileName).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(file.fileName.startsWith('.')).toBe(false);
    }
    expect(await readdir(root)).toEqual(['out']);
  });

  it('a host that stalls after its headers cannot hold a download past its timeoutMs (item 11, the download half)', async () => {
    await freshDir();
    const outcome = await Promise.race([
      downloadOutput(`${files.origin}/stall/out-0.png`, { dir, timeoutMs: 300, attemptTimeoutMs: 60_000 }).then(
        () => 'saved',
        (error: unknown) => error,
      ),
      new Promise((r) => setTimeout(() => r('still running'), 10_000)),
    ]);
    expect(outcome).toMatchObject({ name: 'DownloadError', code: 'timeout' });
    expect(await readdir(dir)).toEqual([]); // nothing under any name, the temporary file removed
  });
});
