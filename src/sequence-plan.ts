// Planning a sequence of transitions: how a requested total duration is split across the transitions a
// first-last-frame model will make, within the durations that model allows, and what will be billed.
// Pure: no I/O, so `estimate` and `generateVideo` can show the same plan before anything is paid for.

import { type CatalogueEntry, catalogueEntry, type PriceTier } from './catalogue.js';
import { InvalidInputError } from './errors.js';
import { printable } from './internal/printable.js';

export interface PlanTransitionsOptions {
  /** How many images the sequence has: a first-last-frame model makes `images - 1` transitions. */
  images: number;
  /** The total duration asked for, in seconds. */
  totalSeconds: number;
  /** The other inputs the runs will get (e.g. `{ mode: 'pro' }`), to pick the price tier that applies. */
  input?: Readonly<Record<string, unknown>>;
  /** A price to use instead of the catalogue's (required to get a cost for a model whose price is unknown). */
  price?: PriceTier;
}

export interface TransitionPlan {
  model: string;
  /** How many predictions will run. */
  runs: number;
  /** The duration asked for. */
  requestedSeconds: number;
  /** The duration each run will be asked for, in order; each is one the model allows. */
  durations: number[];
  /** What the joined video will last: the sum of `durations`. */
  billedSeconds: number;
  /** What the runs will cost in USD, or `'unknown'` when no price is known for them. */
  costUsd: number | 'unknown';
  /** Why the cost is unknown, or how the plan differs from what was asked; null when it is exact. */
  note: string | null;
}

const MICROS = 1_000_000;
/** Past this many transitions a sequence is surely a mistake (and the planning table would grow large). */
const MAX_TRANSITIONS = 1000;

/** The durations a run may be asked for, as a sorted list of whole seconds (null: the model takes any). */
function allowedDurations(entry: CatalogueEntry): number[] | null {
  const durations = entry.limits.durations;
  if (!durations) return null;
  if (Array.isArray(durations)) return [...durations].sort((a, b) => a - b);
  const { min, max } = durations as { min: number; max: number };
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

/** For each count m of runs, every total reachable with m allowed durations. */
function reachableTotals(allowed: number[], runs: number): Set<number>[] {
  const reach: Set<number>[] = [new Set([0])];
  for (let m = 1; m <= runs; m++) {
    const next = new Set<number>();
    for (const total of reach[m - 1] as Set<number>) for (const d of allowed) next.add(total + d);
    reach.push(next);
  }
  return reach;
}

/**
 * Splits `total` into `runs` allowed durations: the reachable total nearest to `total` (on a tie the
 * shorter, which costs less), spread as evenly as the allowed values permit.
 */
export function splitDuration(allowed: readonly number[], runs: number, total: number): number[] {
  const values = [...allowed].sort((a, b) => a - b);
  const reach = reachableTotals(values, runs);
  let best = Number.NaN;
  for (const sum of reach[runs] as Set<number>) {
    const better = Math.abs(sum - total) - Math.abs(best - total);
    if (Number.isNaN(best) || better < 0 || (better === 0 && sum < best)) best = sum;
  }
  const durations: number[] = [];
  let remaining = best;
  for (let left = runs; left > 0; left--) {
    const fair = remaining / left;
    let pick = Number.NaN;
    for (const d of values) {
      if (!(reach[left - 1] as Set<number>).has(remaining - d)) continue;
      if (Number.isNaN(pick) || Math.abs(d - fair) < Math.abs(pick - fair)) pick = d;
    }
    durations.push(pick);
    remaining -= pick;
  }
  return durations;
}

/** The catalogue's price tier that applies to `input` (schema defaults filled in), or undefined. */
function tierFor(entry: CatalogueEntry, input: Readonly<Record<string, unknown>>): PriceTier | undefined {
  if (!entry.price.known) return undefined;
  const withDefaults: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(entry.input))
    if (field.default !== undefined) withDefaults[name] = field.default;
  Object.assign(withDefaults, input);
  return entry.price.tiers.find((tier) =>
    Object.entries(tier.when ?? {}).every(([name, value]) => withDefaults[name] === value),
  );
}

function costOf(tier: PriceTier, durations: number[]): number | 'unknown' {
  if (tier.unit === 'image') return 'unknown';
  const unit = Math.round(tier.usd * MICROS);
  const micros =
    tier.unit === 'run' ? unit * durations.length : durations.reduce((n, d) => n + Math.round(d * unit), 0);
  return micros / MICROS;
}

/**
 * Plans a sequence on a catalogue video model: how many runs, each run's duration (within the model's
 * allowed values), the total that will be billed and what it costs. A first-last-frame model makes one
 * run per pair of neighbouring images; a list-of-images model makes one run for the whole sequence.
 *
 * @throws InvalidInputError for a model not in the catalogue or not a video model, fewer than two
 *   images for a first-last-frame model, or a duration that is not a positive finite number.
 */
export function planTransitions(model: string, options: PlanTransitionsOptions): TransitionPlan {
  const entry = catalogueEntry(model);
  if (entry?.kind !== 'video') {
    throw new InvalidInputError(
      `"${printable(model)}" is not a video model in the catalogue; run \`replicate-media models\` to see the ones that are`,
    );
  }
  const { images, totalSeconds } = options;
  if (!Number.isInteger(images) || images < 1) {
    throw new InvalidInputError(`images must be a whole number of at least 1, got ${printable(images, 40)}`);
  }
  if (typeof totalSeconds !== 'number' || !Number.isFinite(totalSeconds) || totalSeconds <= 0) {
    throw new InvalidInputError(
      `totalSeconds must be a positive number of seconds, got ${printable(totalSeconds, 40)}`,
    );
  }
  const firstLast = entry.frames.kind === 'first-last';
  if (firstLast && images < 2) {
    throw new InvalidInputError(
      `${entry.model} moves from one image to the next, so a sequence needs at least 2 images, got ${images}`,
    );
  }
  const runs = firstLast ? images - 1 : 1;
  if (runs > MAX_TRANSITIONS) {
    throw new InvalidInputError(`${runs} transitions is more than the ${MAX_TRANSITIONS} a sequence may have`);
  }

  const allowed = allowedDurations(entry);
  const durations = allowed ? splitDuration(allowed, runs, totalSeconds) : [totalSeconds];
  const billedSeconds = durations.reduce((n, d) => n + d, 0);
  const notes: string[] = [];
  if (billedSeconds !== totalSeconds) {
    notes.push(
      `${entry.model} makes ${allowed?.join('|')} s per run, so ${runs} run${runs === 1 ? '' : 's'} last ${billedSeconds} s, not ${totalSeconds} s`,
    );
  }
  const tier = options.price ?? tierFor(entry, options.input ?? {});
  const costUsd = tier ? costOf(tier, durations) : 'unknown';
  if (costUsd === 'unknown') {
    const why = entry.price.known ? 'no price tier applies to these inputs' : entry.price.note;
    notes.push(`cost unknown: ${why} Pass a price to estimate it.`);
  }
  return {
    model: entry.model,
    runs,
    requestedSeconds: totalSeconds,
    durations,
    billedSeconds,
    costUsd,
    note: notes.length > 0 ? notes.join('; ') : null,
  };
}
