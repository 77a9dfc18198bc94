// A prediction's server-sent events (`urls.stream`), read only for the `done` event: it tells a waiting
// call that the prediction finished, sooner than the next poll would. Polling stays the authority; a stream
// that fails just stops, and the caller never depends on it.

import type { Transport } from './transport.js';

// A stream ends after a while without `done` (Replicate and the emulator close it with a `:408` comment)
// and is reopened from the last event id. A connection that ends with nothing on it this many times in a
// row means the stream is not working: stop, and leave it to polling.
const EMPTY_CONNECTIONS_TOLERATED = 3;

/**
 * Reads the stream at `url` (no credentials: it is public) until its `done` event, reconnecting with
 * `Last-Event-ID` when it ends early. Resolves true on `done`, false when the stream failed or `signal`
 * aborted; never rejects.
 */
export async function waitForStreamDone(
  transport: Transport,
  url: string,
  signal: AbortSignal,
  // Told true when a connection opens and false when it ends: the waiter skips its polls while one is open.
  onConnected: (open: boolean) => void = () => {},
): Promise<boolean> {
  let lastEventId: string | null = null;
  let empty = 0;
  while (!signal.aborted && empty < EMPTY_CONNECTIONS_TOLERATED) {
    try {
      const response = await transport.openPublic(url, {
        signal,
        headers: { Accept: 'text/event-stream', ...(lastEventId !== null ? { 'Last-Event-ID': lastEventId } : {}) },
      });
      if (!response.body) return false;
      let received = false;
      onConnected(true);
      try {
        for await (const event of serverSentEvents(response.body)) {
          received = true;
          if (event.id !== null) lastEventId = event.id;
          if (event.event === 'done') return true;
        }
      } finally {
        onConnected(false);
      }
      empty = received ? 0 : empty + 1;
    } catch (error) {
      if (!signal.aborted) {
        transport.log(
          'debug',
          `the prediction stream failed (${error instanceof Error ? error.message : String(error)}); polling continues`,
        );
      }
      return false;
    }
  }
  return false;
}

/** One server-sent event; a comment (`:408`) comes through as an event named `comment`. */
interface ServerSentEvent {
  event: string;
  id: string | null;
  data: string;
}

/** Parses a `text/event-stream` body into events (the WHATWG format: fields, blank-line separated). */
async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = 'message';
  let id: string | null = null;
  let data: string[] = [];
  let sawField = false;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (sawField) yield { event, id, data: data.join('\n') };
        event = 'message';
        data = [];
        sawField = false;
        continue;
      }
      if (line.startsWith(':')) {
        yield { event: 'comment', id: null, data: line.slice(1) };
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      sawField = true;
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
  }
}
