// Conformance: the official `replicate` npm client, pointed at the emulator, works end to end,
// and what the emulator answers matches Replicate's OpenAPI schema.

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import Replicate, { type ApiError, validateWebhook } from 'replicate';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { api, type OpenApiSchemaJson, SLOW, sniff, start, validateAgainstOpenApi } from './helpers.js';

let emu: Emulator;
let replicate: Replicate;

beforeAll(async () => {
  emu = await start();
  replicate = new Replicate({ auth: 'test-token', baseUrl: emu.apiUrl });
});
afterAll(() => emu.close());

describe('the official replicate client against the emulator', () => {
  test('run() on flux-schnell returns URLs that download as valid images', async () => {
    const output = (await replicate.run('black-forest-labs/flux-schnell', {
      input: { prompt: 'a lighthouse at dusk', num_outputs: 2, output_format: 'png' },
    })) as unknown[];
    expect(output).toHaveLength(2);
    for (const url of output) {
      // http:// outputs come back as plain strings (the client only wraps https: and data: URLs).
      expect(typeof url).toBe('string');
      expect(String(url).startsWith(`${emu.url}/delivery/`)).toBe(true);
      const res = await fetch(String(url));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(sniff(new Uint8Array(await res.arrayBuffer()))).toBe('png');
    }
  });

  test('run() by version id (owner/name:version) works too', async () => {
    const model = await replicate.models.get('black-forest-labs', 'flux-schnell');
    const version = (model.latest_version as { id: string }).id;
    const output = (await replicate.run(`black-forest-labs/flux-schnell:${version}`, {
      input: { prompt: 'a kite', output_format: 'jpg' },
    })) as string[];
    const res = await fetch(output[0]!);
    expect(sniff(new Uint8Array(await res.arrayBuffer()))).toBe('jpg');
  });

  test('predictions.create then wait() ends succeeded, and every object matches the OpenAPI schema', async () => {
    const created = await replicate.predictions.create({
      model: 'black-forest-labs/flux-schnell',
      input: { prompt: 'a bicycle' },
    });
    expect(validateAgainstOpenApi('POST', '/models/{model_owner}/{model_name}/predictions', 201, created)).toEqual([]);
    expect(['starting', 'processing', 'succeeded']).toContain(created.status);
    const done = await replicate.wait(created, { interval: 5 });
    expect(done.status).toBe('succeeded');
    expect(validateAgainstOpenApi('GET', '/predictions/{prediction_id}', 200, done)).toEqual([]);
    expect(done.metrics?.predict_time).toBeGreaterThan(0);
    expect(done.urls.get).toBe(`${emu.apiUrl}/predictions/${done.id}`);
  });

  test('predictions.cancel cancels a running prediction', async () => {
    await using slow = await start(SLOW);
    const client = new Replicate({ auth: 'test-token', baseUrl: slow.apiUrl });
    const created = await client.predictions.create({
      model: 'black-forest-labs/flux-schnell',
      input: { prompt: 'slow' },
    });
    slow.advanceClock(12_000); // now processing
    const canceled = await client.predictions.cancel(created.id);
    expect(canceled.status).toBe('canceled');
    expect(validateAgainstOpenApi('POST', '/predictions/{prediction_id}/cancel', 200, canceled)).toEqual([]);
    expect((await client.predictions.get(created.id)).status).toBe('canceled');
  });

  test('predictions.list pages with paginate(), newest first, over absolute next URLs', async () => {
    await using fresh = await start();
    const client = new Replicate({ auth: 'test-token', baseUrl: fresh.apiUrl });
    const version = `black-forest-labs/flux-schnell:${await modelVersion(fresh)}`;
    await Promise.all(
      Array.from({ length: 105 }, (_, i) =>
        api(fresh, '/predictions', { json: { version, input: { prompt: `p${i}` } } }).then((r) => r.arrayBuffer()),
      ),
    );
    const ids = fresh.stats().predictionIds;
    expect(ids).toHaveLength(105);
    const pages: string[][] = [];
    for await (const page of client.paginate(client.predictions.list)) {
      pages.push(page.map((p) => p.id));
    }
    expect(pages.map((p) => p.length)).toEqual([100, 5]);
    expect(pages.flat()).toEqual([...ids].reverse());
    const first = await client.predictions.list();
    expect(validateAgainstOpenApi('GET', '/predictions', 200, first)).toEqual([]);
    expect(first.next?.startsWith(`${fresh.apiUrl}/predictions?cursor=`)).toBe(true);
  });

  test('files.create uploads a file that get, list and delete then see', async () => {
    const bytes = Buffer.from('hello emulator');
    const file = await replicate.files.create(new Blob([bytes], { type: 'text/plain' }), { purpose: 'test' });
    expect(validateAgainstOpenApi('GET', '/files/{file_id}', 200, file)).toEqual([]);
    expect(file.size).toBe(bytes.length);
    expect(file.content_type).toBe('text/plain');
    expect(file.metadata).toEqual({ purpose: 'test' });
    expect((await replicate.files.get(file.id)).id).toBe(file.id);
    expect((await replicate.files.list()).results.map((f) => f.id)).toContain(file.id);
    const download = await api(emu, `/files/${file.id}/download`);
    expect(Buffer.from(await download.arrayBuffer()).toString()).toBe('hello emulator');
    expect(await replicate.files.delete(file.id)).toBe(true);
    await expect(replicate.files.get(file.id)).rejects.toMatchObject({ response: { status: 404 } });
  });

  test('models.get and versions.list publish the input schema', async () => {
    const model = await replicate.models.get('black-forest-labs', 'flux-schnell');
    expect(validateAgainstOpenApi('GET', '/models/{model_owner}/{model_name}', 200, model)).toEqual([]);
    const schema = (model.latest_version as { openapi_schema: OpenApiSchemaJson }).openapi_schema;
    expect(schema.components.schemas.Input.required).toEqual(['prompt']);
    expect(schema.components.schemas.Input.properties.num_outputs).toMatchObject({
      minimum: 1,
      maximum: 4,
      default: 1,
    });
    const versions = await replicate.models.versions.list('fofr', 'skyreels-2');
    expect(validateAgainstOpenApi('GET', '/models/{model_owner}/{model_name}/versions', 200, versions)).toEqual([]);
    expect(versions.results[0]!.openapi_schema).toBeTruthy();
  });

  test('list, secret and problem bodies match the OpenAPI schema too', async () => {
    const checks: Array<[string, string, string, number]> = [
      ['/files', 'GET', '/files', 200],
      ['/webhooks/default/secret', 'GET', '/webhooks/default/secret', 200],
      ['/files/missing', 'GET', '/files/{file_id}', 404],
      ['/predictions?created_after=2020-01-01T00:00:00Z', 'GET', '/predictions', 200],
    ];
    for (const [path, method, template, status] of checks) {
      const res = await api(emu, path);
      expect(res.status).toBe(status);
      expect(validateAgainstOpenApi(method, template, status, await res.json())).toEqual([]);
    }
  });

  test('models.list and hardware.list answer', async () => {
    const models = await replicate.models.list();
    expect(validateAgainstOpenApi('GET', '/models', 200, models)).toEqual([]);
    expect(models.results.map((m) => `${m.owner}/${m.name}`)).toEqual([
      'black-forest-labs/flux-schnell',
      'fofr/skyreels-2',
      'fofr/frames-to-video',
    ]);
    const hardware = await replicate.hardware.list();
    expect(validateAgainstOpenApi('GET', '/hardware', 200, hardware)).toEqual([]);
    expect(hardware.map((h) => h.sku)).toContain('cpu');
  });

  test('accounts.current and the default webhook secret answer', async () => {
    const account = await replicate.accounts.current();
    expect(validateAgainstOpenApi('GET', '/account', 200, account)).toEqual([]);
    const secret = await replicate.webhooks.default.secret.get();
    expect(secret.key).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
  });

  test('an unknown model surfaces as ApiError 404', async () => {
    const error = await replicate.models.get('nobody', 'nothing').catch((e: unknown) => e);
    expectApiError(error);
    expect((error as ApiError).response.status).toBe(404);
    const runError = await replicate.run('nobody/nothing', { input: { prompt: 'x' } }).catch((e: unknown) => e);
    expect((runError as ApiError).response.status).toBe(404);
  });

  test('bad input surfaces as ApiError 422 naming the field', async () => {
    const error = await replicate.predictions
      .create({ model: 'black-forest-labs/flux-schnell', input: { prompt: 'x', num_outputs: 9 } })
      .catch((e: unknown) => e);
    expectApiError(error);
    expect((error as ApiError).response.status).toBe(422);
    expect((error as ApiError).message).toContain('num_outputs');
  });

  test('a wrong token surfaces as ApiError 401', async () => {
    await using locked = await start({ token: 'r8_right' });
    const wrong = new Replicate({ auth: 'r8_wrong', baseUrl: locked.apiUrl });
    const error = await wrong.accounts.current().catch((e: unknown) => e);
    expectApiError(error);
    expect((error as ApiError).response.status).toBe(401);
    const right = new Replicate({ auth: 'r8_right', baseUrl: locked.apiUrl });
    expect((await right.accounts.current()).username).toBe('emulator');
  });

  test('stream() yields the prediction events over SSE and ends with done', async () => {
    const events: Array<{ event: string; data: unknown }> = [];
    for await (const event of replicate.stream('black-forest-labs/flux-schnell', { input: { prompt: 'streamed' } })) {
      events.push({ event: event.event, data: event.data });
    }
    expect(events.some((e) => e.event === 'logs')).toBe(true);
    const output = events.filter((e) => e.event === 'output');
    expect(output).toHaveLength(1);
    expect(String(output[0]!.data)).toMatch(/\/delivery\/.+\/out-0\.webp$/);
    expect(events.at(-1)).toEqual({ event: 'done', data: '{}' });
  });

  test("a webhook sent by the emulator validates with the client's validateWebhook", async () => {
    const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    let resolveCompleted!: () => void;
    const completed = new Promise<void>((resolve) => {
      resolveCompleted = resolve;
    });
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        received.push({ headers: req.headers, body });
        res.end('ok');
        if ((JSON.parse(body) as { status: string }).status === 'succeeded') resolveCompleted();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const port = (receiver.address() as AddressInfo).port;
      await replicate.predictions.create({
        model: 'black-forest-labs/flux-schnell',
        input: { prompt: 'hooked' },
        webhook: `http://127.0.0.1:${port}/hook`,
        webhook_events_filter: ['completed'],
      });
      await completed;
      const { key } = await replicate.webhooks.default.secret.get();
      const delivery = received.at(-1)!;
      const headers = new Headers(delivery.headers as Record<string, string>);
      expect(await validateWebhook({ headers, body: delivery.body } as unknown as Request, key)).toBe(true);
      expect(
        await validateWebhook(
          { headers, body: delivery.body.replace('succeeded', 'failed') } as unknown as Request,
          key,
        ),
      ).toBe(false);
      expect(validateAgainstOpenApi('GET', '/predictions/{prediction_id}', 200, JSON.parse(delivery.body))).toEqual([]);
    } finally {
      receiver.close();
    }
  });
});

async function modelVersion(e: Emulator): Promise<string> {
  const res = await api(e, '/models/black-forest-labs/flux-schnell');
  return ((await res.json()) as { latest_version: { id: string } }).latest_version.id;
}

/** The client's ApiError class is not exported at run time, so recognise it by name. */
function expectApiError(error: unknown): asserts error is ApiError {
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).name).toBe('ApiError');
}
