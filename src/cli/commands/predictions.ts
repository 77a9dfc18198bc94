// `replicate-media predictions`: recent predictions, newest first, as a table.
import { type Prediction, ReplicateError } from '../../index.js';
import { apiError } from '../api-errors.js';
import { numberOption } from '../args.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { API_OPTIONS } from '../options.js';
import { formatDuration, formatTable } from '../output.js';

export interface PredictionsOptions {
  limit: number;
}

export const predictionsCommand = defineCommand<PredictionsOptions>({
  name: 'predictions',
  summary: 'list recent predictions as a table',
  usage: '[--limit 20]',
  description: `Lists your most recent predictions, newest first: id, status, model, when it was created and how
long it ran.`,
  options: [
    { name: 'limit', type: 'string', short: 'n', value: 'N', description: 'how many to show', default: '20' },
    ...API_OPTIONS,
  ],

  parse({ values, positionals }) {
    if (positionals.length > 0)
      throw new UsageError(`Unexpected argument "${positionals[0]}": predictions takes no arguments.`);
    return { limit: numberOption(values, 'limit', { integer: true, min: 1, max: 10_000 }) ?? 20 };
  },

  async run(ctx, { limit }) {
    const client = await ctx.createClient();
    const predictions: Prediction[] = [];
    try {
      outer: for await (const page of client.listPredictions({ signal: ctx.signal })) {
        for (const prediction of pageItems(page)) {
          predictions.push(prediction);
          if (predictions.length >= limit) break outer;
        }
      }
    } catch (error) {
      if (error instanceof ReplicateError) throw apiError(error, 'list predictions');
      throw error;
    }

    ctx.out.json({
      success: true,
      command: 'predictions',
      predictions: predictions.map((p) => ({
        id: p.id,
        status: p.status,
        model: p.model,
        createdAt: p.created_at,
        completedAt: p.completed_at ?? null,
        predictTimeSeconds: p.metrics?.predict_time ?? null,
        error: p.error ?? null,
      })),
    });
    if (predictions.length === 0) {
      ctx.out.line('No predictions yet.');
      return;
    }
    const rows = predictions.map((p) => [
      p.id,
      p.status,
      p.model,
      formatCreated(p.created_at),
      typeof p.metrics?.predict_time === 'number' ? formatDuration(p.metrics.predict_time * 1000) : '-',
    ]);
    ctx.out.line(formatTable(['ID', 'STATUS', 'MODEL', 'CREATED', 'RUN TIME'], rows));
  },
});

/** listPredictions yields pages; accept a page object or an array of predictions. */
function pageItems(page: unknown): Prediction[] {
  if (Array.isArray(page)) return page as Prediction[];
  if (typeof page === 'object' && page !== null && Array.isArray((page as { results?: unknown }).results)) {
    return (page as { results: Prediction[] }).results;
  }
  return [page as Prediction];
}

/** `2026-11-25 16:44:09` in local time: short and sortable. */
function formatCreated(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
