// Scenarios: scripted outcomes and timings for upcoming predictions, matched by model and prompt.

import type { Scenario } from './types.js';

export class ScenarioQueue {
  private entries: Array<{ scenario: Scenario; remaining: number }> = [];

  add(scenario: Scenario): void {
    const remaining = scenario.count ?? 1;
    if (remaining > 0) this.entries.push({ scenario, remaining });
  }

  /** The first scenario matching this prediction, consuming one of its uses. */
  take(model: string, prompt: unknown): Scenario | undefined {
    const text = typeof prompt === 'string' ? prompt : '';
    const entry = this.entries.find(
      (e) =>
        (e.scenario.model === undefined || e.scenario.model === model) &&
        (e.scenario.promptIncludes === undefined || text.includes(e.scenario.promptIncludes)),
    );
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.entries.splice(this.entries.indexOf(entry), 1);
    return entry.scenario;
  }

  clear(): void {
    this.entries = [];
  }
}
