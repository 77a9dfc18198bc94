// Pushing a prediction's changes to whoever waits for them. State is computed lazily; this file
// schedules a wake-up at every instant the state can change (start, each log line, completion,
// deadline) and sends webhooks as the prediction moves.

import { type PredictionRecord, TERMINAL_STATUSES, type WebhookEvent } from './predictions.js';
import type { EmulatorState } from './state.js';
import { WEBHOOK_THROTTLE_MS } from './webhooks.js';

/** Schedules a notification at every instant where `record` can change. */
export function scheduleTransitions(state: EmulatorState, record: PredictionRecord): void {
  const instants = new Set<number>([record.startAtMs, record.completeAtMs, ...record.logLines.map((l) => l.atMs)]);
  if (record.deadlineAtMs !== undefined) instants.add(record.deadlineAtMs);
  for (const atMs of instants) state.scheduler.at(atMs, () => state.predictions.notify(record.id));
}

/** Resolves when `record` is terminal, or at clock time `untilMs`, or when `stop` resolves. */
export function waitForTerminal(
  state: EmulatorState,
  record: PredictionRecord,
  untilMs: number,
  stop: Promise<void>,
): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      unsubscribe();
      cancelTimer();
      state.openHandles.delete(finish);
      resolve();
    };
    const check = () => {
      if (TERMINAL_STATUSES.has(state.view(record).status) || state.now() >= untilMs) finish();
    };
    const unsubscribe = state.predictions.subscribe(record.id, check);
    const cancelTimer = state.scheduler.at(untilMs, finish);
    state.openHandles.add(finish);
    void stop.then(finish);
    check();
  });
}

/** Sends the webhook events a prediction's filter asks for, as it moves. */
export function watchForWebhooks(state: EmulatorState, record: PredictionRecord): void {
  const url = record.webhook;
  if (!url) return;
  const wants = new Set<WebhookEvent>(record.webhookEventsFilter ?? []);
  let sentStart = false;
  let sentLogsLength = 0;
  let lastThrottledAtMs = -Infinity;
  let throttleTimer: (() => void) | undefined;

  const send = (event: WebhookEvent) => {
    const _view = state.view(record);
    state.webhooks.send(url, event, JSON.stringify(state.predictionJson(record)));
  };
  const check = () => {
    const view = state.view(record);
    if (TERMINAL_STATUSES.has(view.status)) {
      unsubscribe();
      throttleTimer?.();
      if (wants.has('completed')) send('completed');
      else if (wants.has('output') && view.output !== null) send('output');
      else if (wants.has('logs') && view.logs.length > sentLogsLength) send('logs');
      return;
    }
    if (view.status === 'processing' && !sentStart) {
      sentStart = true;
      if (wants.has('start')) send('start');
    }
    if (wants.has('logs') && view.logs.length > sentLogsLength) {
      const nowMs = state.now();
      if (nowMs - lastThrottledAtMs >= WEBHOOK_THROTTLE_MS) {
        lastThrottledAtMs = nowMs;
        sentLogsLength = view.logs.length;
        send('logs');
      } else if (!throttleTimer) {
        throttleTimer = state.scheduler.at(lastThrottledAtMs + WEBHOOK_THROTTLE_MS, () => {
          throttleTimer = undefined;
          check();
        });
      }
    }
  };
  const unsubscribe = state.predictions.subscribe(record.id, check);
  check();
}
