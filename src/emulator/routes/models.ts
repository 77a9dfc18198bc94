// Model routes: models (get, list, create, update, delete, search), their versions (list, get,
// delete), examples and README, and the hardware list. Models created through the API start
// without a version; a training into them adds one.

import { type Handler, json, type RequestContext, readJsonObject } from '../http.js';
import type { ModelEntry, ModelVersion } from '../models.js';
import { fail } from '../problem.js';
import { toOpenApiSchema } from '../schema.js';
import type { EmulatorState } from '../state.js';

/** The hardware Replicate lists; the emulator runs everything on none of it. */
export const HARDWARE = [
  { name: 'CPU', sku: 'cpu' },
  { name: 'Nvidia T4 GPU', sku: 'gpu-t4' },
  { name: 'Nvidia L40S GPU', sku: 'gpu-l40s' },
  { name: 'Nvidia A100 (80GB) GPU', sku: 'gpu-a100-large' },
  { name: 'Nvidia H100 GPU', sku: 'gpu-h100' },
] as const;

const MODEL_NAME = /^[a-z0-9][a-z0-9._-]*$/;

export function findEntry(ctx: RequestContext): ModelEntry {
  const entry = ctx.state.models.entry(ctx.params.owner ?? '', ctx.params.name ?? '');
  if (!entry) fail(404, `Model ${ctx.params.owner}/${ctx.params.name} not found`);
  return entry;
}

export function versionJson(version: ModelVersion): Record<string, unknown> {
  return {
    id: version.id,
    created_at: version.createdAt,
    cog_version: '0.9.0',
    openapi_schema: toOpenApiSchema(version.spec.input, version.spec.output),
  };
}

export function modelJson(state: EmulatorState, entry: ModelEntry): Record<string, unknown> {
  const name = `${entry.owner}/${entry.name}`;
  const latest = entry.versions[0];
  return {
    url: `${state.origin}/${name}`,
    owner: entry.owner,
    name: entry.name,
    description: entry.description,
    visibility: entry.visibility,
    github_url: entry.github_url,
    paper_url: entry.paper_url,
    license_url: entry.license_url,
    run_count: state.predictions.runCount(name),
    cover_image_url: entry.cover_image_url,
    default_example: null,
    is_official: entry.official,
    latest_version: latest ? versionJson(latest) : null,
  };
}

const page = (results: unknown[]) => json(200, { next: null, previous: null, results });

export const getModel: Handler = (ctx) => json(200, modelJson(ctx.state, findEntry(ctx)));

/** Every model the emulator serves (public ones, and the account's own private ones), on one page. */
export const listModels: Handler = (ctx) => page(ctx.state.models.list().map((m) => modelJson(ctx.state, m)));

function optionalString(body: Record<string, unknown>, key: string): string | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') fail(422, `${key}: must be a string`);
  return value;
}

export const createModel: Handler = async (ctx) => {
  const body = await readJsonObject(ctx);
  for (const key of ['owner', 'name', 'visibility', 'hardware'])
    if (typeof body[key] !== 'string' || body[key] === '')
      fail(422, `${key}: required (a string)`, {
        invalid_fields: [{ type: 'required', field: key, description: `${key} is required` }],
      });
  const owner = body.owner as string;
  const name = body.name as string;
  if (!MODEL_NAME.test(name))
    fail(422, 'name: use lowercase letters, digits, dashes, underscores and dots, starting with a letter or digit');
  if (body.visibility !== 'public' && body.visibility !== 'private')
    fail(422, 'visibility: must be "public" or "private"');
  if (!HARDWARE.some((h) => h.sku === body.hardware))
    fail(422, `hardware: must be one of ${HARDWARE.map((h) => h.sku).join(', ')} (see GET /v1/hardware)`);
  if (ctx.state.models.entry(owner, name)) fail(409, `A model named ${owner}/${name} already exists`);
  const entry: ModelEntry = {
    owner,
    name,
    description: optionalString(body, 'description'),
    visibility: body.visibility,
    hardware: body.hardware as string,
    github_url: optionalString(body, 'github_url'),
    paper_url: optionalString(body, 'paper_url'),
    license_url: optionalString(body, 'license_url'),
    weights_url: null,
    cover_image_url: optionalString(body, 'cover_image_url'),
    readme: null,
    official: false,
    owned: true,
    versions: [],
  };
  ctx.state.models.add(entry);
  ctx.state.log(`model ${owner}/${name} created`);
  return json(201, modelJson(ctx.state, entry));
};

function ownedEntry(ctx: RequestContext, action: string): ModelEntry {
  const entry = findEntry(ctx);
  if (!entry.owned)
    fail(403, `You can only ${action} models you own; ${entry.owner}/${entry.name} was not created through this API`);
  return entry;
}

const UPDATABLE = ['description', 'readme', 'github_url', 'paper_url', 'weights_url', 'license_url'] as const;

export const updateModel: Handler = async (ctx) => {
  const entry = ownedEntry(ctx, 'update');
  const body = await readJsonObject(ctx);
  const unknown = Object.keys(body).filter((k) => !(UPDATABLE as readonly string[]).includes(k));
  if (unknown.length > 0) fail(422, `${unknown[0]}: cannot be updated (updatable: ${UPDATABLE.join(', ')})`);
  for (const key of UPDATABLE) if (key in body) entry[key] = optionalString(body, key);
  return json(200, modelJson(ctx.state, entry));
};

export const deleteModel: Handler = (ctx) => {
  const entry = ownedEntry(ctx, 'delete');
  if (entry.visibility !== 'private') fail(403, 'You can only delete private models');
  if (entry.versions.length > 0)
    fail(409, `${entry.owner}/${entry.name} has ${entry.versions.length} version(s): delete them first`);
  ctx.state.models.remove(entry);
  return { kind: 'body', status: 204 };
};

export const listVersions: Handler = (ctx) => page(findEntry(ctx).versions.map(versionJson));

function findVersion(ctx: RequestContext): { entry: ModelEntry; version: ModelVersion } {
  const entry = findEntry(ctx);
  const version = entry.versions.find((v) => v.id === ctx.params.version);
  if (!version) fail(404, `Version ${ctx.params.version} of ${entry.owner}/${entry.name} not found`);
  return { entry, version };
}

export const getVersion: Handler = (ctx) => json(200, versionJson(findVersion(ctx).version));

export const deleteVersion: Handler = (ctx) => {
  const { entry, version } = findVersion(ctx);
  if (!entry.owned) fail(403, `You can only delete versions of models you own (${entry.owner}/${entry.name})`);
  if (ctx.state.deployments.usesVersion(version.id))
    fail(409, `Version ${version.id} is used by a deployment: point the deployment elsewhere first`);
  if (ctx.state.trainings.usesBase(version.id))
    fail(409, `Version ${version.id} is the base of a training and cannot be deleted`);
  entry.versions = entry.versions.filter((v) => v !== version);
  // Replicate accepts the deletion and carries it out later; the emulator does it at once.
  return { kind: 'body', status: 202 };
};

/** Example predictions are chosen by a model's author on the website; the emulator's models have none. */
export const listExamples: Handler = (ctx) => {
  findEntry(ctx);
  return page([]);
};

export const getReadme: Handler = (ctx) => {
  const entry = findEntry(ctx);
  if (entry.readme === null) fail(404, `${entry.owner}/${entry.name} has no README`);
  return { kind: 'body', status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: entry.readme };
};

/** Relevance of a model to a query: how many of the query's words its name and description contain. */
export function searchScore(entry: ModelEntry, query: string): number {
  const text = `${entry.owner}/${entry.name} ${entry.description ?? ''}`.toLowerCase();
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return words.filter((w) => text.includes(w)).length / Math.max(1, words.length);
}

export function searchModels(state: EmulatorState, query: string): Array<{ entry: ModelEntry; score: number }> {
  return state.models
    .list()
    .filter((m) => m.visibility === 'public')
    .map((entry) => ({ entry, score: searchScore(entry, query) }))
    .filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score);
}

/** `QUERY /v1/models` with the search text as a text/plain body. */
export const queryModels: Handler = async (ctx) => {
  const query = (await ctx.body()).toString('utf8').trim();
  if (query === '') fail(400, 'The request body must be the search text (Content-Type: text/plain)');
  return page(searchModels(ctx.state, query).map((r) => modelJson(ctx.state, r.entry)));
};

export const listHardware: Handler = () => json(200, HARDWARE);
