// `replicate-media models`: the model catalogue (src/catalogue.ts), offline: what each model does, how
// it takes frames, its price as Replicate publishes it (or "unknown"), and when that was read.
import { CATALOGUE, type CatalogueEntry } from '../../index.js';
import { stringOption } from '../args.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { HELP_OPTION, JSON_OPTION, VERBOSE_OPTION } from '../options.js';
import { formatTable } from '../output.js';

export interface ModelsOptions {
  kind: 'image' | 'video' | undefined;
}

const WHY_NO_API = 'it lists the built-in catalogue and talks to no API';

/** How a model takes frames, in a few words. */
export function framesText(entry: CatalogueEntry): string {
  const frames = entry.frames;
  switch (frames.kind) {
    case 'first-last': {
      const needs = Object.entries(frames.requires ?? {}).map(([k, v]) => `${k}=${String(v)}`);
      return `first-last: ${frames.startField} -> ${frames.endField}${needs.length > 0 ? ` (${needs.join(', ')})` : ''}`;
    }
    case 'list':
      return `list: ${frames.field}${frames.maxImages ? ` (up to ${frames.maxImages})` : ''}`;
    default:
      return 'none';
  }
}

/** The price as published: `$0.003/image`, `$0.10/second (mode=pro)`, or `unknown`. */
export function priceText(entry: CatalogueEntry): string {
  if (!entry.price.known) return 'unknown';
  return entry.price.tiers
    .map((tier) => {
      const when = Object.entries(tier.when ?? {}).map(([k, v]) => `${k}=${String(v)}`);
      return `$${tier.usd}/${tier.unit}${when.length > 0 ? ` (${when.join(', ')})` : ''}`;
    })
    .join(', ');
}

export const modelsCommand = defineCommand<ModelsOptions>({
  name: 'models',
  summary: 'list the model catalogue: what each does, how it takes frames, price (no key needed)',
  usage: '[--kind image|video] [--json]',
  description: `Lists the image and video models the library knows, from its catalogue: what each does,
how it takes frames (first-last: a start and an end image, so a sequence of N images makes N-1
transitions joined into one video; list: every image in one run), the price Replicate publishes
("unknown" where none could be confirmed: pass one with the client's prices option), and the date
the facts were read. docs/models.md has the sources.`,
  options: [
    { name: 'kind', type: 'string', value: 'K', description: 'only image or video models', whenAbsent: 'both' },
  ],
  globals: [JSON_OPTION, VERBOSE_OPTION, HELP_OPTION],
  refusals: { emulator: WHY_NO_API, 'base-url': WHY_NO_API, speed: WHY_NO_API },
  examples: ['replicate-media models --kind video', 'replicate-media models --json'],

  parse({ values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}": use --kind K.`);
    const kind = stringOption(values, 'kind');
    if (kind !== undefined && kind !== 'image' && kind !== 'video')
      throw new UsageError(`--kind must be image or video, got "${kind}".`);
    return { kind };
  },

  async run(ctx, { kind }) {
    const entries = CATALOGUE.filter((entry) => kind === undefined || entry.kind === kind);
    ctx.out.json({
      success: true,
      command: 'models',
      models: entries.map((entry) => ({
        model: entry.model,
        kind: entry.kind,
        status: entry.status,
        summary: entry.summary,
        frames: entry.frames,
        price: entry.price,
        limits: entry.limits,
        source: entry.source,
        readOn: entry.readOn,
      })),
    });
    const rows = entries.map((entry) => [
      entry.model,
      entry.kind,
      framesText(entry),
      priceText(entry),
      entry.readOn,
      `${entry.status === 'modelled' ? '[modelled] ' : ''}${entry.summary}`,
    ]);
    ctx.out.line(formatTable(['MODEL', 'KIND', 'FRAMES', 'PRICE', 'READ ON', 'WHAT IT DOES'], rows));
    ctx.out.line();
    ctx.out.line(
      'first-last models turn N images into N-1 transitions joined into one video: replicate-media video a.png b.png c.png --model kwaivgi/kling-v2.1',
    );
  },
});
