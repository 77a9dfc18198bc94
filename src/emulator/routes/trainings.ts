// Training routes: create (from a model version into a destination model), get, list, cancel. A
// training runs on the emulator clock with its base model's timings; when it succeeds, its
// destination gains the new version named in `output.version`.

import { type Handler, json, type RequestContext, readJsonObject } from '../http.js';
import { fail } from '../problem.js';
import type { EmulatorState } from '../state.js';
import { resolveTimings } from '../timings.js';
import { type TrainingRecord, trainedVersionId, trainingJson, trainingViewAt } from '../trainings.js';
import { checkWebhookUrl } from '../webhooks.js';
import { findEntry } from './models.js';

/** A training takes this many times its base model's prediction time. */
const TRAINING_TIME_FACTOR = 5;

function view(state: EmulatorState, record: TrainingRecord) {
  return trainingJson(record, trainingViewAt(record, state.now()), state.apiUrl, state.origin);
}

export const createTraining: Handler = async (ctx) => {
  const { state } = ctx;
  const base = findEntry(ctx);
  const version = base.versions.find((v) => v.id === ctx.params.version);
  if (!version) fail(404, `Version ${ctx.params.version} of ${base.owner}/${base.name} not found`);
  const body = await readJsonObject(ctx);
  if (typeof body.destination !== 'string' || !/^[^/\s]+\/[^/\s]+$/.test(body.destination))
    fail(422, 'destination: required, as owner/name of an existing model', {
      invalid_fields: [{ type: 'required', field: 'destination', description: 'destination is required' }],
    });
  const [owner = '', name = ''] = body.destination.split('/');
  const destination = state.models.entry(owner, name);
  if (!destination)
    fail(404, `The destination model ${body.destination} does not exist: create it first (POST /v1/models)`);
  if (!destination.owned) fail(403, `You can only train into models you own (${body.destination})`);
  if (typeof body.input !== 'object' || body.input === null || Array.isArray(body.input))
    fail(422, 'input: required (a JSON object)');
  let webhook: string | undefined;
  if (body.webhook !== undefined && body.webhook !== null) {
    const error = checkWebhookUrl(body.webhook);
    if (error) fail(422, error);
    webhook = body.webhook as string;
  }
  const { startMs, predictMs } = resolveTimings(state, version.spec);
  const createdAtMs = state.now();
  const id = state.newId();
  const record: TrainingRecord = {
    id,
    model: `${base.owner}/${base.name}`,
    version: version.id,
    baseSpec: version.spec,
    destination: { owner, name },
    input: body.input as Record<string, unknown>,
    createdAtMs,
    startAtMs: createdAtMs + startMs,
    completeAtMs: createdAtMs + startMs + predictMs * TRAINING_TIME_FACTOR,
    newVersionId: trainedVersionId(id),
    ...(webhook !== undefined ? { webhook } : {}),
  };
  state.trainings.add(record);
  state.scheduler.at(record.completeAtMs, () => finish(state, record));
  state.log(`training ${id} created (${record.model} → ${body.destination})`);
  return json(201, view(state, record));
};

/** At completion: the destination gains its new version, and the webhook (if any) hears of it. */
function finish(state: EmulatorState, record: TrainingRecord): void {
  if (trainingViewAt(record, state.now()).status !== 'succeeded') return;
  const destination = state.models.entry(record.destination.owner, record.destination.name);
  if (destination && !destination.versions.some((v) => v.id === record.newVersionId)) {
    destination.versions.unshift({
      id: record.newVersionId,
      createdAt: new Date(record.completeAtMs).toISOString(),
      // The trained version runs like its base, under its own model's name.
      spec: { ...record.baseSpec, owner: destination.owner, name: destination.name, official: false },
    });
    state.log(`training ${record.id} succeeded: ${destination.owner}/${destination.name}:${record.newVersionId}`);
  }
  if (record.webhook) state.webhooks.send(record.webhook, 'completed', JSON.stringify(view(state, record)));
}

function findTraining(ctx: RequestContext): TrainingRecord {
  const record = ctx.state.trainings.get(ctx.params.id ?? '');
  if (!record) fail(404, `Training ${ctx.params.id} not found`);
  return record;
}

export const getTraining: Handler = (ctx) => json(200, view(ctx.state, findTraining(ctx)));

export const listTrainings: Handler = (ctx) =>
  json(200, { next: null, previous: null, results: ctx.state.trainings.newestFirst().map((t) => view(ctx.state, t)) });

export const cancelTraining: Handler = (ctx) => {
  const { state } = ctx;
  const record = findTraining(ctx);
  const status = trainingViewAt(record, state.now()).status;
  if (status === 'starting' || status === 'processing') {
    record.canceledAtMs = state.now();
    if (record.webhook) state.webhooks.send(record.webhook, 'completed', JSON.stringify(view(state, record)));
  }
  return json(200, view(state, record));
};
