// The public types of the emulator: its options, its handle, fault rules, scenarios and stats.
// This file is the contract written down in docs/architecture.md; keep the two in step.

import type { ModelSpec } from './models.js';
import type { PredictionQuirk } from './predictions.js';

/** Every emulated route, as counted in {@link EmulatorStats.requests} and matched by {@link FaultRule.route}. */
export type RouteName =
  | 'predictions.create'
  | 'predictions.get'
  | 'predictions.cancel'
  | 'predictions.list'
  | 'models.get'
  | 'models.list'
  | 'models.versions'
  | 'models.create'
  | 'models.update'
  | 'models.delete'
  | 'models.search'
  | 'models.examples'
  | 'models.readme'
  | 'models.versions.get'
  | 'models.versions.delete'
  | 'trainings.create'
  | 'trainings.get'
  | 'trainings.list'
  | 'trainings.cancel'
  | 'deployments.create'
  | 'deployments.list'
  | 'deployments.get'
  | 'deployments.update'
  | 'deployments.delete'
  | 'collections.list'
  | 'collections.get'
  | 'search'
  | 'hardware.list'
  | 'files.create'
  | 'files.get'
  | 'files.list'
  | 'files.delete'
  | 'files.download'
  | 'account.get'
  | 'webhooks.secret'
  | 'outputs.get'
  | 'stream';

export const ROUTE_NAMES: readonly RouteName[] = [
  'predictions.create',
  'predictions.get',
  'predictions.cancel',
  'predictions.list',
  'models.get',
  'models.list',
  'models.versions',
  'models.create',
  'models.update',
  'models.delete',
  'models.search',
  'models.examples',
  'models.readme',
  'models.versions.get',
  'models.versions.delete',
  'trainings.create',
  'trainings.get',
  'trainings.list',
  'trainings.cancel',
  'deployments.create',
  'deployments.list',
  'deployments.get',
  'deployments.update',
  'deployments.delete',
  'collections.list',
  'collections.get',
  'search',
  'hardware.list',
  'files.create',
  'files.get',
  'files.list',
  'files.delete',
  'files.download',
  'account.get',
  'webhooks.secret',
  'outputs.get',
  'stream',
];

export type FaultType =
  | 'status'
  | 'reset-before'
  | 'reset-after-create'
  | 'stall'
  | 'malformed-json'
  | 'truncate'
  | 'latency'
  | 'late-create'
  | 'stream-408'
  | 'stream-no-newlines';

/**
 * One scripted failure. Rules are checked in the order they were added; `latency` rules add up,
 * and the first other rule that fires decides what happens to the request.
 */
export interface FaultRule {
  route: RouteName | '*';
  type: FaultType;
  /** How many matching requests it hits; default 1; `Infinity` = until cleared. */
  count?: number;
  /** 0..1, drawn from a generator seeded by `seed` and the rule's position; default 1. */
  probability?: number;
  /** For `status`: 429, 500, 502, 503, 504, ... (default 503). */
  status?: number;
  /** The `Retry-After` header in seconds: a 429 sends 1 unless set (`null` = no header); other statuses only when set. */
  retryAfterSeconds?: number | null;
  /**
   * For `stall` (hold the response, then reset; unset = hold until the client gives up), `latency` (delay,
   * then answer; real milliseconds) and `late-create` (the prediction appears this many emulator-clock ms
   * after the lost answer; default 100).
   */
  ms?: number;
  /** With a `Retry-After`: send it as an HTTP date on the emulator's clock (rounded up to the next second) rather than seconds. */
  retryAfterDate?: boolean;
  /** For `stream-no-newlines`: how many bytes to send before closing (default 8 MiB). */
  bytes?: number;
}

/** Forces the outcome or timing of upcoming predictions that match it. */
export interface Scenario {
  /** Match by model name (`owner/name`); unset = any. */
  model?: string;
  /** Match by a substring of `input.prompt`. */
  promptIncludes?: string;
  /** How many predictions it applies to; default 1. */
  count?: number;
  /** Queue time before `processing`. */
  startMs?: number;
  /** Time in `processing`. */
  predictMs?: number;
  /** End as `failed` with this error. */
  fail?: string;
  /**
   * An answer shape seen in Replicate's recordings that clients mishandle: `wait-processing-with-output`
   * (a `Prefer: wait` answer still `processing` with `output` filled) or `internal-model` (an official
   * model's prediction names an internal `model` and a `dp-...` version).
   */
  quirk?: PredictionQuirk;
  /** Right after this prediction, `N` other predictions of the account appear (newer, already succeeded): a lookup for it needs several pages. */
  newerPredictions?: number;
  /**
   * How a cancel is answered: `ignore` answers the current status (`processing`) and the prediction runs
   * on to its end; `late` answers the current status and stops it `cancelDelayMs` later (unless it ended first).
   */
  cancel?: 'ignore' | 'late';
  /** For `cancel: 'late'`: emulator-clock ms between the cancel and the stop (default 100). */
  cancelDelayMs?: number;
  /** The prediction only shows (get, list, cancel, stream, outputs) this many emulator-clock ms after its create was answered. */
  appearAfterMs?: number;
  /** `logs` of `N` bytes once it runs (in get and create answers), written in chunks, never held whole. */
  logsBytes?: number;
  /** The caller's API key is echoed in `logs` and, when it fails, in `error` (a hostile server). */
  echoKey?: boolean;
  /** Output files share a base name under different paths: `/delivery/<id>/a/out-0.png`, `/delivery/<id>/b/out-0.png`, ... */
  sharedBaseName?: boolean;
  /** The prediction's id, verbatim (e.g. `../escaped`, `a/b`, control characters); taken ids get `-2`, `-3`, ... */
  id?: string;
}

export interface ModelTimings {
  startMs?: number;
  predictMs?: number;
}

export interface EmulatorOptions {
  /** Default 0 (a free port) from code; the CLI defaults to 8787. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Only this token is accepted; unset: any non-empty token. */
  token?: string;
  /** Model timings are divided by this; default 1. */
  speed?: number;
  /** Per model name (`owner/name`), or '*' for all. */
  timings?: Record<string, ModelTimings>;
  /**
   * Token buckets per endpoint class; default 600 creates / 60,000 reads of one prediction / 3000 other
   * requests per minute (reading one prediction has its own limit on Replicate); `false` = off.
   */
  rateLimits?: { createPerMinute?: number; otherPerMinute?: number; getPredictionPerMinute?: number } | false;
  /** How long outputs stay downloadable after a prediction completes; default 3_600_000 (one hour). */
  outputRetentionMs?: number;
  /** Keep a prediction's `input` and `logs` after retention (Replicate removes them with the output); default false. */
  keepInputAndLogs?: boolean;
  /** Clock in ms since the epoch; default Date.now. `advanceClock` adds to it. */
  now?: () => number;
  /** Seeds fault probabilities, generated ids, model seeds and the webhook secret. Unset: faults use seed 1, ids are random per run. */
  seed?: number;
  /** Initial fault rules. */
  faults?: FaultRule[];
  /** Initial scenarios (as `addScenario`). */
  scenarios?: Scenario[];
  /** The server's clock is off by this many ms (negative: behind): `Date` headers, timestamps, HTTP-date `Retry-After`. Default 0. */
  clockOffsetMs?: number;
  /**
   * Hosts beyond loopback that webhooks may be delivered to (`'*'`: any). Default none: an emulator
   * listening on a shared port must not relay requests to hosts its callers name. A refused delivery
   * is never sent; it is counted in `stats().webhooksRefused` and listed at `GET /_emulator/webhooks`.
   */
  webhookAllow?: string[];
  /** Completed-webhook retry schedule, in emulator-clock ms after each failed attempt. */
  webhookRetryDelaysMs?: number[];
  /** Rendered images are scaled so the longest side is at most this (default 256). */
  imageMaxSide?: number;
  /** Predictions per page of `GET /v1/predictions` (default 100, as on Replicate); small values make paging tests cheap. */
  listPageSize?: number;
  /**
   * Serve only models that exist on Replicate: the catalogue's modelled ones (fofr/skyreels-2) answer
   * 404, as they do for a real key. Default false.
   */
  publicCatalogueOnly?: boolean;
  /** Extra models to serve beside the built-in ones (one with the same `owner/name` replaces it). */
  models?: ModelSpec[];
  /** Receives one line per notable event (listening, requests, webhook failures). Default: silent. */
  logger?: (line: string) => void;
  /**
   * Serve HTTPS (API, files, outputs, streams) with a certificate for localhost, 127.0.0.1, ::1 and
   * `host`, signed by a local CA made at startup; `url` is then `https://...`. Default false.
   */
  https?: boolean;
  /** With `https`: write the CA certificate (PEM) here, for clients to trust (NODE_EXTRA_CA_CERTS=...). */
  caFile?: string;
}

export interface EmulatorStats {
  /** Requests per route name. */
  requests: Record<string, number>;
  /** Responses per HTTP status, e.g. `{ "201": 10, "429": 2 }`; resets count as "reset". */
  responsesByStatus: Record<string, number>;
  predictionsCreated: number;
  /** Every prediction created, in order (background predictions excluded). */
  predictionIds: string[];
  /** Predictions made by the emulator itself to deepen listings (`newerPredictions`, `POST /_emulator/predictions`). */
  backgroundPredictions: number;
  /** Webhook delivery attempts (retries included). */
  webhookDeliveries: number;
  /** Webhook deliveries refused because their host is not loopback nor in `webhookAllow` (never sent). */
  webhooksRefused: number;
  /** Requests to the public routes (output files, streams, pages) that carried an Authorization header: a client leaking its key. */
  authOnPublicRoutes: number;
  /**
   * What the succeeded predictions would have cost on Replicate, in USD, at the library's catalogue
   * prices (src/catalogue.ts); computed when asked, not kept in the counters.
   */
  spentUsd: number;
  /** Succeeded predictions of models whose price is unknown in the catalogue (kling-v2.1, ...): not in spentUsd. */
  unpricedPredictions: number;
}

export interface Emulator extends AsyncDisposable {
  /** Origin, e.g. http://127.0.0.1:8787. */
  readonly url: string;
  /** `${url}/v1`: give this to clients as baseUrl. */
  readonly apiUrl: string;
  /** With `https`: the PEM of the CA that signed the server's certificate (trust it in clients); else undefined. */
  readonly caCertificatePem: string | undefined;
  close(): Promise<void>;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  /** Force the outcome or timing of upcoming predictions. */
  addScenario(s: Scenario): void;
  /** Moves the emulator's clock forward: lifecycle, deadlines, expiry, webhook retries. */
  advanceClock(ms: number): void;
  /** Adds `count` succeeded predictions of other callers (newer than every existing one), to deepen listings. */
  addBackgroundPredictions(count: number, model?: string): void;
  stats(): EmulatorStats;
  /** Forget predictions, files, faults, scenarios, counters and rate-limit state. */
  reset(): void;
}
