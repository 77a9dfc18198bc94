// Everything one running emulator holds, shared by the route handlers: clock, scheduler, stores,
// limits, faults, counters. `reset()` forgets it all except the clock.

import { randomInt } from 'node:crypto';
import { catalogueSpecs, modelledModels } from './catalogue-models.js';
import { Clock, Scheduler } from './clock.js';
import { DeploymentStore } from './deployments.js';
import { FaultEngine } from './faults.js';
import { FileStore } from './files.js';
import { ModelRegistry, modelName, versionId } from './models.js';
import {
  type AnswerContext,
  type PredictionRecord,
  PredictionStore,
  type PredictionView,
  predictionJson,
  viewAt,
} from './predictions.js';
import { makeIdGenerator, seededRandom } from './random.js';
import { RateLimiter } from './rate-limit.js';
import { ScenarioQueue } from './scenarios.js';
import { withDefaults } from './schema.js';
import { type EmulatedSpend, emulatedSpend } from './spend.js';
import { TrainingStore } from './trainings.js';
import type { EmulatorOptions, EmulatorStats, RouteName } from './types.js';
import { DEFAULT_WEBHOOK_RETRY_DELAYS_MS, makeWebhookSecret, type RefusedDelivery, WebhookSender } from './webhooks.js';

/** Refused webhook deliveries kept for the admin API; older ones are dropped (the counter keeps counting). */
const MAX_REFUSED_KEPT = 100;

export const DEFAULT_OUTPUT_RETENTION_MS = 3_600_000;
export const DEFAULT_IMAGE_MAX_SIDE = 256;
export const DEFAULT_RATE_LIMITS = { createPerMinute: 600, otherPerMinute: 3000, getPredictionPerMinute: 60_000 };

export class EmulatorState {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly predictions = new PredictionStore(() => this.clock.now());
  readonly files = new FileStore();
  readonly deployments = new DeploymentStore();
  readonly trainings = new TrainingStore();
  readonly scenarios = new ScenarioQueue();
  readonly models: ModelRegistry;
  readonly faults: FaultEngine;
  readonly rateLimiter: RateLimiter;
  readonly webhooks: WebhookSender;
  readonly speed: number;
  readonly retentionMs: number;
  readonly imageMaxSide: number;
  readonly log: (line: string) => void;
  /** Rendered output files, by URL path; dropped when the prediction's data is removed. */
  readonly renderedOutputs = new Map<string, { bytes: Uint8Array; contentType: string }>();
  /** The latest deliveries the webhook allow-list stopped (the admin API shows them). */
  readonly refusedWebhooks: RefusedDelivery[] = [];
  /** Connections held open (Prefer: wait, SSE, stalls), closed on shutdown. */
  readonly openHandles = new Set<() => void>();

  origin = '';
  private readonly idSeed: number;
  random: () => number;
  newId: () => string;
  webhookSecret: string;
  counters: Omit<EmulatorStats, keyof EmulatedSpend>;

  constructor(readonly options: EmulatorOptions) {
    this.clock = new Clock(options.now ?? Date.now);
    if (options.clockOffsetMs !== undefined) this.clock.setSkew(options.clockOffsetMs);
    // The catalogue's models are served too; publicCatalogueOnly hides the modelled ones (skyreels-2).
    this.models = new ModelRegistry(
      options.models,
      catalogueSpecs(),
      new Set(options.publicCatalogueOnly ? modelledModels() : []),
    );
    this.scheduler = new Scheduler(this.clock);
    this.speed = options.speed && options.speed > 0 ? options.speed : 1;
    this.retentionMs = options.outputRetentionMs ?? DEFAULT_OUTPUT_RETENTION_MS;
    this.imageMaxSide = options.imageMaxSide ?? DEFAULT_IMAGE_MAX_SIDE;
    this.log = options.logger ?? (() => {});
    this.faults = new FaultEngine(this.seed);
    for (const rule of options.faults ?? []) this.faults.add(rule);
    for (const scenario of options.scenarios ?? []) this.scenarios.add(scenario);
    const limits = options.rateLimits === false ? false : { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
    this.rateLimiter = new RateLimiter(
      limits && { create: limits.createPerMinute, other: limits.otherPerMinute, get: limits.getPredictionPerMinute },
      () => this.clock.now(),
    );
    // Without a seed, ids and the secret differ per run, so ids never repeat across restarts
    // (journals and caches key on them); with one, a run repeats exactly.
    this.idSeed = options.seed ?? randomInt(2 ** 31);
    this.random = seededRandom(this.idSeed);
    this.newId = makeIdGenerator(this.random);
    this.webhookSecret = makeWebhookSecret(this.random);
    this.counters = emptyStats();
    this.webhooks = new WebhookSender({
      scheduler: this.scheduler,
      wallClock: Date.now,
      retryDelaysMs: options.webhookRetryDelaysMs ?? DEFAULT_WEBHOOK_RETRY_DELAYS_MS,
      secret: () => this.webhookSecret,
      onAttempt: () => {
        this.counters.webhookDeliveries += 1;
      },
      log: this.log,
      allow: options.webhookAllow ?? [],
      onRefused: (refused) => {
        this.counters.webhooksRefused += 1;
        this.refusedWebhooks.push(refused);
        if (this.refusedWebhooks.length > MAX_REFUSED_KEPT) this.refusedWebhooks.shift();
      },
    });
  }

  get seed(): number {
    return this.options.seed ?? 1;
  }

  get apiUrl(): string {
    return `${this.origin}/v1`;
  }

  now(): number {
    return this.clock.now();
  }

  view(record: PredictionRecord): PredictionView {
    return viewAt(record, this.clock.now(), this.retentionMs, this.origin);
  }

  /** The prediction as the API shows it now. */
  predictionJson(record: PredictionRecord): Record<string, unknown> {
    return predictionJson(record, this.view(record), this.apiUrl, this.origin, this.options.keepInputAndLogs === true);
  }

  /**
   * Adds `count` predictions of other callers, already succeeded and newer than every existing one, so a
   * lookup by listing needs several pages. Cheap: nothing is scheduled or rendered until asked for.
   */
  addBackgroundPredictions(count: number, model = 'black-forest-labs/flux-schnell'): void {
    const [owner = '', name = ''] = model.split('/');
    const entry = this.models.entry(owner, name);
    const spec = entry?.versions[0]?.spec;
    if (!entry || !spec) throw new RangeError(`background predictions: no model ${model}`);
    const nowMs = this.now();
    for (let i = 0; i < count; i++) {
      const input = { prompt: `background prediction ${this.counters.backgroundPredictions + 1}` };
      const seed = Math.floor(this.random() * 2 ** 31);
      const plan = spec.plan(withDefaults(spec.input, input), { seed, imageMaxSide: this.imageMaxSide });
      this.predictions.add({
        id: this.newId(),
        model: spec,
        version: entry.official ? 'hidden' : versionId(spec),
        input,
        plan,
        seed,
        createdAtMs: nowMs,
        startAtMs: nowMs,
        completeAtMs: nowMs,
        logLines: [],
        background: true,
      });
      this.counters.backgroundPredictions += 1;
    }
    if (count > 0) this.log(`${count} background predictions of ${modelName(spec)} added`);
  }

  /** The same, serialized (UTF-8 JSON), from the store's cache while the prediction cannot have changed. */
  predictionBytes(record: PredictionRecord): Uint8Array {
    return this.predictions.answerBytes(record, this.clock.now(), this.answerContext());
  }

  #answerContext: AnswerContext | undefined;

  /** One object per origin (set once the server listens), so the store can tell its cached answers apart by identity. */
  private answerContext(): AnswerContext {
    if (this.#answerContext?.origin !== this.origin)
      this.#answerContext = {
        retentionMs: this.retentionMs,
        apiUrl: this.apiUrl,
        origin: this.origin,
        keepInputAndLogs: this.options.keepInputAndLogs === true,
      };
    return this.#answerContext;
  }

  countRequest(route: RouteName): void {
    this.counters.requests[route] = (this.counters.requests[route] ?? 0) + 1;
  }

  countResponse(status: number | 'reset'): void {
    const key = String(status);
    this.counters.responsesByStatus[key] = (this.counters.responsesByStatus[key] ?? 0) + 1;
  }

  stats(): EmulatorStats {
    return { ...structuredClone(this.counters), ...emulatedSpend(this) };
  }

  reset(): void {
    // Held requests and streams answer now: the timers they wait on are about to go.
    for (const release of [...this.openHandles]) release();
    this.scheduler.clear();
    this.predictions.clear();
    this.files.clear();
    this.deployments.clear();
    this.trainings.clear();
    this.models.clear();
    this.scenarios.clear();
    this.faults.clear();
    this.rateLimiter.clear();
    this.renderedOutputs.clear();
    this.refusedWebhooks.length = 0;
    this.counters = emptyStats();
    // With a seed, ids restart with the run; without, they carry on (never reused).
    if (this.options.seed !== undefined) {
      this.random = seededRandom(this.idSeed);
      this.newId = makeIdGenerator(this.random);
    }
    // The webhook secret survives a reset: receivers fetch it once.
  }
}

function emptyStats(): Omit<EmulatorStats, keyof EmulatedSpend> {
  return {
    requests: {},
    responsesByStatus: {},
    predictionsCreated: 0,
    predictionIds: [],
    backgroundPredictions: 0,
    webhookDeliveries: 0,
    webhooksRefused: 0,
    authOnPublicRoutes: 0,
  };
}
