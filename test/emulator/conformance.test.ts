// Conformance: the official `replicate` npm client, pointed at the emulator, works end to end,
// and what the emulator answers matches Replicate's OpenAPI schema.

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import Replicate, { type ApiError, validateWebhook } from 'replicate';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import {
  api,
  type OpenApiSchemaJson,
  openApiOperations,
  type PredictionJson,
  SLOW,
  sniff,
  start,
  validateAgainstOpenApi,
} from './helpers.js';

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
      // The library's catalogue (src/catalogue.ts), served after the built-ins.
      'kwaivgi/kling-v2.1',
      'minimax/hailuo-02',
      'pixverse/pixverse-v4',
      'bytedance/seedance-2.0',
      'black-forest-labs/flux-dev',
      'black-forest-labs/flux-1.1-pro',
      'black-forest-labs/flux-pro',
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

describe('every operation of the OpenAPI schema', () => {
  test('answers as its schema says, statefully, in one session that touches them all', async () => {
    await using emu = await start(SLOW);
    const covered = new Set<string>();
    /**
     * Calls one operation, checks the status and validates the answer against its schema; `T` names the
     * fields the test then reads (the schema check above is what vouches for them).
     */
    const call = async <T = unknown>(
      method: string,
      template: string,
      path: string,
      status: number,
      init: { json?: unknown; body?: string; headers?: Record<string, string> } = {},
    ): Promise<T> => {
      const res = await api(emu, path, {
        method,
        ...(init.json !== undefined ? { json: init.json } : {}),
        ...(init.body !== undefined ? { body: init.body } : {}),
        ...(init.headers ? { headers: init.headers } : {}),
      });
      const text = await res.text();
      expect(res.status, `${method} ${path}: ${text.slice(0, 300)}`).toBe(status);
      const isJson = (res.headers.get('content-type') ?? '').includes('json');
      const body = isJson ? JSON.parse(text) : text;
      expect(validateAgainstOpenApi(method, template, status, body), `${method} ${path}`).toEqual([]);
      covered.add(`${method} ${template}`);
      return body as T;
    };
    const flux = '/models/black-forest-labs/flux-schnell';
    const version = (
      await call<{ latest_version: { id: string } }>('GET', '/models/{model_owner}/{model_name}', flux, 200)
    ).latest_version.id;

    // Models, versions, search, examples, readme, collections.
    await call('GET', '/models', '/models', 200);
    const found = await call<{ results: { name: string }[] }>('QUERY', '/models', '/models', 200, {
      body: 'flux',
      headers: { 'content-type': 'text/plain' },
    });
    expect(found.results.map((m) => m.name)).toEqual(['flux-schnell', 'flux-dev', 'flux-1.1-pro', 'flux-pro']);
    const searched = await call<{ models: { model: { name: string } }[] }>(
      'GET',
      '/search',
      '/search?query=video&limit=5',
      200,
    );
    expect(searched.models.map((m) => m.model.name)).toContain('skyreels-2');
    await call('GET', '/models/{model_owner}/{model_name}/versions', `${flux}/versions`, 200);
    await call('GET', '/models/{model_owner}/{model_name}/versions/{version_id}', `${flux}/versions/${version}`, 200);
    await call('GET', '/models/{model_owner}/{model_name}/examples', `${flux}/examples`, 200);
    expect(await call('GET', '/models/{model_owner}/{model_name}/readme', `${flux}/readme`, 200)).toContain(
      'flux-schnell',
    );
    const collections = await call<{ results: { slug: string }[] }>('GET', '/collections', '/collections', 200);
    const collection = await call<{ models: unknown[] }>(
      'GET',
      '/collections/{collection_slug}',
      `/collections/${collections.results[0]!.slug}`,
      200,
    );
    expect(collection.models.length).toBeGreaterThan(0);
    await call('GET', '/hardware', '/hardware', 200);
    await call('GET', '/account', '/account', 200);
    await call('GET', '/webhooks/default/secret', '/webhooks/default/secret', 200);

    // A model of one's own: create, update, train into it, run its version, delete version and model.
    const mine = '/models/emulator/mine';
    const created = await call<{ latest_version: unknown }>('POST', '/models', '/models', 201, {
      json: { owner: 'emulator', name: 'mine', visibility: 'private', hardware: 'cpu' },
    });
    expect(created.latest_version).toBeNull();
    const updated = await call<{ description: string }>('PATCH', '/models/{model_owner}/{model_name}', mine, 200, {
      json: { description: 'my model', readme: '# mine' },
    });
    expect(updated.description).toBe('my model');
    expect(await call('GET', '/models/{model_owner}/{model_name}/readme', `${mine}/readme`, 200)).toBe('# mine');
    const training = await call<{ id: string; status: string }>(
      'POST',
      '/models/{model_owner}/{model_name}/versions/{version_id}/trainings',
      `${flux}/versions/${version}/trainings`,
      201,
      { json: { destination: 'emulator/mine', input: { steps: 1 } } },
    );
    expect(training.status).toBe('starting');
    await call('GET', '/trainings', '/trainings', 200);
    emu.advanceClock(10_000 + 5 * 20_000);
    const trained = await call<{ status: string; output: { version: string } }>(
      'GET',
      '/trainings/{training_id}',
      `/trainings/${training.id}`,
      200,
    );
    expect(trained.status).toBe('succeeded');
    const newVersion = trained.output.version.split(':')[1];
    const latest = await call<{ latest_version: { id: string } }>(
      'GET',
      '/models/{model_owner}/{model_name}',
      mine,
      200,
    );
    expect(latest.latest_version.id).toBe(newVersion);
    const second = await call<{ id: string }>(
      'POST',
      '/models/{model_owner}/{model_name}/versions/{version_id}/trainings',
      `${flux}/versions/${version}/trainings`,
      201,
      { json: { destination: 'emulator/mine', input: {} } },
    );
    const canceled = await call<{ status: string }>(
      'POST',
      '/trainings/{training_id}/cancel',
      `/trainings/${second.id}/cancel`,
      200,
    );
    expect(canceled.status).toBe('canceled');
    const byVersion = await call<PredictionJson>('POST', '/predictions', '/predictions', 201, {
      json: { version: `emulator/mine:${newVersion}`, input: { prompt: 'trained' } },
    });
    expect(byVersion.model).toBe('emulator/mine');
    await call(
      'DELETE',
      '/models/{model_owner}/{model_name}/versions/{version_id}',
      `${mine}/versions/${newVersion}`,
      202,
    );
    await call('DELETE', '/models/{model_owner}/{model_name}', mine, 204);
    expect((await api(emu, mine)).status).toBe(404);

    // Deployments: create, list, get, update (release 2), predict, delete.
    const deployment = await call<{ owner: string }>('POST', '/deployments', '/deployments', 200, {
      json: {
        name: 'dep',
        model: 'black-forest-labs/flux-schnell',
        version,
        hardware: 'gpu-t4',
        min_instances: 0,
        max_instances: 2,
      },
    });
    const dep = `/deployments/${deployment.owner}/dep`;
    await call('GET', '/deployments', '/deployments', 200);
    await call('GET', '/deployments/{deployment_owner}/{deployment_name}', dep, 200);
    const release2 = await call<{ current_release: { number: number } }>(
      'PATCH',
      '/deployments/{deployment_owner}/{deployment_name}',
      dep,
      200,
      {
        json: { max_instances: 4 },
      },
    );
    expect(release2.current_release.number).toBe(2);
    const deployed = await call<PredictionJson & { deployment: string }>(
      'POST',
      '/deployments/{deployment_owner}/{deployment_name}/predictions',
      `${dep}/predictions`,
      201,
      { json: { input: { prompt: 'deployed' } } },
    );
    expect(deployed.deployment).toBe(`${deployment.owner}/dep`);
    await call('DELETE', '/deployments/{deployment_owner}/{deployment_name}', dep, 204);

    // Predictions and files.
    const prediction = await call<PredictionJson>(
      'POST',
      '/models/{model_owner}/{model_name}/predictions',
      `${flux}/predictions`,
      201,
      {
        json: { input: { prompt: 'x' } },
      },
    );
    await call('GET', '/predictions/{prediction_id}', `/predictions/${prediction.id}`, 200);
    await call('GET', '/predictions', '/predictions', 200);
    await call('POST', '/predictions/{prediction_id}/cancel', `/predictions/${prediction.id}/cancel`, 200);
    const form = new FormData();
    form.append('content', new Blob([new Uint8Array([1, 2, 3])], { type: 'application/octet-stream' }), 'a.bin');
    const upload = await api(emu, '/files', { method: 'POST', body: form });
    expect(upload.status).toBe(201);
    const file = (await upload.json()) as { id: string };
    expect(validateAgainstOpenApi('POST', '/files', 201, file)).toEqual([]);
    covered.add('POST /files');
    await call('GET', '/files', '/files', 200);
    await call('GET', '/files/{file_id}', `/files/${file.id}`, 200);
    const download = await api(emu, `/files/${file.id}/download`);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    covered.add('GET /files/{file_id}/download');
    await call('DELETE', '/files/{file_id}', `/files/${file.id}`, 204);

    expect(openApiOperations().filter((op) => !covered.has(op))).toEqual([]);
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
