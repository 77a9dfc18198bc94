// The webhook endpoint of service mode: today's handler (verify, parse, once per webhook-id, in both
// shapes) whose callback hands the delivered prediction over (hand-over.ts). A delivery for a prediction
// no submit made is answered 200 and ignored; a failed hand-over answers 500, so Replicate retries it.

import type * as lower from '../operations/lower-layer.js';
import { createNodeWebhookHandler, createWebhookHandler, type DeliveryLedger } from '../webhook-handler.js';
import { type HandOverContext, handOver } from './hand-over.js';
import type { ServiceWebhookHandler, ServiceWebhookOptions } from './types.js';

export type ServiceWebhookContext = HandOverContext & {
  now: () => number;
  /** Fetches the signing secret from the API (used when the options give none). */
  fetchSecret: () => ReturnType<typeof lower.getWebhookSecret>;
  /** Delivery ids shared by every instance (the shared journal), or undefined for memory only. */
  deliveries?: DeliveryLedger;
};

export function serviceWebhookHandler(
  ctx: ServiceWebhookContext,
  options: ServiceWebhookOptions,
): ServiceWebhookHandler {
  if (typeof options?.onResult !== 'function') throw new TypeError('onResult must be a function');
  let cached: Promise<string> | null = null;
  const secret =
    options.secret ??
    (() => {
      // Fetched once; a failure is not cached, so the next delivery asks again.
      cached ??= ctx.fetchSecret().catch((error: unknown) => {
        cached = null;
        throw error;
      });
      return cached;
    });
  const shared = {
    secret,
    ...(options.toleranceSeconds !== undefined ? { toleranceSeconds: options.toleranceSeconds } : {}),
    ...(ctx.deliveries ? { deliveries: ctx.deliveries } : {}),
    onPrediction: async (prediction: Parameters<typeof handOver>[1]) => {
      await handOver(ctx, prediction, 'webhook', options.onResult);
    },
  };
  return { fetch: createWebhookHandler(shared), node: createNodeWebhookHandler(shared) };
}
