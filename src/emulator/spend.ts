// The emulator's account of spend: what its succeeded predictions would have cost on Replicate at the
// prices the library's catalogue gives (src/catalogue.ts: per image, per second of video, per run, by
// mode). A model whose price is unknown there is not guessed at: it is counted as unpriced instead.

import { catalogueEntry, type PriceTier } from '../catalogue.js';
import type { PredictionRecord } from './predictions.js';
import type { EmulatorState } from './state.js';

export interface EmulatedSpend {
  /** USD, summed in whole micro-dollars. */
  spentUsd: number;
  /** Succeeded predictions of models without a known price (not in spentUsd). */
  unpricedPredictions: number;
}

/** The price tier of the catalogue that applies to a prediction's input (schema defaults filled in), if any. */
function tierOf(record: PredictionRecord): PriceTier | undefined {
  const entry = catalogueEntry(`${record.model.owner}/${record.model.name}`);
  if (!entry?.price.known) return undefined;
  const input: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(entry.input)) if (field.default !== undefined) input[name] = field.default;
  Object.assign(input, record.input);
  return entry.price.tiers.find((tier) => Object.entries(tier.when ?? {}).every(([k, v]) => input[k] === v));
}

function costMicros(record: PredictionRecord, tier: PriceTier): number {
  const unit = Math.round(tier.usd * 1_000_000);
  const files = record.plan.files;
  switch (tier.unit) {
    case 'image':
      return unit * files.filter((f) => f.kind === 'image').length;
    case 'second':
      return files.reduce((n, f) => n + (f.kind === 'video' ? Math.round(f.durationSeconds * unit) : 0), 0);
    default:
      return unit;
  }
}

/** What the succeeded predictions since the last reset cost, at the catalogue's prices. */
export function emulatedSpend(state: EmulatorState): EmulatedSpend {
  let micros = 0;
  let unpricedPredictions = 0;
  for (const record of state.predictions.inCreationOrder()) {
    if (state.view(record).status !== 'succeeded') continue;
    const tier = tierOf(record);
    if (tier) micros += costMicros(record, tier);
    else unpricedPredictions++;
  }
  return { spentUsd: micros / 1_000_000, unpricedPredictions };
}
