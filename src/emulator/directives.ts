// Prompt directives: a way for tests and CLI users, who cannot reach the emulator's code, to steer
// one prediction: `[emulator:fail]`, `[emulator:fail=message]`, `[emulator:predict_ms=N]`, `[emulator:start_ms=N]`,
// `[emulator:quirk=wait-processing-with-output]`, `[emulator:quirk=internal-model]` (see PredictionQuirk).

import { PREDICTION_QUIRKS, type PredictionQuirk } from './predictions.js';

export interface Directives {
  quirk?: PredictionQuirk;
  fail?: string;
  startMs?: number;
  predictMs?: number;
}

export const DEFAULT_FAILURE = 'Prediction failed (emulated failure)';

export function parseDirectives(prompt: unknown): Directives {
  if (typeof prompt !== 'string') return {};
  const found: Directives = {};
  for (const match of prompt.matchAll(/\[emulator:([a-z_]+)(?:=([^\]]*))?\]/g)) {
    const [, key, value] = match;
    if (key === 'fail') found.fail = value?.trim() || DEFAULT_FAILURE;
    else if (key === 'predict_ms' && value !== undefined && Number.isFinite(Number(value)))
      found.predictMs = Math.max(0, Number(value));
    else if (key === 'start_ms' && value !== undefined && Number.isFinite(Number(value)))
      found.startMs = Math.max(0, Number(value));
    else if (key === 'quirk' && PREDICTION_QUIRKS.includes(value as PredictionQuirk))
      found.quirk = value as PredictionQuirk;
  }
  return found;
}
