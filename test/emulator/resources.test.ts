// The stateful resources beyond predictions: models of one's own, versions, trainings, deployments,
// search and collections, and the refusals a user's code should see (403, 404, 409, 422).

import { describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { api, type PredictionJson, SLOW, start } from './helpers.js';

const FLUX = '/models/black-forest-labs/flux-schnell';

/** The answer's JSON body; `T` names the fields a test reads (undefined for an empty body). */
async function json<T = unknown>(res: Response): Promise<T> {
  const text = await res.text();
  return text ? JSON.parse(text) : (undefined as T);
}

/** The shapes these tests read from the emulator's answers. */
type ProblemJson = { detail: string };
type ModelJson = { latest_version: { id: string } | null; github_url: string | null };
type TrainingJson = { id: string; status: string; output: { version: string } };
type ListJson = { results: unknown[] };
type ModelListJson = { models: { name: string }[] };

async function fluxVersion(emu: Emulator): Promise<string> {
  return (await json<ModelJson>(await api(emu, FLUX))).latest_version!.id;
}

async function createModel(emu: Emulator, name: string, visibility = 'private'): Promise<Response> {
  return api(emu, '/models', { json: { owner: 'emulator', name, visibility, hardware: 'cpu' } });
}

/** Trains flux into emulator/NAME and returns the new version id (frozen clock: advanced here). */
async function train(emu: Emulator, name: string): Promise<string> {
  const version = await fluxVersion(emu);
  const res = await api(emu, `${FLUX}/versions/${version}/trainings`, {
    json: { destination: `emulator/${name}`, input: {} },
  });
  expect(res.status).toBe(201);
  const training = await json<TrainingJson>(res);
  emu.advanceClock(10_000 + 5 * 20_000);
  const done = await json<TrainingJson>(await api(emu, `/trainings/${training.id}`));
  expect(done.status).toBe('succeeded');
  return done.output.version.split(':')[1]!;
}

describe('models of your own', () => {
  test('a duplicate name is 409; a bad visibility or hardware is 422 naming the field', async () => {
    await using emu = await start(SLOW);
    expect((await createModel(emu, 'twice')).status).toBe(201);
    const again = await createModel(emu, 'twice');
    expect(again.status).toBe(409);
    const badVisibility = await api(emu, '/models', {
      json: { owner: 'emulator', name: 'x', visibility: 'secret', hardware: 'cpu' },
    });
    expect(badVisibility.status).toBe(422);
    expect((await json<ProblemJson>(badVisibility)).detail).toContain('visibility');
    const badHardware = await api(emu, '/models', {
      json: { owner: 'emulator', name: 'x', visibility: 'public', hardware: 'tpu' },
    });
    expect((await json<ProblemJson>(badHardware)).detail).toContain('hardware');
  });

  test('built-in models cannot be updated, deleted, nor have versions deleted (403)', async () => {
    await using emu = await start(SLOW);
    const version = await fluxVersion(emu);
    expect((await api(emu, FLUX, { method: 'PATCH', json: { description: 'mine now' } })).status).toBe(403);
    expect((await api(emu, FLUX, { method: 'DELETE' })).status).toBe(403);
    expect((await api(emu, `${FLUX}/versions/${version}`, { method: 'DELETE' })).status).toBe(403);
    expect((await json<ModelJson>(await api(emu, FLUX))).latest_version?.id).toBe(version);
  });

  test('a model with versions is not deleted (409); a public one neither (403)', async () => {
    await using emu = await start(SLOW);
    await createModel(emu, 'trained');
    const version = await train(emu, 'trained');
    const refused = await api(emu, '/models/emulator/trained', { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect((await json<ProblemJson>(refused)).detail).toContain('delete them first');
    expect((await api(emu, `/models/emulator/trained/versions/${version}`, { method: 'DELETE' })).status).toBe(202);
    expect((await api(emu, '/models/emulator/trained', { method: 'DELETE' })).status).toBe(204);
    await createModel(emu, 'shown', 'public');
    expect((await api(emu, '/models/emulator/shown', { method: 'DELETE' })).status).toBe(403);
  });

  test('PATCH changes only the updatable fields; the readme appears; an unknown field is 422', async () => {
    await using emu = await start(SLOW);
    await createModel(emu, 'doc');
    expect((await api(emu, '/models/emulator/doc/readme')).status).toBe(404);
    const patched = await json<ModelJson>(
      await api(emu, '/models/emulator/doc', { method: 'PATCH', json: { readme: '# Doc', github_url: 'https://x.y' } }),
    );
    expect(patched.github_url).toBe('https://x.y');
    expect(await (await api(emu, '/models/emulator/doc/readme')).text()).toBe('# Doc');
    expect((await api(emu, '/models/emulator/doc', { method: 'PATCH', json: { name: 'other' } })).status).toBe(422);
  });
});

describe('trainings', () => {
  test('into a missing destination is 404, into a built-in 403; a model without versions cannot run (422)', async () => {
    await using emu = await start(SLOW);
    const version = await fluxVersion(emu);
    const missing = await api(emu, `${FLUX}/versions/${version}/trainings`, {
      json: { destination: 'emulator/nowhere', input: {} },
    });
    expect(missing.status).toBe(404);
    expect((await json<ProblemJson>(missing)).detail).toContain('create it first');
    const builtIn = await api(emu, `${FLUX}/versions/${version}/trainings`, {
      json: { destination: 'fofr/skyreels-2', input: {} },
    });
    expect(builtIn.status).toBe(403);
    await createModel(emu, 'empty');
    const run = await api(emu, '/models/emulator/empty/predictions', { json: { input: { prompt: 'x' } } });
    expect(run.status).toBe(422);
  });

  test('a trained version runs under its own model name, by name and by version', async () => {
    await using emu = await start(SLOW);
    await createModel(emu, 'style');
    const version = await train(emu, 'style');
    const byName = await json(
      await api(emu, '/models/emulator/style/predictions', { json: { input: { prompt: 'x' } } }),
    );
    expect(byName).toMatchObject({ model: 'emulator/style', version });
    const byId = await json<PredictionJson>(
      await api(emu, '/predictions', { json: { version, input: { prompt: 'x' } } }),
    );
    expect(byId.model).toBe('emulator/style');
    // A version that is the base of a training cannot be deleted, even from one's own model (409).
    await createModel(emu, 'child');
    const child = await api(emu, `/models/emulator/style/versions/${version}/trainings`, {
      json: { destination: 'emulator/child', input: {} },
    });
    expect(child.status).toBe(201);
    expect((await api(emu, `/models/emulator/style/versions/${version}`, { method: 'DELETE' })).status).toBe(409);
  });

  test('cancel before it finishes: canceled, and no version is added', async () => {
    await using emu = await start(SLOW);
    await createModel(emu, 'stopped');
    const version = await fluxVersion(emu);
    const training = await json<TrainingJson>(
      await api(emu, `${FLUX}/versions/${version}/trainings`, { json: { destination: 'emulator/stopped', input: {} } }),
    );
    expect(
      (await json<TrainingJson>(await api(emu, `/trainings/${training.id}/cancel`, { method: 'POST' }))).status,
    ).toBe('canceled');
    emu.advanceClock(1_000_000);
    expect((await json<TrainingJson>(await api(emu, `/trainings/${training.id}`))).status).toBe('canceled');
    expect((await json<ModelJson>(await api(emu, '/models/emulator/stopped'))).latest_version).toBeNull();
  });
});

describe('deployments', () => {
  test('a deployment runs its release; a version in use is not deleted (409); a wrong version is 422', async () => {
    await using emu = await start(SLOW);
    await createModel(emu, 'served');
    const version = await train(emu, 'served');
    const wrong = await api(emu, '/deployments', {
      json: {
        name: 'd',
        model: 'emulator/served',
        version: 'f'.repeat(64),
        hardware: 'cpu',
        min_instances: 0,
        max_instances: 1,
      },
    });
    expect(wrong.status).toBe(422);
    const created = await api(emu, '/deployments', {
      json: { name: 'd', model: 'emulator/served', version, hardware: 'cpu', min_instances: 0, max_instances: 1 },
    });
    expect(created.status).toBe(200);
    const prediction = await json(
      await api(emu, '/deployments/emulator/d/predictions', { json: { input: { prompt: 'x' } } }),
    );
    expect(prediction).toMatchObject({ model: 'emulator/served', version, deployment: 'emulator/d' });
    expect((await api(emu, `/models/emulator/served/versions/${version}`, { method: 'DELETE' })).status).toBe(409);
    expect((await api(emu, '/deployments/emulator/d', { method: 'DELETE' })).status).toBe(204);
    expect((await api(emu, '/deployments/emulator/d', { method: 'DELETE' })).status).toBe(404);
    expect((await api(emu, `/models/emulator/served/versions/${version}`, { method: 'DELETE' })).status).toBe(202);
  });

  test('reset forgets created models, trainings and deployments', async () => {
    await using emu = await start(SLOW);
    await createModel(emu, 'gone');
    await api(emu, '/deployments', {
      json: {
        name: 'g',
        model: 'black-forest-labs/flux-schnell',
        version: await fluxVersion(emu),
        hardware: 'cpu',
        min_instances: 0,
        max_instances: 1,
      },
    });
    emu.reset();
    expect((await api(emu, '/models/emulator/gone')).status).toBe(404);
    expect((await json<ListJson>(await api(emu, '/deployments'))).results).toEqual([]);
    expect((await json<ListJson>(await api(emu, '/trainings'))).results).toEqual([]);
  });
});

describe('search and collections', () => {
  test('QUERY /v1/models needs a text body (400); GET /v1/search checks query and limit (400)', async () => {
    await using emu = await start(SLOW);
    expect(
      (await api(emu, '/models', { method: 'QUERY', body: '', headers: { 'content-type': 'text/plain' } })).status,
    ).toBe(400);
    expect((await api(emu, '/search')).status).toBe(400);
    expect((await api(emu, '/search?query=flux&limit=0')).status).toBe(400);
    const one = await json<{ models: { metadata: { score: number } }[] }>(
      await api(emu, '/search?query=video&limit=1'),
    );
    expect(one.models).toHaveLength(1);
    expect(one.models[0]!.metadata.score).toBeGreaterThan(0);
  });

  test('private models are not found by search; collections group the models by what they make', async () => {
    await using emu = await start(SLOW);
    await createModel(emu, 'flux-secret');
    const found = await json<{ results: { name: string }[] }>(
      await api(emu, '/models', { method: 'QUERY', body: 'flux', headers: { 'content-type': 'text/plain' } }),
    );
    const fluxes = ['flux-schnell', 'flux-dev', 'flux-1.1-pro', 'flux-pro'];
    expect(found.results.map((m) => m.name)).toEqual(fluxes);
    const images = await json<ModelListJson>(await api(emu, '/collections/text-to-image'));
    expect(images.models.map((m) => m.name)).toEqual(fluxes);
    const videos = await json<ModelListJson>(await api(emu, '/collections/image-to-video'));
    expect(videos.models.map((m) => m.name).sort()).toEqual([
      'frames-to-video',
      'hailuo-02',
      'kling-v2.1',
      'pixverse-v4',
      'seedance-2.0',
      'skyreels-2',
    ]);
    expect((await api(emu, '/collections/nothing')).status).toBe(404);
  });
});
