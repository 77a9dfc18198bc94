// The shapes of service mode (docs/service.md): what a submit takes and gives back, what the webhook
// handler and the reconciler take, and how a finished prediction is handed to the caller.

import type { DownloadTo } from '../types/options.js';
import type { Prediction } from '../types/prediction.js';
import type { ImageResult, VideoResult } from '../types/results.js';

/** Options every submit takes. */
export interface SubmitOptions {
  /**
   * Where Replicate delivers the prediction when it has finished (`completed` events only): an https URL
   * (plain http is for a loopback host, as the emulator allows). Required.
   */
  webhook: string;
  /**
   * How long the prediction may run before Replicate cancels it (sent as `Cancel-After`, whole seconds, at
   * least 5), so a prediction nobody hears about cannot run for ever. Default 600 000 (image), 1 200 000 (video).
   */
  cancelAfterMs?: number;
  /** `owner/name` or `owner/name:version`. */
  model?: string;
  /** Extra model inputs. */
  input?: Record<string, unknown>;
  /** Save the outputs into this directory when the prediction is finished (by whichever instance finishes it). */
  download?: Pick<DownloadTo, 'dir'>;
  /** Aborts the create (nothing after it). */
  signal?: AbortSignal;
}

export interface SubmitImageOptions extends SubmitOptions {}

export interface SubmitVideoOptions extends SubmitOptions {
  prompt?: string;
  /** Seconds of video (what the cost is estimated on). Default one second per image. */
  durationSeconds?: number;
  fps?: number;
}

/** What a submit resolves to: the prediction exists, journaled, and Replicate will call the webhook. */
export interface SubmittedPrediction {
  predictionId: string;
  /** What the call is estimated to cost (held against the budget until it finishes); null without a price. */
  estimateUsd: number | null;
  /** The create's answer (status `starting`, usually). */
  prediction: Prediction;
}

/** A finished prediction as it is handed to the caller: the same object generateImage / generateVideo return. */
export type ServiceResult =
  | { kind: 'image'; predictionId: string; result: ImageResult; via: 'webhook' | 'reconciler' }
  | { kind: 'video'; predictionId: string; result: VideoResult; via: 'webhook' | 'reconciler' };

/**
 * Called once for each finished prediction a submit made. Throwing (or rejecting) leaves the prediction
 * unfinished in the journal: the delivery is answered 500, so Replicate's retry (or the reconciler)
 * hands it over again. A crash after it returned and before the journal recorded it can hand the same
 * prediction over again after a restart: key what you store by `predictionId`.
 */
export type ResultListener = (finished: ServiceResult) => void | Promise<void>;

/** Options of `client.webhookHandler()`. */
export interface ServiceWebhookOptions {
  onResult: ResultListener;
  /** The signing secret (`whsec_...`). Default: fetched once from the API (`getWebhookSecret`). */
  secret?: string | (() => string | Promise<string>);
  /** Largest accepted distance between a delivery's timestamp and now. Default 300 s. */
  toleranceSeconds?: number;
}

/** The handler in both shapes. */
export interface ServiceWebhookHandler {
  /** Web-standard: `(request) => response` (Hono, Next.js route handlers, Workers, Deno, Bun). */
  fetch(request: Request): Promise<Response>;
  /** `node:http` (and Express before any body parser): `(req, res)`. */
  node(
    req: import('../webhook-handler.js').NodeWebhookRequest,
    res: import('../webhook-handler.js').NodeWebhookResponse,
  ): Promise<void>;
}

/** Options of `client.reconciler()`. */
export interface ReconcilerOptions {
  onResult: ResultListener;
  /**
   * How long after its creation a prediction is left to its webhook before the reconciler polls it.
   * Default 120 000 (Replicate's last retry of a `completed` delivery is about a minute after completion).
   */
  graceMs?: number;
}

/** What one reconciling pass did. */
export interface ReconcileReport {
  /** Predictions polled (unfinished, older than the grace period). */
  checked: number;
  /** Those found finished and handed over. */
  finished: string[];
  /** Those still running (left for the next pass or their webhook). */
  running: string[];
  /** Those that could not be polled or handed over (`onResult` threw, a network failure): retried next pass. */
  failed: Array<{ predictionId: string; error: string }>;
}

/** A reconciler: passes on demand, or every `everyMs` once started. */
export interface Reconciler {
  /** One pass now. */
  runOnce(): Promise<ReconcileReport>;
  /** Runs a pass every `everyMs` (default 30 000) until `stop()`; never keeps a Node process alive by itself. */
  start(everyMs?: number): void;
  /** Stops the passes and waits for the one running, if any. */
  stop(): Promise<void>;
}
