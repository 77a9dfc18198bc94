// Server-sent events on `urls.stream` (`/stream/{id}`, no auth): `logs` as lines appear, then
// `output` per output URL, `error` on failure, and `done` (`{}`, `{"reason":"canceled"}` or
// `{"reason":"error"}`). Events are derived from the prediction's state, numbered in order, with
// ids like `1690212292:0`, so a client resumes with `Last-Event-ID`. Like Replicate, a stream
// ends after 30 s (emulator clock) with a `:408` comment, and the client reconnects.

import type { ServerResponse } from 'node:http';
import { type Handler, pathParam } from './http.js';
import { type PredictionRecord, TERMINAL_STATUSES } from './predictions.js';
import { fail } from './problem.js';
import type { EmulatorState } from './state.js';

export const STREAM_TIMEOUT_MS = 30_000;

export interface StreamEvent {
  event: 'output' | 'logs' | 'error' | 'done';
  data: string;
  atMs: number;
}

/** Every event the prediction has produced so far, in order. */
export function streamEvents(state: EmulatorState, record: PredictionRecord): StreamEvent[] {
  const view = state.view(record);
  const until = view.completedAtMs ?? state.now();
  const events: StreamEvent[] = record.logLines
    .filter((l) => l.atMs <= until && view.startedAtMs !== undefined)
    .map((l) => ({ event: 'logs', data: l.text, atMs: l.atMs }));
  if (!TERMINAL_STATUSES.has(view.status)) return events;
  const atMs = view.completedAtMs ?? state.now();
  if (view.status === 'succeeded') {
    for (const url of view.outputUrls) events.push({ event: 'output', data: url, atMs });
    events.push({ event: 'done', data: '{}', atMs });
  } else if (view.status === 'failed') {
    events.push({ event: 'error', data: JSON.stringify({ detail: view.error }), atMs });
    events.push({ event: 'done', data: JSON.stringify({ reason: 'error' }), atMs });
  } else {
    events.push({ event: 'done', data: JSON.stringify({ reason: 'canceled' }), atMs });
  }
  return events;
}

function formatEvent(e: StreamEvent, index: number): string {
  const data = e.data
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n');
  return `event: ${e.event}\nid: ${Math.floor(e.atMs / 1000)}:${index}\n${data}\n\n`;
}

export const streamPrediction: Handler = (ctx) => {
  const { state } = ctx;
  const record = state.predictions.get(pathParam(ctx, 'id'));
  if (!record) fail(404, `Prediction ${ctx.params.id} not found`);
  const lastId = ctx.req.headers['last-event-id'];
  const resumeAfter = typeof lastId === 'string' && /^\d+:\d+$/.test(lastId) ? Number(lastId.split(':')[1]) : -1;
  return {
    kind: 'stream',
    status: 200,
    start: (res: ServerResponse) => {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.flushHeaders();
      let sent = resumeAfter + 1;
      let ended = false;
      const end = (comment?: string) => {
        if (ended) return;
        ended = true;
        unsubscribe();
        cancelTimeout();
        state.openHandles.delete(closeNow);
        if (comment && !res.writableEnded) res.write(comment);
        res.end();
      };
      const closeNow = () => end();
      const pump = () => {
        if (ended) return;
        const events = streamEvents(state, record);
        for (let e = events[sent]; e !== undefined; e = events[sent]) {
          res.write(formatEvent(e, sent));
          sent += 1;
          if (e.event === 'done') return end();
        }
      };
      const unsubscribe = state.predictions.subscribe(record.id, pump);
      const cancelTimeout = state.scheduler.after(STREAM_TIMEOUT_MS, () => end(':408\n\n'));
      state.openHandles.add(closeNow);
      res.on('close', () => end());
      pump();
    },
  };
};
