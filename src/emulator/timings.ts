// How long a run takes, from most to least specific: a scenario, a prompt directive, the options'
// per-model timings, the options' '*' timings, the model's own; all divided by `speed`.

import type { ModelSpec } from './models.js';
import { modelName } from './models.js';
import type { EmulatorState } from './state.js';
import type { ModelTimings } from './types.js';

export function resolveTimings(
  state: EmulatorState,
  model: ModelSpec,
  ...overrides: Array<ModelTimings | undefined>
): { startMs: number; predictMs: number } {
  const forModel = state.options.timings?.[modelName(model)];
  const forAll = state.options.timings?.['*'];
  const pick = (key: 'startMs' | 'predictMs') => {
    const given = overrides.find((o) => o?.[key] !== undefined)?.[key];
    const ms = given ?? forModel?.[key] ?? forAll?.[key] ?? model.timings[key];
    return Number.isFinite(ms) ? Math.max(0, ms) / state.speed : model.timings[key] / state.speed;
  };
  return { startMs: pick('startMs'), predictMs: pick('predictMs') };
}
