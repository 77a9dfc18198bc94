// Verifying Replicate's webhook deliveries (the Standard Webhooks scheme) with Web Crypto: HMAC-SHA256
// over `${id}.${timestamp}.${body}`, checked in constant time, several signatures allowed, replays refused.

import { concatBytes } from './internal/bytes.js';

/** Headers as a `Headers` object, or a plain record such as Node's `IncomingHttpHeaders`. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/** What {@link verifyWebhook} needs. */
export interface VerifyWebhookOptions {
  headers: WebhookHeaders;
  /** The raw request body, exactly as received (not re-serialized JSON). */
  body: string | Uint8Array | ArrayBuffer;
  /** The signing secret, `whsec_...` (from `GET /v1/webhooks/default/secret`). */
  secret: string;
  /** Largest accepted distance between the delivery's timestamp and now. Default 300 s. */
  toleranceSeconds?: number;
  /** Clock in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** Why a delivery was rejected. */
export type WebhookFailureReason =
  | 'missing_header'
  | 'invalid_timestamp'
  | 'timestamp_out_of_tolerance'
  | 'invalid_signature'
  | 'invalid_secret'
  /** The body is not a string or bytes (often: JSON already parsed by a framework; pass the raw body). */
  | 'invalid_body';

/** The verdict: `if (verdict.valid)` narrows. */
export type WebhookVerification =
  | { valid: true; id: string; timestamp: number }
  | { valid: false; reason: WebhookFailureReason; error: string };

/**
 * Checks a webhook delivery's signature and timestamp. Never throws for a bad delivery: returns
 * `{ valid: false, reason, error }` (a missing header is named in `error`).
 * @throws RangeError when `toleranceSeconds` is negative or NaN (a programming error, not a bad delivery).
 *
 * ```ts
 * const verdict = await verifyWebhook({ headers: request.headers, body: await request.text(), secret });
 * if (!verdict.valid) return new Response(verdict.error, { status: 400 });
 * ```
 */
export async function verifyWebhook(options: VerifyWebhookOptions): Promise<WebhookVerification> {
  const { toleranceSeconds = 300, now = Date.now } = options;
  // NaN would compare false and silently turn the replay check off.
  if (typeof toleranceSeconds !== 'number' || Number.isNaN(toleranceSeconds) || toleranceSeconds < 0) {
    throw new RangeError(`toleranceSeconds must be a non-negative number of seconds, got ${String(toleranceSeconds)}`);
  }
  const id = header(options.headers, 'webhook-id');
  const timestampText = header(options.headers, 'webhook-timestamp');
  const signatures = header(options.headers, 'webhook-signature');
  if (!id) return reject('missing_header', 'The webhook-id header is missing');
  if (!timestampText) return reject('missing_header', 'The webhook-timestamp header is missing');
  if (!signatures) return reject('missing_header', 'The webhook-signature header is missing');
  if (!/^\d+$/.test(timestampText)) {
    return reject('invalid_timestamp', 'The webhook-timestamp header is not a number of seconds');
  }
  const timestamp = Number(timestampText);
  if (Math.abs(now() / 1000 - timestamp) > toleranceSeconds) {
    return reject(
      'timestamp_out_of_tolerance',
      `The webhook timestamp is more than ${toleranceSeconds} s from now (a replay, or a wrong clock)`,
    );
  }
  const raw = bodyBytes(options.body);
  if (!raw) return reject('invalid_body', 'The body must be the raw request body (a string or bytes), not parsed JSON');
  const keyBytes = decodeSecret(options.secret);
  if (!keyBytes) return reject('invalid_secret', 'The webhook secret is not a whsec_ base64 secret');
  const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const signed = concatBytes([new TextEncoder().encode(`${id}.${timestampText}.`), raw]);
  // Each entry is `v1,<base64>`; any valid one passes. subtle.verify compares in constant time.
  for (const entry of signatures.split(' ')) {
    const [version, encoded] = entry.split(',', 2);
    if (version !== 'v1' || !encoded) continue;
    const signature = fromBase64(encoded);
    if (!signature) continue;
    if (await crypto.subtle.verify('HMAC', key, signature, signed)) return { valid: true, id, timestamp };
  }
  return reject('invalid_signature', 'No webhook signature matches the body and the secret');
}

function reject(reason: WebhookFailureReason, error: string): WebhookVerification {
  return { valid: false, reason, error };
}

function header(headers: WebhookHeaders, name: string): string | null {
  if (typeof headers !== 'object' || headers === null) return null;
  // A Headers object (from any realm or polyfill) has get(); a plain record has not.
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as Headers).get(name);
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value: unknown = key === undefined ? undefined : record[key];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string').join(' ') || null;
  return typeof value === 'string' ? value : null;
}

function decodeSecret(secret: string): Uint8Array<ArrayBuffer> | null {
  if (typeof secret !== 'string') return null;
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const bytes = fromBase64(encoded);
  return bytes && bytes.length > 0 ? bytes : null;
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

function bodyBytes(body: unknown): Uint8Array | null {
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return body instanceof Uint8Array ? body : null;
}
