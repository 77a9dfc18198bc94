// Fault injection: scripted, seeded failures per route (see FaultRule). Each rule draws from its own
// generator, seeded by the emulator seed and the rule's position, so a run repeats exactly.

import { seededRandom } from './random.js';
import type { FaultRule, FaultType, RouteName } from './types.js';

const FAULT_TYPES: readonly FaultType[] = [
  'status',
  'reset-before',
  'reset-after-create',
  'stall',
  'malformed-json',
  'truncate',
  'latency',
  'late-create',
  'stream-408',
  'stream-no-newlines',
];

/** Fault types that only make sense on one route: with `route: '*'` they hit only that route. */
const ONLY_ON: Partial<Record<FaultType, RouteName>> = {
  'reset-after-create': 'predictions.create',
  'late-create': 'predictions.create',
  'stream-408': 'stream',
  'stream-no-newlines': 'stream',
};

/** What to do to one request: an added delay, then at most one other fault. */
export interface FaultPlan {
  latencyMs: number;
  fault?: FaultRule;
}

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
  random: () => number;
}

/** Checks a rule from the admin route or options; returns an error message or undefined. */
export function checkFaultRule(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'a fault rule must be an object';
  const rule = value as Record<string, unknown>;
  if (typeof rule.route !== 'string') return 'route: required (a route name or "*")';
  if (!FAULT_TYPES.includes(rule.type as FaultType)) return `type: must be one of ${FAULT_TYPES.join(', ')}`;
  if (rule.count !== undefined && rule.count !== null && (typeof rule.count !== 'number' || rule.count < 0))
    return 'count: must be a non-negative number';
  if (
    rule.probability !== undefined &&
    (typeof rule.probability !== 'number' || rule.probability < 0 || rule.probability > 1)
  )
    return 'probability: must be between 0 and 1';
  if (rule.status !== undefined && (typeof rule.status !== 'number' || rule.status < 100 || rule.status > 599))
    return 'status: must be an HTTP status';
  if (rule.ms !== undefined && (typeof rule.ms !== 'number' || rule.ms < 0)) return 'ms: must be a non-negative number';
  if (
    rule.retryAfterSeconds !== undefined &&
    rule.retryAfterSeconds !== null &&
    (typeof rule.retryAfterSeconds !== 'number' || rule.retryAfterSeconds < 0)
  )
    return 'retryAfterSeconds: must be a non-negative number or null';
  if (rule.retryAfterDate !== undefined && typeof rule.retryAfterDate !== 'boolean')
    return 'retryAfterDate: must be true or false';
  if (rule.bytes !== undefined && (typeof rule.bytes !== 'number' || rule.bytes < 0))
    return 'bytes: must be a non-negative number';
  return undefined;
}

export class FaultEngine {
  private rules: ActiveRule[] = [];
  private added = 0;

  constructor(private readonly seed: number) {}

  add(rule: FaultRule): void {
    // JSON has no Infinity: a null count (or "Infinity") from the admin route means "until cleared".
    const count =
      rule.count === undefined ? 1 : rule.count === null || String(rule.count) === 'Infinity' ? Infinity : rule.count;
    this.rules.push({
      rule: { ...rule, count },
      remaining: count,
      random: seededRandom((this.seed * 7919 + this.added++ * 104729) >>> 0),
    });
  }

  clear(): void {
    this.rules = [];
  }

  /** Decides the faults for one request to `route`, consuming matching rules. */
  plan(route: RouteName): FaultPlan {
    const plan: FaultPlan = { latencyMs: 0 };
    for (const active of this.rules) {
      if (active.remaining <= 0) continue;
      if (active.rule.route !== '*' && active.rule.route !== route) continue;
      const only = ONLY_ON[active.rule.type];
      if (only !== undefined && active.rule.route === '*' && route !== only) continue;
      if (active.rule.type !== 'latency' && plan.fault) continue;
      const probability = active.rule.probability ?? 1;
      if (probability < 1 && active.random() >= probability) continue;
      active.remaining -= 1;
      if (active.rule.type === 'latency') plan.latencyMs += active.rule.ms ?? 0;
      else plan.fault = active.rule;
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return plan;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r.rule, count: r.remaining }));
  }
}
