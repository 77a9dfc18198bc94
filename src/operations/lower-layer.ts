// The lower layer: one call per endpoint (create, get, cancel, list, upload, webhook secret), each
// throwing a ReplicateError without the key in it. A create is journaled like any other prediction.

import * as api from '../api.js';
import type { RunMeta } from '../bookkeeping.js';
import { LostCreates, sweepStrays } from '../create-recovery.js';
import { InvalidInputError, ReplicateError } from '../errors.js';
import type { CreatePredictionOptions, ListPredictionsOptions, RequestOptions } from '../types/options.js';
import type { Prediction, UploadedFile } from '../types/prediction.js';
import { CLEANUP_TIMEOUT_MS } from '../waiting.js';
import { checkCallTimeout, isObject, readOptions } from './checks.js';
import type { ClientContext } from './context.js';
import { cleanError, rethrowClean } from './outcome.js';

type CallContext = Pick<ClientContext, 'transport' | 'redact' | 'now'>;

/**
 * Creates a prediction. Retries as the policy says; after an ambiguous failure adopts the prediction the
 * lost request made rather than creating a second one.
 */
export function createPrediction(
  ctx: CallContext & Pick<ClientContext, 'books' | 'ledger' | 'createSettleMs'>,
  options: CreatePredictionOptions,
): Promise<Prediction> {
  return rethrowClean(ctx.redact, async () => {
    const opts = readOptions(options);
    // With a journal, the intent is on disk before the create is sent, and the id once it is known.
    const meta = ctx.books.journal ? lowerLayerMeta(opts) : null;
    if (meta) await ctx.books.intent(meta, null);
    const now = ctx.now();
    const deadline = now + checkCallTimeout(opts.timeoutMs);
    const lost = new LostCreates();
    let prediction: Prediction;
    try {
      prediction = await api.createPrediction(ctx.transport, opts, {
        deadline,
        startedAt: now,
        ledger: ctx.ledger,
        settleMs: ctx.createSettleMs,
        lost,
      });
    } catch (error) {
      if (meta?.requestId && error instanceof ReplicateError && !error.ambiguous)
        await ctx.books.notCreated(meta.requestId);
      throw error;
    }
    if (meta) await ctx.books.created(meta, prediction);
    // A create that was lost and then re-sent may have made a prediction nobody adopted: cancel it now.
    if (lost.unaccounted > 0 && lost.query) {
      const strays = await sweepStrays(
        ctx.transport,
        {
          ...lost.query,
          signal: undefined,
          cleanup: true,
          deadline: Math.max(deadline, ctx.now() + CLEANUP_TIMEOUT_MS),
        },
        lost.unaccounted,
      );
      if (meta) for (const stray of strays) await ctx.books.stray(meta, stray, 0);
    }
    return prediction;
  });
}

export function getPrediction(ctx: CallContext, predictionId: string, options: RequestOptions): Promise<Prediction> {
  return rethrowClean(ctx.redact, () =>
    api.getPrediction(ctx.transport, predictionId, {
      signal: readOptions(options).signal,
      deadline: ctx.now() + checkCallTimeout(readOptions(options).timeoutMs),
    }),
  );
}

export function cancelPrediction(ctx: CallContext, predictionId: string, options: RequestOptions): Promise<Prediction> {
  return rethrowClean(ctx.redact, () =>
    api.cancelPrediction(ctx.transport, predictionId, {
      signal: readOptions(options).signal,
      deadline: ctx.now() + checkCallTimeout(readOptions(options).timeoutMs),
    }),
  );
}

export async function* listPredictions(
  ctx: CallContext,
  options: ListPredictionsOptions,
): AsyncGenerator<Prediction[], void, undefined> {
  try {
    const deadline = ctx.now() + checkCallTimeout(readOptions(options).timeoutMs);
    yield* api.listPredictions(ctx.transport, { ...options, deadline });
  } catch (error) {
    throw cleanError(ctx.redact, error);
  }
}

export function getWebhookSecret(ctx: CallContext, options: RequestOptions): Promise<string> {
  return rethrowClean(ctx.redact, () =>
    api.getWebhookSecret(ctx.transport, {
      signal: readOptions(options).signal,
      deadline: ctx.now() + checkCallTimeout(readOptions(options).timeoutMs),
    }),
  );
}

export function uploadFile(
  ctx: CallContext,
  content: Blob | Uint8Array,
  options: RequestOptions & { filename?: string },
): Promise<UploadedFile> {
  return rethrowClean(ctx.redact, () => {
    const opts = readOptions(options);
    if (!(content instanceof Blob) && !(content instanceof Uint8Array))
      throw new InvalidInputError('content must be a Blob or a Uint8Array');
    const blob = content instanceof Blob ? content : new Blob([Uint8Array.from(content)]);
    return api.uploadFile(ctx.transport, blob, {
      filename: opts.filename ?? 'upload.bin',
      signal: opts.signal,
      deadline: ctx.now() + checkCallTimeout(readOptions(options).timeoutMs),
    });
  });
}

/** The journal's view of a lower-layer create (null when it has no input object to record). */
function lowerLayerMeta(options: CreatePredictionOptions): RunMeta | null {
  if (!isObject(options.input)) return null;
  const target = Object.fromEntries(
    (['model', 'version', 'deployment'] as const)
      .filter((k) => typeof options[k] === 'string')
      .map((k) => [k, options[k] as string]),
  );
  const model = options.model ?? options.deployment ?? options.version;
  if (model === undefined) return null;
  return {
    requestId: globalThis.crypto.randomUUID(),
    model,
    input: options.input,
    kind: 'prediction',
    downloadDir: null,
    durationSeconds: null,
    target,
  };
}
