// Webhooks: Standard Webhooks signing and delivery. `start`, `output` and `logs` are sent once,
// `completed` is retried on failure along `webhookRetryDelaysMs` (emulator-clock time, so tests
// can drive retries with advanceClock). No redirects are followed, like Replicate.

import { createHmac, randomBytes } from 'node:crypto';
import type { Scheduler } from './clock.js';
import type { WebhookEvent } from './predictions.js';

export const WEBHOOK_EVENTS: readonly WebhookEvent[] = ['start', 'output', 'logs', 'completed'];
export const DEFAULT_WEBHOOK_EVENTS: readonly WebhookEvent[] = ['output', 'completed'];
/** Exponential backoff, the last attempt about a minute after completion. */
export const DEFAULT_WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000];
/** `output` and `logs` deliveries are sent at most this often. */
export const WEBHOOK_THROTTLE_MS = 500;

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the base64 part of a `whsec_` secret. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

export function makeWebhookSecret(random: () => number): string {
  const bytes = Buffer.alloc(24);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  return `whsec_${bytes.toString('base64')}`;
}

/** Whether a URL's host is this machine: `localhost`, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Whether the emulator may deliver to this URL: loopback always; other hosts only when `allow` names
 * them (case-insensitive hostnames) or holds `*`. Otherwise an emulator on a shared port would relay
 * requests to any host its callers name.
 */
export function isDeliveryAllowed(url: string, allow: readonly string[]): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return false;
  }
  if (isLoopbackHost(hostname)) return true;
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return allow.some((entry) => entry === '*' || entry.toLowerCase().replace(/^\[|\]$/g, '') === host);
}

/** A delivery the allow-list stopped: recorded, never sent. */
export interface RefusedDelivery {
  url: string;
  event: string;
  /** The prediction or training the event was about. */
  id: string | undefined;
  /** Real time, ISO 8601. */
  at: string;
  reason: string;
}

/** Webhook URLs must be https, except plain http to a loopback host (so tests can receive them). */
export function checkWebhookUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'webhook: must be a URL string';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `webhook: not a valid URL (got ${JSON.stringify(value.slice(0, 60))})`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  return 'webhook: must be an https URL (plain http is accepted only for loopback hosts)';
}

export interface WebhookSenderOptions {
  scheduler: Scheduler;
  /** The real clock, for `webhook-timestamp`. */
  wallClock: () => number;
  retryDelaysMs: readonly number[];
  secret: () => string;
  onAttempt: () => void;
  log: (line: string) => void;
  /** Hosts beyond loopback that deliveries may go to (`*`: any). */
  allow: readonly string[];
  /** Told of each delivery the allow-list stopped. */
  onRefused: (refused: RefusedDelivery) => void;
}

export class WebhookSender {
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(private readonly options: WebhookSenderOptions) {}

  /** Sends one event's body; `completed` is retried until a 2xx or the schedule runs out. */
  send(url: string, event: WebhookEvent, body: string): void {
    if (!isDeliveryAllowed(url, this.options.allow)) {
      let id: string | undefined;
      try {
        id = (JSON.parse(body) as { id?: string }).id;
      } catch {
        id = undefined;
      }
      const reason = 'the host is not loopback and not in webhookAllow (--webhook-allow HOST)';
      this.options.onRefused({ url, event, id, at: new Date(this.options.wallClock()).toISOString(), reason });
      this.options.log(`webhook ${event} to ${url} refused: ${reason}`);
      return;
    }
    const messageId = `msg_${randomBytes(12).toString('base64url')}`;
    this.attempt(url, event, body, messageId, 0);
  }

  private attempt(url: string, event: WebhookEvent, body: string, messageId: string, attemptIndex: number): void {
    if (this.closed) return;
    // Real time, even when the emulator's clock was advanced: receivers compare it with their own clock.
    const timestamp = Math.floor(this.options.wallClock() / 1000);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 10_000);
    this.inFlight.add(controller);
    this.options.onAttempt();
    const retry = (why: string) => {
      const delayMs = this.options.retryDelaysMs[attemptIndex];
      if (event !== 'completed' || delayMs === undefined || this.closed) {
        this.options.log(`webhook ${event} to ${url} failed (${why}); not retried`);
        return;
      }
      this.options.log(`webhook ${event} to ${url} failed (${why}); retrying in ${delayMs} ms`);
      this.options.scheduler.after(delayMs, () => this.attempt(url, event, body, messageId, attemptIndex + 1));
    };
    fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: controller.signal,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'replicate-media-emulator',
        'webhook-id': messageId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(this.options.secret(), messageId, timestamp, body),
      },
      body,
    })
      .then(async (response) => {
        await response.arrayBuffer().catch(() => undefined);
        if (response.status < 200 || response.status >= 300) retry(`HTTP ${response.status}`);
      })
      .catch((error: unknown) => retry(error instanceof Error ? error.message : String(error)))
      .finally(() => {
        clearTimeout(timer);
        this.inFlight.delete(controller);
      });
  }

  close(): void {
    this.closed = true;
    for (const controller of this.inFlight) controller.abort();
  }
}
