// HTTPS mode: the emulator serves everything over TLS with a certificate made at startup, and real
// clients that trust its CA (as the docs tell users to) get file objects whose bytes are the images.
// Clients that do not trust it are refused: the certificate is checked, not waved through.

import { execFile, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Replicate from 'replicate';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalCertificates } from '../../src/emulator/certificate.js';
import type { Emulator } from '../../src/emulator/index.js';
import { ReplicateClient } from '../../src/index.js';
import { assertBuilt, cleanEnv, runCli, startCli } from '../cli/helpers.js';
import { AUTH, FAST, sniff, start } from './helpers.js';

const run = promisify(execFile);

/** A fetch that trusts only the given CA: what NODE_EXTRA_CA_CERTS does, inside this process. */
function fetchTrusting(caPem: string): typeof fetch {
  const dispatcher = new Agent({ connect: { ca: caPem } });
  return ((url: string | URL | Request, init?: RequestInit) =>
    undiciFetch(url as never, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
}

function certificatesOf(chainPem: string): X509Certificate[] {
  return (chainPem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/g) ?? []).map(
    (pem) => new X509Certificate(pem),
  );
}

describe('the local certificates', () => {
  it('are a CA and a server certificate it signed, for localhost, 127.0.0.1 and ::1, valid now', () => {
    const made = createLocalCertificates(['emulator.test', '10.1.2.3']);
    const [server, caInChain] = certificatesOf(made.serverChainPem) as [X509Certificate, X509Certificate];
    const ca = new X509Certificate(made.caCertificatePem);
    expect(caInChain.fingerprint256).toBe(ca.fingerprint256);
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkHost('emulator.test')).toBe('emulator.test');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkIP('::1')).toBe('::1');
    expect(server.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(server.checkHost('example.com')).toBeUndefined();
    expect(server.checkIP('127.0.0.2')).toBeUndefined();
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // serverAuth
    const now = Date.now();
    expect(Date.parse(server.validFrom)).toBeLessThan(now);
    expect(Date.parse(server.validTo)).toBeGreaterThan(now + 300 * 86_400_000);
  });

  it('are new for every start: no private key is shared between machines', () => {
    const a = createLocalCertificates();
    const b = createLocalCertificates();
    expect(a.caCertificatePem).not.toBe(b.caCertificatePem);
    expect(new X509Certificate(a.caCertificatePem).serialNumber).not.toBe(
      new X509Certificate(b.caCertificatePem).serialNumber,
    );
  });
});

describe('startEmulator({ https: true })', () => {
  let emu: Emulator;
  let dir: string;
  let caFile: string;
  let trustingFetch: typeof fetch;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emu-https-'));
    caFile = join(dir, 'ca.pem');
    emu = await start({ https: true, caFile });
    trustingFetch = fetchTrusting(emu.caCertificatePem as string);
  });
  afterAll(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('has an https URL and writes the CA it exposes to caFile', async () => {
    expect(emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.apiUrl).toBe(`${emu.url}/v1`);
    expect(await readFile(caFile, 'utf8')).toBe(emu.caCertificatePem);
    expect(emu.caCertificatePem).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  });

  it("runs flux with the official JS client: the output is a FileOutput whose bytes are the image's", async () => {
    const replicate = new Replicate({ auth: 'test-token', baseUrl: emu.apiUrl, fetch: trustingFetch });
    const output = (await replicate.run('black-forest-labs/flux-schnell', {
      input: { prompt: 'a lighthouse at night', output_format: 'png' },
    })) as Array<ReadableStream & { url(): URL; blob(): Promise<Blob> }>;
    expect(output).toHaveLength(1);
    const file = output[0] as (typeof output)[number];
    expect(file).toBeInstanceOf(ReadableStream); // a FileOutput: the client only makes these from https: and data:
    expect(file.url().protocol).toBe('https:');
    expect(file.url().origin).toBe(emu.url);
    const bytes = new Uint8Array(await (await file.blob()).arrayBuffer());
    expect(sniff(bytes)).toBe('png');
    const direct = new Uint8Array(await (await trustingFetch(file.url().href)).arrayBuffer());
    expect(Buffer.from(bytes).equals(Buffer.from(direct))).toBe(true);
  });

  it('serves server-sent events over TLS at the https stream URL', async () => {
    const created = await trustingFetch(`${emu.apiUrl}/models/black-forest-labs/flux-schnell/predictions`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { prompt: 'a streamed fox' }, stream: true }),
    });
    expect(created.status).toBe(201);
    const prediction = (await created.json()) as { urls: { stream: string } };
    expect(prediction.urls.stream).toMatch(new RegExp(`^${emu.url}/stream/`));
    const stream = await trustingFetch(prediction.urls.stream, { headers: { accept: 'text/event-stream' } });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await stream.text(); // the stream ends after its `done` event
    expect(text).toMatch(/^event: done$/m);
  });

  it("downloads with this library's ReplicateClient", async () => {
    const client = new ReplicateClient({
      apiKey: 'test-token',
      baseUrl: emu.apiUrl,
      fetch: trustingFetch,
      retry: { maxRetries: 0 },
    });
    const out = join(dir, 'client');
    const result = await client.generateImage('a harbour crane', {
      input: { output_format: 'png' },
      download: { dir: out },
    });
    expect(result.success, result.success ? '' : result.error).toBe(true);
    if (!result.success) return;
    expect(result.imageUrl.startsWith(`${emu.url}/delivery/`)).toBe(true);
    const saved = await readFile(result.files?.[0] as string);
    expect(sniff(saved)).toBe('png');
  });

  it('refuses a client that does not trust the CA (a certificate error, not an answer)', async () => {
    const createdBefore = emu.stats().predictionsCreated;
    const error = await fetch(`${emu.apiUrl}/models`, { headers: AUTH }).then(
      () => undefined,
      (e: unknown) => e as Error & { cause?: { code?: string } },
    );
    expect(error).toBeDefined();
    expect(error?.cause?.code).toBe('SELF_SIGNED_CERT_IN_CHAIN');

    const client = new ReplicateClient({ apiKey: 'test-token', baseUrl: emu.apiUrl, retry: { maxRetries: 0 } });
    const result = await client.generateImage('never drawn');
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error).toMatch(/network|certificate/i);
    expect(emu.stats().predictionsCreated).toBe(createdBefore); // the request never got through the handshake
  });

  it('injects connection resets over TLS as over HTTP (the client sees ECONNRESET)', async () => {
    emu.addFault({ route: 'models.list', type: 'reset-before' });
    const error = await trustingFetch(`${emu.apiUrl}/models`, { headers: AUTH }).then(
      () => undefined,
      (e: unknown) => e as Error & { cause?: { code?: string } },
    );
    expect(error?.cause?.code).toBe('ECONNRESET');
    expect((await trustingFetch(`${emu.apiUrl}/models`, { headers: AUTH })).status).toBe(200);
  });

  it('is trusted by a Node process started with NODE_EXTRA_CA_CERTS=caFile (as the CLI prints)', async () => {
    const script = `const r = await fetch(process.argv[1], { headers: { authorization: 'Bearer t' } }); console.log(r.status);`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, `${emu.apiUrl}/models`], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
    });
    expect(stdout.trim()).toBe('200');
  });

  const python = spawnSync('python3', ['--version']).status === 0;
  it.skipIf(!python)('is trusted by Python with SSL_CERT_FILE=caFile, under strict X.509 checks', async () => {
    const script = [
      'import ssl, sys, urllib.request',
      'context = ssl.create_default_context()',
      'context.verify_flags |= ssl.VERIFY_X509_STRICT',
      "request = urllib.request.Request(sys.argv[1], headers={'Authorization': 'Bearer t'})",
      'print(urllib.request.urlopen(request, context=context).status)',
    ].join('\n');
    for (const url of [`${emu.apiUrl}/models`, emu.apiUrl.replace('127.0.0.1', 'localhost').concat('/models')]) {
      const { stdout } = await run('python3', ['-c', script, url], { env: { ...process.env, SSL_CERT_FILE: caFile } });
      expect(stdout.trim()).toBe('200');
    }
  });
});

// Replicate's official Python client (1.0.7, kept in ../shared/clients, see its README): Debian's
// python3 with httpx and pydantic runs it from source. Skipped, with the reason, where those are absent.
const PYTHON_CLIENT = fileURLToPath(new URL('../../../shared/clients/replicate-python', import.meta.url));
const pythonClientSkip = !existsSync(join(PYTHON_CLIENT, 'replicate'))
  ? `the Python client is not at ${PYTHON_CLIENT}`
  : spawnSync('/usr/bin/python3', ['-c', 'import httpx, pydantic']).status !== 0
    ? '/usr/bin/python3 lacks httpx or pydantic (apt-get install python3-httpx python3-pydantic)'
    : undefined;

describe('the official Python client over HTTPS (SSL_CERT_FILE=caFile)', () => {
  it.skipIf(pythonClientSkip !== undefined)(
    `run() returns FileOutput objects whose read() is the image${pythonClientSkip ? ` (skipped: ${pythonClientSkip})` : ''}`,
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'emu-https-py-'));
      const caFile = join(dir, 'ca.pem');
      const emu = await start({ https: true, caFile });
      try {
        // The client reads its version from package metadata, absent when run from source.
        await mkdir(join(dir, 'replicate-1.0.7.dist-info'));
        await writeFile(
          join(dir, 'replicate-1.0.7.dist-info', 'METADATA'),
          'Metadata-Version: 2.1\nName: replicate\nVersion: 1.0.7\n',
        );
        const script = [
          'import sys, typing_extensions',
          "if not hasattr(typing_extensions, 'deprecated'):",
          '    typing_extensions.deprecated = lambda *a, **k: (lambda f: f)  # Debian 4.4.0 lacks it',
          'import replicate',
          "client = replicate.Client(api_token='test-token', base_url=sys.argv[1])",
          "output = client.run('black-forest-labs/flux-schnell', input={'prompt': 'a python fox', 'output_format': 'png'})",
          'data = output[0].read()',
          'print(type(output[0]).__name__, output[0].url, data[:8].hex(), len(data))',
        ].join('\n');
        // The Python client's base URL is the origin: its paths start with /v1/.
        const { stdout } = await run('/usr/bin/python3', ['-c', script, emu.url], {
          env: { ...process.env, SSL_CERT_FILE: caFile, PYTHONPATH: `${dir}:${PYTHON_CLIENT}` },
        });
        const [kind, url, magic, length] = stdout.trim().split(' ');
        expect(kind).toBe('FileOutput');
        expect(url?.startsWith(`${emu.url}/delivery/`)).toBe(true);
        expect(magic).toBe('89504e470d0a1a0a'); // PNG
        const served = new Uint8Array(
          await (await fetchTrusting(await readFile(caFile, 'utf8'))(url as string)).arrayBuffer(),
        );
        expect(Number(length)).toBe(served.length);
      } finally {
        await emu.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('startEmulator options', () => {
  it('refuses caFile without https', async () => {
    await expect(start({ caFile: join(tmpdir(), 'never-written.pem') })).rejects.toThrow(/https: true/);
  });

  it('fails to start when caFile cannot be written, before listening', async () => {
    await expect(start({ ...FAST, https: true, caFile: '/nonexistent-dir/ca.pem' })).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});

describe('replicate-media emulator --https --ca-file PATH', () => {
  it('listens on https, writes the CA and prints how to trust it', async () => {
    assertBuilt();
    const dir = await mkdtemp(join(tmpdir(), 'emu-https-cli-'));
    const caFile = join(dir, 'ca.pem');
    const cli = startCli(['emulator', '--port', '0', '--https', '--ca-file', caFile], { env: cleanEnv(), cwd: dir });
    try {
      const [, url] = await cli.waitFor(/^Replicate emulator listening on (https:\/\/127\.0\.0\.1:\d+)\n/, 'stdout');
      await cli.waitFor(/curl: +--cacert /, 'stdout');
      for (const variable of ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE'])
        expect(cli.stdout()).toContain(`${variable}=${caFile}`);
      const ca = await readFile(caFile, 'utf8');
      const response = await fetchTrusting(ca)(`${url}/v1/models`, { headers: AUTH });
      expect(response.status).toBe(200);
    } finally {
      cli.child.kill('SIGINT');
      await cli.done;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 on --ca-file without --https', async () => {
    assertBuilt();
    const result = await runCli(['emulator', '--port', '0', '--ca-file', 'x.pem'], { env: cleanEnv() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/add --https/);
  });
});
