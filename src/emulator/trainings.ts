// Trainings: like predictions, their state is computed from the clock and a few instants. A
// training of `base` into `destination` ends `succeeded` with `output.version` naming a new version
// of the destination model, which runs the base model's spec under the destination's name.

import { createHash } from 'node:crypto';
import type { ModelSpec } from './models.js';
import { isoMicros as iso } from './random.js';

export type TrainingStatus = 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled';

export interface TrainingRecord {
  id: string;
  /** The base model (`owner/name`) and version trained from. */
  model: string;
  version: string;
  baseSpec: ModelSpec;
  destination: { owner: string; name: string };
  input: Record<string, unknown>;
  createdAtMs: number;
  startAtMs: number;
  completeAtMs: number;
  canceledAtMs?: number;
  webhook?: string;
  /** The version the training creates in its destination. */
  newVersionId: string;
}

export interface TrainingView {
  status: TrainingStatus;
  startedAtMs?: number;
  completedAtMs?: number;
  logs: string;
}

/** A 64-hex id for the version a training makes, stable per training. */
export function trainedVersionId(trainingId: string): string {
  return createHash('sha256').update(`replicate-media emulator training:${trainingId}`).digest('hex');
}

export function trainingViewAt(record: TrainingRecord, nowMs: number): TrainingView {
  const canceled = record.canceledAtMs;
  if (canceled !== undefined && canceled < record.completeAtMs && nowMs >= canceled) {
    const started = canceled > record.startAtMs ? record.startAtMs : undefined;
    return {
      status: 'canceled',
      ...(started !== undefined ? { startedAtMs: started } : {}),
      completedAtMs: canceled,
      logs: started !== undefined ? 'Training started\n' : '',
    };
  }
  if (nowMs < record.startAtMs) return { status: 'starting', logs: '' };
  if (nowMs < record.completeAtMs)
    return { status: 'processing', startedAtMs: record.startAtMs, logs: 'Training started\n' };
  return {
    status: 'succeeded',
    startedAtMs: record.startAtMs,
    completedAtMs: record.completeAtMs,
    logs: 'Training started\nSaving weights\nTraining complete\n',
  };
}

export function trainingJson(record: TrainingRecord, view: TrainingView, apiUrl: string, origin: string) {
  const json: Record<string, unknown> = {
    id: record.id,
    model: record.model,
    version: record.version,
    destination: `${record.destination.owner}/${record.destination.name}`,
    input: record.input,
    logs: view.logs,
    output:
      view.status === 'succeeded'
        ? {
            version: `${record.destination.owner}/${record.destination.name}:${record.newVersionId}`,
            weights: `${origin}/delivery/trainings/${record.id}/weights.tar`,
          }
        : null,
    error: null,
    status: view.status,
    source: 'api',
    created_at: iso(record.createdAtMs),
  };
  if (view.startedAtMs !== undefined) json.started_at = iso(view.startedAtMs);
  if (view.completedAtMs !== undefined) json.completed_at = iso(view.completedAtMs);
  if (view.completedAtMs !== undefined && view.startedAtMs !== undefined) {
    json.metrics = { predict_time: (view.completedAtMs - view.startedAtMs) / 1000 };
    if (view.status === 'canceled')
      (json.metrics as Record<string, number>).total_time = (view.completedAtMs - record.createdAtMs) / 1000;
  }
  json.urls = {
    cancel: `${apiUrl}/trainings/${record.id}/cancel`,
    get: `${apiUrl}/trainings/${record.id}`,
    web: `${origin}/p/${record.id}`,
  };
  if (record.webhook !== undefined) json.webhook = record.webhook;
  return json;
}

export class TrainingStore {
  private readonly ordered: TrainingRecord[] = [];

  add(record: TrainingRecord): void {
    this.ordered.push(record);
  }

  get(id: string): TrainingRecord | undefined {
    return this.ordered.find((t) => t.id === id);
  }

  newestFirst(): TrainingRecord[] {
    return [...this.ordered].reverse();
  }

  /** Whether a training (not yet finished or not) was made from this version. */
  usesBase(version: string): boolean {
    return this.ordered.some((t) => t.version === version);
  }

  clear(): void {
    this.ordered.length = 0;
  }
}
