// The options that the generating commands (image, video, batch, demo, poll) share: their specs,
// their checks and the client that `--wait` asks for, written once so that they cannot drift apart.
import type { DownloadTo, ReplicateClient, StatusUpdate } from '../index.js';
import {
  booleanOption,
  numberOption,
  type OptionSpec,
  type OptionValues,
  secondsOption,
  stringOption,
} from './args.js';
import type { CommandContext } from './context.js';
import { UsageError } from './errors.js';
import { type StatusSeen, savingTo, statusListener } from './predictions.js';

export const DEFAULT_OUT_DIR = 'replicate-output';

export const ASPECT_RATIOS = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'];
export const FORMATS: Record<string, string> = { webp: 'webp', jpg: 'jpg', jpeg: 'jpg', png: 'png' };

/** `-m, --model M`. */
export const MODEL_OPTION = { model: { type: 'string', short: 'm' } } as const satisfies OptionSpec;
/** `-o, --out DIR`. */
export const OUT_OPTION = { out: { type: 'string', short: 'o' } } as const satisfies OptionSpec;
/** `--format F` and `--aspect-ratio R`, read by {@link formatInput} and {@link aspectRatioInput}. */
export const IMAGE_FORMAT_OPTIONS = {
  format: { type: 'string' },
  'aspect-ratio': { type: 'string' },
} as const satisfies OptionSpec;
/** `-o, --out DIR`, `--timeout S`, `--interval S`, `--wait S` and `--no-download` of one generation. */
export const SINGLE_GENERATION_OPTIONS = {
  ...OUT_OPTION,
  timeout: { type: 'string' },
  interval: { type: 'string' },
  wait: { type: 'string' },
  'no-download': { type: 'boolean' },
} as const satisfies OptionSpec;

/** `--out`, or the default output directory. */
export function outDirOption(values: OptionValues): string {
  return stringOption(values, 'out') ?? DEFAULT_OUT_DIR;
}

/** Checks `--aspect-ratio` and puts it into a model input. */
export function aspectRatioInput(values: OptionValues, input: Record<string, unknown>): void {
  const aspectRatio = stringOption(values, 'aspect-ratio');
  if (aspectRatio === undefined) return;
  if (!ASPECT_RATIOS.includes(aspectRatio)) {
    throw new UsageError(`--aspect-ratio must be one of ${ASPECT_RATIOS.join(', ')}, not "${aspectRatio}".`);
  }
  input.aspect_ratio = aspectRatio;
}

/** Checks `--format` (webp, jpg/jpeg or png, any case) and puts it into a model input. */
export function formatInput(values: OptionValues, input: Record<string, unknown>): void {
  const format = stringOption(values, 'format');
  if (format === undefined) return;
  const normalized = FORMATS[format.toLowerCase()];
  if (normalized === undefined) throw new UsageError(`--format must be webp, jpg or png, not "${format}".`);
  input.output_format = normalized;
}

/** The command's client, holding each create up to `--wait` seconds (0-60) when it is given. */
export async function clientWithWait(ctx: CommandContext, values: OptionValues): Promise<ReplicateClient> {
  const preferWaitSeconds = numberOption(values, 'wait', { integer: true, min: 0, max: 60 });
  return ctx.createClient(preferWaitSeconds !== undefined ? { preferWaitSeconds } : {});
}

/** What {@link SINGLE_GENERATION_OPTIONS} asked for. */
export interface SingleGeneration {
  outDir: string;
  timeoutMs: number | undefined;
  intervalMs: number | undefined;
  /** False with `--no-download`: the command prints the output URLs instead. */
  download: boolean;
}

/** Reads `--out`, `--timeout`, `--interval` and `--no-download`, in that order. */
export function singleGenerationOf(values: OptionValues): SingleGeneration {
  const outDir = outDirOption(values);
  const timeoutMs = secondsOption(values, 'timeout');
  const intervalMs = secondsOption(values, 'interval');
  const download = !booleanOption(values, 'no-download');
  return { outDir, timeoutMs, intervalMs, download };
}

/**
 * The options of the client call that waits for one generation: Ctrl-C, the status line, the
 * deadline and polling interval when given, and saving into the output directory unless `--no-download`.
 */
export function generationCallOptions(
  ctx: CommandContext,
  label: string,
  costUsd: number | null,
  seen: StatusSeen,
  generation: SingleGeneration,
): {
  signal: AbortSignal;
  onStatus: (update: StatusUpdate) => void;
  download?: DownloadTo;
  timeoutMs?: number;
  intervalMs?: number;
} {
  const { outDir, timeoutMs, intervalMs, download } = generation;
  return {
    signal: ctx.signal,
    onStatus: statusListener(ctx, label, costUsd, seen, download ? outDir : null),
    // Saved by the client, so that a journal records where (and `resume` can finish after a crash).
    ...(download ? { download: savingTo(ctx, outDir) } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(intervalMs !== undefined ? { intervalMs } : {}),
  };
}
