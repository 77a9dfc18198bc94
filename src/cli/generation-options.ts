// The options that the generating commands (image, video, batch, demo, poll) share: their
import { DEFAULT_INTERVAL_MS } from '../defaults.js';
// declarations and their checks, written once so that they cannot drift apart.
import type { DownloadTo, StatusUpdate } from '../index.js';
import { numberOption, type OptionValues, positiveOption, secondsOption, stringOption } from './args.js';
import { CLI_PREFER_WAIT_SECONDS, type CommandContext } from './context.js';
import { UsageError } from './errors.js';
import type { OptionDecl } from './options.js';
import { type StatusSeen, savingTo, statusListener } from './status-listener.js';

export const DEFAULT_OUT_DIR = 'replicate-output';

export const ASPECT_RATIOS = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'];
export const FORMATS: Record<string, string> = { webp: 'webp', jpg: 'jpg', jpeg: 'jpg', png: 'png' };

/** `-m, --model M`, defaulting to the command's model. */
export function modelOption(defaultModel: string): OptionDecl {
  return { name: 'model', type: 'string', short: 'm', value: 'M', description: 'model', default: defaultModel };
}

/** `-o, --out DIR`. */
export function outOption(what: string): OptionDecl {
  return {
    name: 'out',
    type: 'string',
    short: 'o',
    value: 'DIR',
    description: `where to save ${what}`,
    default: DEFAULT_OUT_DIR,
  };
}

export const FORMAT_OPTION: OptionDecl = {
  name: 'format',
  type: 'string',
  value: 'F',
  description: 'webp, jpg or png',
  whenAbsent: "the model's default, webp",
};
export const ASPECT_RATIO_OPTION: OptionDecl = {
  name: 'aspect-ratio',
  type: 'string',
  value: 'R',
  description: ASPECT_RATIOS.join(' '),
  whenAbsent: "the model's default, 1:1",
};

/** `--timeout S`: what it gives up on, and after how long by default (the client's default). */
export function timeoutOption(description: string, defaultMs: number): OptionDecl {
  return { name: 'timeout', type: 'string', value: 'S', description, default: String(defaultMs / 1000) };
}
export const INTERVAL_OPTION: OptionDecl = {
  name: 'interval',
  type: 'string',
  value: 'S',
  description: 'seconds between status checks',
  default: String(DEFAULT_INTERVAL_MS / 1000),
};
export const WAIT_OPTION: OptionDecl = {
  name: 'wait',
  type: 'string',
  value: 'S',
  description: 'hold each create up to S seconds (0-60) for a fast answer; 0 polls at once',
  default: String(CLI_PREFER_WAIT_SECONDS),
};
export function noDownloadOption(what: string): OptionDecl {
  return { name: 'no-download', type: 'boolean', description: `print the output ${what} instead of saving` };
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

/** `--wait`: how long a create may hold its answer, 0-60 s. */
export function preferWaitOf(values: OptionValues): number {
  return numberOption(values, 'wait', { integer: true, min: 0, max: 60 }) ?? CLI_PREFER_WAIT_SECONDS;
}

/** What `--out`, `--timeout`, `--interval`, `--wait` and `--no-download` asked of one generation. */
export interface SingleGeneration {
  outDir: string;
  timeoutMs: number | undefined;
  intervalMs: number | undefined;
  preferWaitSeconds: number;
  /** False with `--no-download`: the command prints the output URLs instead. */
  download: boolean;
  /** `--budget`, dollars; undefined without it. */
  budgetUsd: number | undefined;
  /** `--journal` as given; undefined leaves the choice to the environment and the default. */
  journal: string | undefined;
}

/** Reads `--out`, `--timeout`, `--interval`, `--wait` and `--no-download`, in that order. */
export function singleGenerationOf(values: OptionValues): SingleGeneration {
  const outDir = stringOption(values, 'out') ?? DEFAULT_OUT_DIR;
  const timeoutMs = secondsOption(values, 'timeout');
  const intervalMs = secondsOption(values, 'interval');
  const preferWaitSeconds = preferWaitOf(values);
  const download = values['no-download'] !== true;
  return {
    outDir,
    timeoutMs,
    intervalMs,
    preferWaitSeconds,
    download,
    budgetUsd: budgetOf(values),
    journal: stringOption(values, 'journal'),
  };
}

/** `--budget USD`: a positive number of dollars (a non-positive one is a usage error, exit 2). */
export function budgetOf(values: OptionValues): number | undefined {
  return positiveOption(values, 'budget', 'dollars');
}

/** What a generating command asks of its client: the create hold, the budget and the journal. */
export function clientChoiceOf(generation: Pick<SingleGeneration, 'preferWaitSeconds' | 'budgetUsd' | 'journal'>) {
  return {
    preferWaitSeconds: generation.preferWaitSeconds,
    ...(generation.budgetUsd !== undefined ? { budgetUsd: generation.budgetUsd } : {}),
    ...(generation.journal !== undefined ? { journal: generation.journal } : {}),
  };
}

/**
 * The options of the client call that waits for one generation: Ctrl-C, the status line, the
 * deadline and polling interval, and saving into the output directory unless `--no-download`.
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

/**
 * What to print instead of output URLs that died with the embedded emulator (`--emulator
 * --no-download`): they were served by an emulator inside this process, which has stopped.
 */
export function embeddedOutputsGone(what: string): string {
  return (
    `The ${what} ${what.endsWith('s') ? 'were' : 'was'} not saved (--no-download) and ${what.endsWith('s') ? 'are' : 'is'} gone: ` +
    'the embedded emulator that served them lived only as long as this command. To keep outputs, drop --no-download ' +
    '(they are saved into the output directory), or run `replicate-media emulator` in another terminal and pass ' +
    '--base-url http://127.0.0.1:8787/v1 instead of --emulator.'
  );
}
