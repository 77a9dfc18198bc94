// The control API, outside `/v1` and without auth: stats, faults, scenarios, clock, reset.
// It is how tests in other processes (and the CLI) steer a running emulator.

import { checkFaultRule } from './faults.js';
import { json, type Reply, type RequestContext, readJsonObject } from './http.js';
import { fail } from './problem.js';
import type { EmulatorState } from './state.js';
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
  return undefined;
}

/** Handles an admin request, or returns undefined when the path is not an admin route. */
export async function handleAdmin(ctx: RequestContext, state: EmulatorState): Promise<Reply | undefined> {
  const route = `${ctx.req.method} ${ctx.url.pathname.slice(ADMIN_PREFIX.length)}`;
  switch (route) {
    case 'GET /stats':
      return json(200, state.stats());
    case 'GET /faults':
      return json(200, { rules: state.faults.list() });
    case 'POST /faults': {
      const body = await readJsonObject(ctx);
      const rules = Array.isArray(body.rules) ? (body.rules as unknown[]) : [body];
      for (const [i, rule] of rules.entries()) {
        const error = checkFaultRule(rule);
        if (error) fail(422, rules.length > 1 ? `rules[${i}].${error}` : error);
      }
      for (const rule of rules) state.faults.add(rule as FaultRule);
      return json(201, { rules: state.faults.list() });
    }
    case 'DELETE /faults':
      state.faults.clear();
      return { kind: 'body', status: 204 };
    case 'POST /scenarios': {
      const body = await readJsonObject(ctx);
      const error = checkScenario(body);
      if (error) fail(422, error);
      state.scenarios.add(body as Scenario);
      return json(201, { ok: true });
    }
    case 'GET /clock':
      return json(200, { now: new Date(state.now()).toISOString(), nowMs: state.now() });
    case 'POST /clock': {
      const body = await readJsonObject(ctx);
      const advanceMs = body.advanceMs;
      if (typeof advanceMs !== 'number' || !Number.isFinite(advanceMs) || advanceMs < 0)
        fail(422, 'advanceMs: must be a non-negative number of milliseconds');
      state.clock.advance(advanceMs);
      state.scheduler.runDue();
      return json(200, { now: new Date(state.now()).toISOString(), nowMs: state.now() });
    }
    case 'POST /reset':
      state.reset();
      return { kind: 'body', status: 204 };
    default:
      return undefined;
  }
}
