// Prediction routes: create (by model, by version, by deployment), get, cancel, list.

import { parseCancelAfter } from '../cancel-after.js';
import { DEFAULT_FAILURE, parseDirectives } from '../directives.js';
import { type Handler, json, pathParam, type RequestContext, readJsonObject, serializedJson } from '../http.js';
import { predictionReply } from '../huge-logs.js';
import { scheduleTransitions, waitForTerminal, watchForWebhooks } from '../lifecycle.js';
import { type ModelRegistry, type ModelSpec, modelName, versionId } from '../models.js';
import { type PredictionRecord, planLogLines, TERMINAL_STATUSES, type WebhookEvent } from '../predictions.js';
import { fail } from '../problem.js';
import { type InvalidField, validateInput, withDefaults } from '../schema.js';
import { resolveTimings } from '../timings.js';
import { checkWebhookUrl, DEFAULT_WEBHOOK_EVENTS, WEBHOOK_EVENTS } from '../webhooks.js';

export const DEFAULT_PAGE_SIZE = 100;
const MAX_WAIT_SECONDS = 60;
/** Scenario `cancel: 'late'`: the stop lands this long after the cancel unless told otherwise. */
const DEFAULT_LATE_CANCEL_MS = 100;

function invalid(fields: InvalidField[]): never {
  fail(422, fields.map((f) => f.description).join('; '), { invalid_fields: fields });
}

/** `Prefer: wait` → 60 s, `Prefer: wait=N` → N s (1..60); undefined when the header asks for no wait. */
export function parsePreferWait(header: string | undefined): number | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /^\s*wait(?:\s*=\s*(\S+))?\s*$/i.exec(part);
    if (!match) continue;
    if (match[1] === undefined) return MAX_WAIT_SECONDS;
    const seconds = Number(match[1]);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_WAIT_SECONDS)
      fail(
        422,
        `Prefer: wait=N must be a whole number of seconds from 1 to ${MAX_WAIT_SECONDS} (got ${JSON.stringify(match[1])})`,
      );
    return seconds;
  }
  return undefined;
}

/** `owner/name:version` or a bare version id; any version of the model, not only its latest. */
function modelForVersion(models: ModelRegistry, version: unknown): { model: ModelSpec; version: string } {
  if (typeof version !== 'string' || version === '')
    fail(422, 'version: required (a 64-character version id or owner/name:version)', {
      invalid_fields: [{ type: 'required', field: 'version', description: 'version is required' }],
    });
  const colon = version.indexOf(':');
  const id = colon >= 0 ? version.slice(colon + 1) : version;
  if (colon >= 0) {
    const [owner = '', name = ''] = version.slice(0, colon).split('/');
    const entry = models.entry(owner, name);
    if (!entry) fail(404, `Model ${version.slice(0, colon)} not found`);
    const found = entry.versions.find((v) => v.id === id);
    if (!found)
      fail(
        422,
        `version: ${id} is not a version of ${owner}/${name}; its latest version is ${entry.versions[0]?.id ?? '(none)'}`,
      );
    return { model: found.spec, version: id };
  }
  const model = models.findByVersion(id);
  if (!model) fail(422, `version: invalid version or not permitted (got ${JSON.stringify(id.slice(0, 70))})`);
  return { model, version: id };
}

function resolveModel(
  ctx: RequestContext,
  body: Record<string, unknown>,
): { model: ModelSpec; version: string; deployment?: string } {
  const owner = ctx.params.owner ?? '';
  const name = ctx.params.name ?? '';
  const { models } = ctx.state;
  if (ctx.params.kind === 'model') {
    const entry = models.entry(owner, name);
    if (!entry) fail(404, `Model ${owner}/${name} not found`);
    const latest = entry.versions[0];
    if (!latest) fail(422, `Model ${owner}/${name} has no versions to run`);
    return { model: latest.spec, version: entry.official ? 'hidden' : latest.id };
  }
  if (ctx.params.kind === 'deployment') {
    const release = ctx.state.deployments.get(owner, name)?.releases.at(-1);
    if (release) {
      const model = models.findByVersion(release.version);
      if (!model) fail(422, `Deployment ${owner}/${name} runs version ${release.version}, which no longer exists`);
      return { model, version: release.version, deployment: `${owner}/${name}` };
    }
    const model = models.forDeployment(owner, name);
    if (!model)
      fail(
        404,
        `Deployment ${owner}/${name} not found (create it with POST /v1/deployments; the emulator also serves one for any owner whose name is one of its models: ${models.all.map((m) => m.name).join(', ')})`,
      );
    return { model, version: versionId(model), deployment: `${owner}/${name}` };
  }
  return modelForVersion(models, body.version);
}

function checkWebhookFields(body: Record<string, unknown>): { webhook?: string; filter?: WebhookEvent[] } {
  if (body.webhook === undefined || body.webhook === null) return {};
  const error = checkWebhookUrl(body.webhook);
  if (error) invalid([{ type: 'format', field: 'webhook', description: error }]);
  let filter = [...DEFAULT_WEBHOOK_EVENTS];
  if (body.webhook_events_filter !== undefined && body.webhook_events_filter !== null) {
    const value = body.webhook_events_filter;
    if (!Array.isArray(value) || value.some((e) => !WEBHOOK_EVENTS.includes(e as WebhookEvent)))
      invalid([
        {
          type: 'enum',
          field: 'webhook_events_filter',
          description: `webhook_events_filter: must be an array of ${WEBHOOK_EVENTS.join(', ')}`,
        },
      ]);
    filter = [...new Set(value as WebhookEvent[])];
  }
  return { webhook: body.webhook as string, filter };
}

export const createPrediction: Handler = async (ctx) => {
  const { state } = ctx;
  const body = await readJsonObject(ctx);
  const { model, version, deployment } = resolveModel(ctx, body);

  if (typeof body.input !== 'object' || body.input === null || Array.isArray(body.input))
    invalid([{ type: 'required', field: 'input', description: 'input: required (a JSON object)' }]);
  const input = body.input as Record<string, unknown>;
  const problems = validateInput(model.input, input);
  if (problems.length === 0 && model.check) {
    for (const [field, message] of model.check(input))
      problems.push({ type: 'value_error', field, description: `${field}: ${message}` });
  }
  if (problems.length > 0) invalid(problems);
  const { webhook, filter } = checkWebhookFields(body);

  const cancelAfter = ctx.req.headers['cancel-after'];
  let deadlineMs: number | undefined;
  if (typeof cancelAfter === 'string') {
    const parsed = parseCancelAfter(cancelAfter);
    if ('error' in parsed) fail(422, parsed.error);
    deadlineMs = parsed.ms;
  }
  const waitSeconds = parsePreferWait(typeof ctx.req.headers.prefer === 'string' ? ctx.req.headers.prefer : undefined);

  // Timings: model default < options '*' < options per model < prompt directive < scenario; all scaled by speed.
  const name = modelName(model);
  const resolved = withDefaults(model.input, input);
  const directives = parseDirectives(resolved.prompt);
  const scenario = state.scenarios.take(name, resolved.prompt);
  const { startMs, predictMs } = resolveTimings(state, model, scenario, directives);
  const failWith = scenario?.fail ?? directives.fail;
  const quirk = scenario?.quirk ?? directives.quirk;

  // A create whose answer is lost and whose prediction the queue only makes later (fault `late-create`),
  // or one that simply shows up late (scenario `appearAfterMs`).
  const lateMs = ctx.lateCreateMs ?? scenario?.appearAfterMs;
  const createdAtMs = state.now() + (ctx.lateCreateMs ?? 0);
  const seed = typeof resolved.seed === 'number' ? resolved.seed : Math.floor(state.random() * 2 ** 31);
  const plan = model.plan(resolved, { seed, imageMaxSide: state.imageMaxSide });
  const timing = {
    model,
    plan,
    seed,
    startAtMs: createdAtMs + startMs,
    completeAtMs: createdAtMs + startMs + predictMs,
    ...(failWith !== undefined ? { failWith: failWith || DEFAULT_FAILURE } : {}),
  };
  const echoed = scenario?.echoKey === true;
  if (echoed && timing.failWith !== undefined) timing.failWith = `${timing.failWith} (request token ${ctx.token})`;
  const logLines = planLogLines(timing);
  if (echoed) logLines.unshift({ atMs: timing.startAtMs, text: `Authorization: Bearer ${ctx.token}` });
  const record = state.predictions.add({
    ...timing,
    id: scenario?.id !== undefined ? freeId(state.predictions, scenario.id) : state.newId(),
    version,
    ...(deployment !== undefined ? { deployment } : {}),
    input,
    createdAtMs,
    ...(deadlineMs !== undefined ? { deadlineAtMs: createdAtMs + deadlineMs } : {}),
    ...(webhook !== undefined ? { webhook, webhookEventsFilter: filter } : {}),
    logLines,
    ...(quirk !== undefined ? { quirk } : {}),
    ...(lateMs !== undefined && lateMs > 0 ? { visibleFromMs: state.now() + lateMs } : {}),
    ...(scenario?.cancel !== undefined
      ? { cancelBehavior: { kind: scenario.cancel, delayMs: scenario.cancelDelayMs ?? DEFAULT_LATE_CANCEL_MS } }
      : {}),
    ...(scenario?.logsBytes !== undefined && scenario.logsBytes > 0 ? { logsBytes: scenario.logsBytes } : {}),
    ...(scenario?.sharedBaseName === true ? { sharedBaseName: true } : {}),
  });
  state.counters.predictionsCreated += 1;
  state.counters.predictionIds.push(record.id);
  state.log(`prediction ${record.id} created (${name}${failWith !== undefined ? ', will fail' : ''})`);
  scheduleTransitions(state, record);
  if (record.visibleFromMs !== undefined)
    state.scheduler.at(record.visibleFromMs, () => state.predictions.notify(record.id));
  watchForWebhooks(state, record);
  if (scenario?.newerPredictions) state.addBackgroundPredictions(scenario.newerPredictions);
  // Nobody hears this answer (the fault resets the connection): do not hold it.
  if (ctx.lateCreateMs !== undefined) return json(201, { id: record.id });

  const headers: Record<string, string> = {};
  if (waitSeconds !== undefined) {
    await waitForTerminal(state, record, createdAtMs + waitSeconds * 1000, ctx.clientGone);
    // Echo the preference as asked (RFC 7240): `wait`, or `wait=N`.
    headers['preference-applied'] = /wait\s*=/i.test(String(ctx.req.headers.prefer)) ? `wait=${waitSeconds}` : 'wait';
  }
  const answer = state.predictionJson(record);
  if (waitSeconds !== undefined && quirk === 'wait-processing-with-output' && answer.status === 'succeeded') {
    // As recorded: the held answer left before the status flipped, so it says `processing` with the output in.
    answer.status = 'processing';
    delete answer.completed_at;
    answer.metrics = {};
  }
  return predictionReply(state, record, 201, answer, headers);
};

/** A scenario's fixed id, or that id with `-2`, `-3`, ... when taken. */
function freeId(store: { has(id: string): boolean }, id: string): string {
  if (!store.has(id)) return id;
  for (let n = 2; ; n++) if (!store.has(`${id}-${n}`)) return `${id}-${n}`;
}

function findPrediction(ctx: RequestContext): PredictionRecord {
  const record = ctx.state.predictions.get(pathParam(ctx, 'id'));
  if (!record) fail(404, `Prediction ${ctx.params.id} not found`);
  return record;
}

export const getPrediction: Handler = (ctx) => {
  const record = findPrediction(ctx);
  // Huge logs (Scenario.logsBytes) are streamed in chunks; every other answer comes from the store's cache.
  if (record.logsBytes !== undefined) return predictionReply(ctx.state, record, 200, ctx.state.predictionJson(record));
  return serializedJson(200, ctx.state.predictionBytes(record));
};

export const cancelPrediction: Handler = (ctx) => {
  const { state } = ctx;
  const record = findPrediction(ctx);
  const behavior = record.cancelBehavior;
  if (behavior && !TERMINAL_STATUSES.has(state.view(record).status)) {
    // Accepted, not done: the answer still says `processing` (or `starting`).
    if (behavior.kind === 'late' && record.canceledAtMs === undefined) {
      record.canceledAtMs = state.now() + behavior.delayMs;
      state.scheduler.at(record.canceledAtMs, () => state.predictions.notify(record.id));
    }
    state.log(
      `prediction ${record.id} cancel accepted (${behavior.kind === 'late' ? `stops in ${behavior.delayMs} ms` : 'ignored'})`,
    );
    return json(200, state.predictionJson(record));
  }
  if (!TERMINAL_STATUSES.has(state.view(record).status)) {
    record.canceledAtMs = state.now();
    state.log(`prediction ${record.id} canceled`);
    state.predictions.notify(record.id);
  }
  return json(200, state.predictionJson(record));
};

function parseDateParam(ctx: RequestContext, name: string): number | undefined {
  const value = ctx.url.searchParams.get(name);
  if (value === null) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) fail(400, `${name}: not an ISO 8601 date-time (got ${JSON.stringify(value)})`);
  return ms;
}

function encodeCursor(value: { before?: number; after?: number }): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeCursor(text: string): { before?: number; after?: number } {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { before?: unknown; after?: unknown };
    if (typeof value.before === 'number') return { before: value.before };
    if (typeof value.after === 'number') return { after: value.after };
  } catch {
    // fall through
  }
  fail(400, 'cursor: not a cursor this server issued');
}

/** Newest first, 100 a page (listPageSize); cursors are positions in creation order, so new predictions do not shift pages. */
export const listPredictions: Handler = (ctx) => {
  const { state } = ctx;
  const after = parseDateParam(ctx, 'created_after');
  const before = parseDateParam(ctx, 'created_before');
  const keep = (r: PredictionRecord) =>
    (after === undefined || r.createdAtMs > after) && (before === undefined || r.createdAtMs < before);
  const configured = state.options.listPageSize;
  const pageSize =
    configured !== undefined && Number.isFinite(configured) ? Math.max(1, Math.floor(configured)) : DEFAULT_PAGE_SIZE;
  const cursorText = ctx.url.searchParams.get('cursor');
  const cursor = cursorText ? decodeCursor(cursorText) : {};
  const { records: page, older, newer } = state.predictions.page(pageSize, keep, cursor);

  const pageUrl = (c: string) => {
    const url = new URL(`${state.apiUrl}/predictions`);
    for (const name of ['created_after', 'created_before']) {
      const value = ctx.url.searchParams.get(name);
      if (value !== null) url.searchParams.set(name, value);
    }
    url.searchParams.set('cursor', c);
    return url.toString();
  };
  const first = page[0];
  const last = page[page.length - 1];
  const next = last && older ? pageUrl(encodeCursor({ before: last.seq })) : null;
  const previous = first && newer ? pageUrl(encodeCursor({ after: first.seq })) : null;
  const results = page.map((r) => state.predictionBytes(r));
  return serializedJson(200, state.predictions.listPageBytes(ctx.url.search, next, previous, results));
};
