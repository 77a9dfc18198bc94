// Receiving Replicate's webhooks: a handler that verifies each delivery (verifyWebhook), parses the
// prediction, and hands it to your code once per `webhook-id` however often it is delivered. Two shapes:
// a web-standard `(request: Request) => Promise<Response>` (Hono, Next.js route handlers, Workers, Deno,
// Bun) and a `node:http`-style `(req, res)` adapter, typed structurally so nothing here imports `node:`.

import { DEFAULT_WEBHOOK_IDS_REMEMBERED, DEFAULT_WEBHOOK_MAX_BODY_BYTES } from './defaults.js';
import { concatBytes } from './internal/bytes.js';
import { isPrediction, type Prediction } from './types/prediction.js';
import { verifyWebhook, type WebhookFailureReason } from './webhooks.js';

/** What the handler tells your code about a delivery. */
export interface WebhookDelivery {
  /** The `webhook-id` header: the same for every retry of one event. */
  webhookId: string;
  /** The `webhook-timestamp` header, unix seconds. */
  timestamp: number;
}

/** Options of {@link createWebhookHandler} and {@link createNodeWebhookHandler}. */
export interface WebhookHandlerOptions {
  /**
   * The signing secret (`whsec_...`), or a function that returns it (called on each delivery, so cache
   * inside it — e.g. `() => (secret ??= client.getWebhookSecret())`).
   */
  secret: string | (() => string | Promise<string>);
  /**
   * Called once per verified delivery id with the prediction. Throwing (or rejecting) answers 500 and
   * forgets the id, so the sender's retry is processed again.
   */
  onPrediction: (prediction: Prediction, delivery: WebhookDelivery) => void | Promise<void>;
  /** Largest accepted distance between the delivery's timestamp and now. Default 300 s. */
  toleranceSeconds?: number;
  /**
   * How many recent delivery ids are remembered for de-duplication (oldest forgotten first). Default 10 000.
   * @default DEFAULT_WEBHOOK_IDS_REMEMBERED
   */
  rememberIds?: number;
  /**
   * Largest accepted body. Default 5 MB (a prediction object with its logs).
   * @default DEFAULT_WEBHOOK_MAX_BODY_BYTES
   */
  maxBodyBytes?: number;
  /** Clock in ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /**
   * De-duplication shared by every instance (a shared journal store has both methods): `markDelivered`
   * resolves false when another instance already took this delivery id (answered 200 `duplicate`
   * without calling `onPrediction`); `forgetDelivery` is called when handling failed, so the retry is
   * handled again. The in-memory de-duplication stays in front of it. A failure of either answers 500.
   */
  deliveries?: DeliveryLedger;
}

/** Delivery ids seen by every instance (see {@link WebhookHandlerOptions.deliveries}). */
export interface DeliveryLedger {
  markDelivered(webhookId: string): Promise<boolean>;
  forgetDelivery(webhookId: string): Promise<void>;
}

/** The answer to one delivery, before it is written in either shape. */
interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** A `node:http` `IncomingMessage`, as far as the adapter needs it. */
export interface NodeWebhookRequest extends AsyncIterable<Uint8Array | string> {
  method?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A `node:http` `ServerResponse`, as far as the adapter needs it. */
export interface NodeWebhookResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

const STATUS_BY_REASON: Record<WebhookFailureReason, number> = {
  missing_header: 400,
  invalid_timestamp: 400,
  timestamp_out_of_tolerance: 401,
  invalid_signature: 401,
  invalid_secret: 500,
  invalid_body: 400,
};

class TooLarge extends Error {}

/** The part both shapes share: verify, de-duplicate, parse, call back. */
class DeliveryProcessor {
  readonly #options: WebhookHandlerOptions;
  readonly #remember: number;
  /** Delivery ids handled successfully, oldest first (a Map keeps insertion order). */
  readonly #done = new Map<string, true>();
  /** Deliveries being handled right now: a concurrent retry waits for the first one's verdict. */
  readonly #running = new Map<string, Promise<boolean>>();

  constructor(options: WebhookHandlerOptions) {
    if (typeof options?.onPrediction !== 'function') throw new TypeError('onPrediction must be a function');
    if (typeof options.secret !== 'string' && typeof options.secret !== 'function') {
      throw new TypeError('secret must be a whsec_ string or a function returning one');
    }
    this.#options = options;
    this.#remember = options.rememberIds ?? DEFAULT_WEBHOOK_IDS_REMEMBERED;
    if (!Number.isInteger(this.#remember) || this.#remember < 1)
      throw new RangeError('rememberIds must be a positive whole number');
    const tolerance = options.toleranceSeconds ?? 300;
    if (typeof tolerance !== 'number' || Number.isNaN(tolerance) || tolerance < 0) {
      throw new RangeError('toleranceSeconds must be a non-negative number of seconds');
    }
    const max = options.maxBodyBytes ?? DEFAULT_WEBHOOK_MAX_BODY_BYTES;
    if (!Number.isFinite(max) || max < 1) throw new RangeError('maxBodyBytes must be a positive number of bytes');
  }

  get maxBodyBytes(): number {
    return this.#options.maxBodyBytes ?? DEFAULT_WEBHOOK_MAX_BODY_BYTES;
  }

  async process(
    method: string | undefined,
    headers: Headers | Record<string, string | string[] | undefined>,
    readBody: () => Promise<Uint8Array>,
  ): Promise<Answer> {
    if (method !== undefined && method.toUpperCase() !== 'POST') {
      return { status: 405, body: { error: 'Webhook deliveries are POST requests' } };
    }
    let body: Uint8Array;
    try {
      body = await readBody();
    } catch (error) {
      if (error instanceof TooLarge)
        return { status: 413, body: { error: `The delivery is larger than ${this.maxBodyBytes} bytes` } };
      return { status: 400, body: { error: 'The delivery body could not be read' } };
    }
    let secret: string;
    try {
      secret = typeof this.#options.secret === 'function' ? await this.#options.secret() : this.#options.secret;
    } catch {
      return { status: 500, body: { error: 'The webhook secret is not available' } };
    }
    const verdict = await verifyWebhook({
      headers,
      body,
      secret,
      ...(this.#options.toleranceSeconds !== undefined ? { toleranceSeconds: this.#options.toleranceSeconds } : {}),
      ...(this.#options.now ? { now: this.#options.now } : {}),
    });
    if (!verdict.valid)
      return { status: STATUS_BY_REASON[verdict.reason], body: { error: verdict.error, reason: verdict.reason } };

    // Only verified ids are remembered: unsigned requests cannot fill the memory or shadow real deliveries.
    const webhookId = verdict.id;
    if (this.#done.has(webhookId)) return { status: 200, body: { ok: true, duplicate: true } };
    const running = this.#running.get(webhookId);
    if (running && (await running)) return { status: 200, body: { ok: true, duplicate: true } };

    let prediction: unknown;
    try {
      prediction = JSON.parse(new TextDecoder().decode(body));
    } catch {
      return { status: 400, body: { error: 'The delivery body is not JSON' } };
    }
    if (!isPrediction(prediction))
      return { status: 400, body: { error: 'The delivery body is not a prediction object' } };

    const shared = this.#options.deliveries;
    const work = (async (): Promise<'handled' | 'duplicate' | 'failed'> => {
      try {
        if (shared && !(await shared.markDelivered(webhookId))) {
          this.#markDone(webhookId);
          return 'duplicate';
        }
      } catch {
        return 'failed';
      }
      try {
        await this.#options.onPrediction(prediction, { webhookId, timestamp: verdict.timestamp });
        this.#markDone(webhookId);
        return 'handled';
      } catch {
        await shared?.forgetDelivery(webhookId).catch(() => undefined);
        return 'failed';
      }
    })();
    const handledHere = work.then((verdict) => verdict !== 'failed');
    this.#running.set(webhookId, handledHere);
    const handled = await work;
    if (this.#running.get(webhookId) === handledHere) this.#running.delete(webhookId);
    if (handled === 'duplicate') return { status: 200, body: { ok: true, duplicate: true } };
    return handled === 'handled'
      ? { status: 200, body: { ok: true, duplicate: false } }
      : { status: 500, body: { error: 'The webhook handler failed; a retry will be processed again' } };
  }

  #markDone(id: string): void {
    this.#done.set(id, true);
    while (this.#done.size > this.#remember) {
      const oldest = this.#done.keys().next().value;
      if (oldest === undefined) break;
      this.#done.delete(oldest);
    }
  }
}

/**
 * A web-standard webhook endpoint: verifies the delivery, parses the prediction and calls
 * `onPrediction` once per `webhook-id` (retries of a delivery that was handled answer 200 without
 * calling it again). Answers 200 when handled, 400/401 for a bad or unsigned delivery, 405 for other
 * methods, 413 for an oversized body, 500 when `onPrediction` threw (so the sender retries).
 *
 * ```ts
 * const handler = createWebhookHandler({ secret: process.env.REPLICATE_WEBHOOK_SECRET!, onPrediction: save });
 * export const POST = handler; // Next.js; or app.post('/webhooks/replicate', (c) => handler(c.req.raw)) in Hono
 * ```
 */
export function createWebhookHandler(options: WebhookHandlerOptions): (request: Request) => Promise<Response> {
  const processor = new DeliveryProcessor(options);
  return async (request) => {
    const answer = await processor.process(request.method, request.headers, () =>
      readWebBody(request, processor.maxBodyBytes),
    );
    return new Response(JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'content-type': 'application/json' },
    });
  };
}

/**
 * The same endpoint for `node:http` (and Express, which passes the same objects): reads the raw body
 * from the request stream — mount it before any JSON body parser, the signature covers the exact bytes.
 *
 * ```ts
 * const handler = createNodeWebhookHandler({ secret, onPrediction: save });
 * http.createServer((req, res) => void handler(req, res)).listen(3000);
 * ```
 */
export function createNodeWebhookHandler(
  options: WebhookHandlerOptions,
): (req: NodeWebhookRequest, res: NodeWebhookResponse) => Promise<void> {
  const processor = new DeliveryProcessor(options);
  return async (req, res) => {
    const answer = await processor.process(req.method, req.headers, () => readNodeBody(req, processor.maxBodyBytes));
    res.statusCode = answer.status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answer.body));
  };
}

async function readWebBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw new TooLarge();
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new TooLarge();
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}

async function readNodeBody(req: NodeWebhookRequest, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let tooLarge = false;
  const encoder = new TextEncoder();
  // Read to the end even when too large, so the sender gets the 413 rather than a broken pipe.
  for await (const chunk of req) {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    size += bytes.byteLength;
    if (size > maxBytes) tooLarge = true;
    if (!tooLarge) chunks.push(bytes);
  }
  if (tooLarge) throw new TooLarge();
  return concatBytes(chunks);
}
