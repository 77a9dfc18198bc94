// Deployment routes: create, list, get, update (a new release), delete. Predictions to a deployment
// are created in routes/predictions.ts; a deployment not created here is still served implicitly
// for any owner whose name is one of the emulator's models (so code written against a real
// deployment runs unchanged), and `GET` shows such a deployment too.

import type { DeploymentRecord, DeploymentRelease } from '../deployments.js';
import { type Handler, json, type RequestContext, readJsonObject } from '../http.js';
import { modelName, versionId } from '../models.js';
import { fail } from '../problem.js';
import { isoMicros } from '../random.js';
import type { EmulatorState } from '../state.js';
import { ACCOUNT } from './account.js';
import { HARDWARE } from './models.js';

/** The release a deployment runs now: its newest. Every record is made with one, so none is a bug. */
function currentRelease(record: DeploymentRecord): DeploymentRelease {
  const release = record.releases.at(-1);
  if (release === undefined) throw new Error(`internal: deployment ${record.owner}/${record.name} has no release`);
  return release;
}

function deploymentJson(record: DeploymentRecord): Record<string, unknown> {
  const release = currentRelease(record);
  return {
    owner: record.owner,
    name: record.name,
    current_release: {
      number: release.number,
      model: release.model,
      version: release.version,
      created_at: isoMicros(release.createdAtMs),
      created_by: ACCOUNT,
      configuration: {
        hardware: release.hardware,
        min_instances: release.minInstances,
        max_instances: release.maxInstances,
      },
    },
  };
}

/** A stored deployment, or the implicit one the emulator serves for a model's name. */
function findDeployment(ctx: RequestContext): { record: DeploymentRecord; stored: boolean } {
  const owner = ctx.params.owner ?? '';
  const name = ctx.params.name ?? '';
  const stored = ctx.state.deployments.get(owner, name);
  if (stored) return { record: stored, stored: true };
  const model = ctx.state.models.forDeployment(owner, name);
  if (!model) fail(404, `Deployment ${owner}/${name} not found`);
  const release: DeploymentRelease = {
    number: 1,
    model: modelName(model),
    version: versionId(model),
    createdAtMs: Date.parse('2024-07-30T00:00:00.000Z'),
    hardware: 'gpu-h100',
    minInstances: 0,
    maxInstances: 1,
  };
  return { record: { owner, name, releases: [release] }, stored: false };
}

function instances(body: Record<string, unknown>, key: string, max: number, fallback?: number): number {
  const value = body[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max)
    fail(422, `${key}: must be a whole number from 0 to ${max}`);
  return value;
}

function checkHardware(value: unknown): string {
  if (typeof value !== 'string' || !HARDWARE.some((h) => h.sku === value))
    fail(422, `hardware: must be one of ${HARDWARE.map((h) => h.sku).join(', ')}`);
  return value;
}

/** The model's version, checked: a deployment must run a version of the model it names. */
function checkVersion(state: EmulatorState, model: string, version: unknown): string {
  const [owner = '', name = ''] = model.split('/');
  const entry = state.models.entry(owner, name);
  if (!entry) fail(422, `model: ${model} not found`);
  if (typeof version !== 'string' || !entry.versions.some((v) => v.id === version))
    fail(422, `version: not a version of ${model} (its latest is ${entry.versions[0]?.id ?? 'none'})`);
  return version;
}

export const createDeployment: Handler = async (ctx) => {
  const { state } = ctx;
  const body = await readJsonObject(ctx);
  for (const key of ['name', 'model', 'version', 'hardware'])
    if (typeof body[key] !== 'string' || body[key] === '')
      fail(422, `${key}: required (a string)`, {
        invalid_fields: [{ type: 'required', field: key, description: `${key} is required` }],
      });
  const name = body.name as string;
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) fail(422, 'name: use lowercase letters, digits, dashes, dots, underscores');
  if (state.deployments.get(ACCOUNT.username, name)) fail(409, `Deployment ${ACCOUNT.username}/${name} already exists`);
  const model = body.model as string;
  const record: DeploymentRecord = {
    owner: ACCOUNT.username,
    name,
    releases: [
      {
        number: 1,
        model,
        version: checkVersion(state, model, body.version),
        createdAtMs: state.now(),
        hardware: checkHardware(body.hardware),
        minInstances: instances(body, 'min_instances', 5),
        maxInstances: instances(body, 'max_instances', 20),
      },
    ],
  };
  state.deployments.add(record);
  // The schema says 200 for a create; the emulator follows it.
  return json(200, deploymentJson(record));
};

export const listDeployments: Handler = (ctx) =>
  json(200, { next: null, previous: null, results: ctx.state.deployments.list().map(deploymentJson) });

export const getDeployment: Handler = (ctx) => json(200, deploymentJson(findDeployment(ctx).record));

export const updateDeployment: Handler = async (ctx) => {
  const { state } = ctx;
  const { record, stored } = findDeployment(ctx);
  if (!stored) fail(404, `Deployment ${record.owner}/${record.name} not found (create it with POST /v1/deployments)`);
  const body = await readJsonObject(ctx);
  const allowed = ['version', 'hardware', 'min_instances', 'max_instances'];
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) fail(422, `${unknown[0]}: cannot be updated (updatable: ${allowed.join(', ')})`);
  const current = currentRelease(record);
  record.releases.push({
    number: current.number + 1,
    model: current.model,
    version: body.version === undefined ? current.version : checkVersion(state, current.model, body.version),
    createdAtMs: state.now(),
    hardware: body.hardware === undefined ? current.hardware : checkHardware(body.hardware),
    minInstances: instances(body, 'min_instances', 5, current.minInstances),
    maxInstances: instances(body, 'max_instances', 20, current.maxInstances),
  });
  return json(200, deploymentJson(record));
};

export const deleteDeployment: Handler = (ctx) => {
  const { record, stored } = findDeployment(ctx);
  if (!stored || !ctx.state.deployments.delete(record.owner, record.name))
    fail(404, `Deployment ${record.owner}/${record.name} not found`);
  return { kind: 'body', status: 204 };
};
