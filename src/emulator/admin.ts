// The control API, outside `/v1` and without auth: stats, faults, scenarios, clock, reset, and the
// webhook deliveries the allow-list refused.
// It is how tests in other processes (and the CLI) steer a running emulator. Its routes are rows
// of the route table (router.ts), run with the admin steps.

import { checkFaultRule } from './faults.js';
import { type Handler, json, readJsonObject } from './http.js';
import { PREDICTION_QUIRKS, type PredictionQuirk } from './predictions.js';
import { fail } from './problem.js';
import type { FaultRule, Scenario } from './types.js';

export const ADMIN_PREFIX = '/_emulator';

function checkScenario(value: Record<string, unknown>): string | undefined {
  for (const key of ['model', 'promptIncludes', 'fail', 'id'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'string') return `${key}: must be a string`;
  }
  if (value.id === '') return 'id: must not be empty';
  for (const key of ['echoKey', 'sharedBaseName'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'boolean') return `${key}: must be true or false`;
  }
  if (value.cancel !== undefined && value.cancel !== 'ignore' && value.cancel !== 'late')
    return 'cancel: must be "ignore" or "late"';
  for (const key of [
    'count',
    'startMs',
    'predictMs',
    'newerPredictions',
    'cancelDelayMs',
    'appearAfterMs',
    'logsBytes',
  ] as const) {
    if (value[key] !== undefined && (typeof value[key] !== 'number' || (value[key] as number) < 0))
      return `${key}: must be a non-negative number`;
  }
  if (value.quirk !== undefined && !PREDICTION_QUIRKS.includes(value.quirk as PredictionQuirk))
    return `quirk: must be one of ${PREDICTION_QUIRKS.join(', ')}`;
  return undefined;
}

const clockJson: Handler = ({ state }) =>
  json(200, { now: new Date(state.now()).toISOString(), nowMs: state.now(), offsetMs: state.clock.skew });

/** Most background predictions one request may add (each is a few hundred bytes of state). */
const MAX_BACKGROUND_PER_REQUEST = 100_000;

const addBackground: Handler = async (ctx) => {
  const body = await readJsonObject(ctx);
  const count = body.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_BACKGROUND_PER_REQUEST)
    fail(422, `count: must be a whole number from 1 to ${MAX_BACKGROUND_PER_REQUEST}`);
  if (body.model !== undefined && typeof body.model !== 'string') fail(422, 'model: must be "owner/name"');
  try {
    ctx.state.addBackgroundPredictions(count, body.model as string | undefined);
  } catch (error) {
    fail(422, error instanceof Error ? error.message : String(error));
  }
  return json(201, { backgroundPredictions: ctx.state.counters.backgroundPredictions });
};

/**
 * The emulator's own account of every prediction it made, late ones not yet visible included: what it
 * would bill (`images` made, or `videoSeconds`), so a harness can compare it with a client's budget.
 */
const account: Handler = ({ state, url }) => {
  const withBackground = url.searchParams.get('background') === 'true';
  const predictions = state.predictions
    .inCreationOrder()
    .filter((r) => withBackground || !r.background)
    .map((r) => {
      const view = state.view(r);
      const images = r.plan.files.filter((f) => f.kind === 'image').length;
      const videoSeconds = r.plan.files.reduce((sum, f) => sum + (f.kind === 'video' ? f.durationSeconds : 0), 0);
      return {
        id: r.id,
        model: `${r.model.owner}/${r.model.name}`,
        input: r.input,
        status: view.status,
        started: view.startedAtMs !== undefined,
        visible: state.predictions.get(r.id) !== undefined,
        background: r.background === true,
        units: { images, videoSeconds },
      };
    });
  return json(200, { predictions });
};

const addFaults: Handler = async (ctx) => {
  const body = await readJsonObject(ctx);
  const rules = Array.isArray(body.rules) ? (body.rules as unknown[]) : [body];
  for (const [i, rule] of rules.entries()) {
    const error = checkFaultRule(rule);
    if (error) fail(422, rules.length > 1 ? `rules[${i}].${error}` : error);
  }
  for (const rule of rules) ctx.state.faults.add(rule as FaultRule);
  return json(201, { rules: ctx.state.faults.list() });
};

const addScenario: Handler = async (ctx) => {
  const body = await readJsonObject(ctx);
  const error = checkScenario(body);
  if (error) fail(422, error);
  ctx.state.scenarios.add(body as Scenario);
  return json(201, { ok: true });
};

const advanceClock: Handler = async (ctx) => {
  const body = await readJsonObject(ctx);
  if (body.offsetMs !== undefined) {
    if (typeof body.offsetMs !== 'number' || !Number.isFinite(body.offsetMs))
      fail(422, 'offsetMs: must be a number of milliseconds (negative: the server clock is behind)');
    ctx.state.clock.setSkew(body.offsetMs);
    // An offset moved forward is a jump too: what it carried the clock past (held creates' ends) happens now.
    ctx.state.scheduler.runDue();
    if (body.advanceMs === undefined) return clockJson(ctx);
  }
  const advanceMs = body.advanceMs;
  if (typeof advanceMs !== 'number' || !Number.isFinite(advanceMs) || advanceMs < 0)
    fail(422, 'advanceMs: must be a non-negative number of milliseconds');
  ctx.state.clock.advance(advanceMs);
  ctx.state.scheduler.runDue();
  return clockJson(ctx);
};

/** The admin routes, in the route table's shape (the router adds the admin steps). */
export const ADMIN_ROUTES: ReadonlyArray<{ methods: string[]; path: string; handler: Handler }> = [
  { methods: ['GET'], path: `${ADMIN_PREFIX}/stats`, handler: ({ state }) => json(200, state.stats()) },
  {
    methods: ['GET'],
    path: `${ADMIN_PREFIX}/faults`,
    handler: ({ state }) => json(200, { rules: state.faults.list() }),
  },
  { methods: ['POST'], path: `${ADMIN_PREFIX}/faults`, handler: addFaults },
  {
    methods: ['DELETE'],
    path: `${ADMIN_PREFIX}/faults`,
    handler: ({ state }) => {
      state.faults.clear();
      return { kind: 'body', status: 204 };
    },
  },
  { methods: ['POST'], path: `${ADMIN_PREFIX}/scenarios`, handler: addScenario },
  { methods: ['GET'], path: `${ADMIN_PREFIX}/predictions`, handler: account },
  { methods: ['POST'], path: `${ADMIN_PREFIX}/predictions`, handler: addBackground },
  {
    methods: ['GET'],
    path: `${ADMIN_PREFIX}/webhooks`,
    handler: ({ state }) => json(200, { allow: state.options.webhookAllow ?? [], refused: state.refusedWebhooks }),
  },
  { methods: ['GET'], path: `${ADMIN_PREFIX}/clock`, handler: clockJson },
  { methods: ['POST'], path: `${ADMIN_PREFIX}/clock`, handler: advanceClock },
  {
    methods: ['POST'],
    path: `${ADMIN_PREFIX}/reset`,
    handler: ({ state }) => {
      state.reset();
      return { kind: 'body', status: 204 };
    },
  },
];
