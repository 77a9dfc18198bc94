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
  for (const key of ['model', 'promptIncludes', 'fail'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'string') return `${key}: must be a string`;
  }
  for (const key of ['count', 'startMs', 'predictMs'] as const) {
    if (value[key] !== undefined && (typeof value[key] !== 'number' || (value[key] as number) < 0))
      return `${key}: must be a non-negative number`;
  }
  if (value.quirk !== undefined && !PREDICTION_QUIRKS.includes(value.quirk as PredictionQuirk))
    return `quirk: must be one of ${PREDICTION_QUIRKS.join(', ')}`;
  return undefined;
}

const clockJson: Handler = ({ state }) => json(200, { now: new Date(state.now()).toISOString(), nowMs: state.now() });

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
