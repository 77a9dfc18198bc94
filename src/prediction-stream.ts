// A prediction's server-sent events (`urls.stream`), read only for the `done` event: it tells a waiting
// call that the prediction finished, sooner than the next poll would. Polling stays the authority; a stream
// that fails just stops, and the caller never depends on it.

import { concatBytes } from './internal/bytes.js';
import type { Transport } from './transport.js';

/** Limits of the stream reader; every field has a default. */
export interface StreamLimits {
  /**
   * A connection that ends with no event on it (comments such as `: 408` are not events) this many times in
   * a row means the stream is not working: stop, and leave it to polling. Default 3.
   */
  emptyConnectionsTolerated?: number;
  /**
   * A connection shorter than this is "quick"; after two quick connections in a row the next reconnect
   * waits this long, then twice as long after each further quick one (capped). Default 1000 ms.
   */
  reconnectDelayMs?: number;
  /** Ceiling of the reconnect wait. Default 30 000 ms. */
  maxReconnectDelayMs?: number;
  /** Longest line accepted; a longer one (a stream that never sends a newline) ends the read. Default 1 MiB. */
  maxLineBytes?: number;
}

const DEFAULT_LIMITS: Required<StreamLimits> = {
  emptyConnectionsTolerated: 3,
  reconnectDelayMs: 1_000,
  maxReconnectDelayMs: 30_000,
  maxLineBytes: 1024 * 1024,
};

/**
 * Reads the stream at `url` (no credentials: it is public) until its `done` event, reconnecting with
 * `Last-Event-ID` when it ends early. Comments (`: 408`, keep-alives) are not events. Reconnects:
 * - after a connection that lasted `reconnectDelayMs` or more (the host's ordinary `: 408` after 30 s), or
 *   the first quick one: at once;
 * - after further quick ones in a row: after `reconnectDelayMs`, doubling each time (capped at
 *   `maxReconnectDelayMs`), so a host that closes at once is never hammered, events or not;
 * - after `emptyConnectionsTolerated` connections in a row without an event: never (polling carries on alone).
 * Waits go through the transport's sleep (injected in tests). Resolves true on `done`, false when the stream failed or
 * `signal` aborted; never rejects.
 */
export async function waitForStreamDone(
  transport: Transport,
  url: string,
  signal: AbortSignal,
  limits: StreamLimits & {
    /** Told true when a connection opens and false when it ends: the waiter skips its polls while one is open. */
    onConnected?: (open: boolean) => void;
  } = {},
): Promise<boolean> {
  const { emptyConnectionsTolerated, reconnectDelayMs, maxReconnectDelayMs, maxLineBytes } = {
    ...DEFAULT_LIMITS,
    ...limits,
  };
  const onConnected = limits.onConnected ?? (() => {});
  let lastEventId: string | null = null;
  let empty = 0;
  let quick = 0;
  let waitMs = 0;
  while (!signal.aborted && empty < emptyConnectionsTolerated) {
    if (waitMs > 0) {
      await transport.wait(waitMs, { signal });
      if (signal.aborted) return false;
    }
    const openedAt = transport.now();
    try {
      const response = await transport.openPublic(url, {
        signal,
        headers: { Accept: 'text/event-stream', ...(lastEventId !== null ? { 'Last-Event-ID': lastEventId } : {}) },
      });
      if (!response.body) return false;
      let received = false;
      onConnected(true);
      try {
        for await (const event of serverSentEvents(response.body, maxLineBytes)) {
          if (event.event === 'comment') continue; // a keep-alive or the host's `: 408` is not news
          received = true;
          if (event.id !== null) lastEventId = event.id;
          if (event.event === 'done') return true;
        }
      } finally {
        onConnected(false);
      }
      empty = received ? 0 : empty + 1;
      quick = transport.now() - openedAt < reconnectDelayMs ? quick + 1 : 0;
      waitMs = quick <= 1 ? 0 : Math.min(maxReconnectDelayMs, reconnectDelayMs * 2 ** (quick - 2));
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

/** A line longer than the reader accepts: the stream is abandoned (polling continues). */
export class StreamLineTooLongError extends Error {
  constructor(maxLineBytes: number) {
    super(`a stream line passed ${maxLineBytes} bytes without a newline; the stream was dropped`);
    this.name = 'StreamLineTooLongError';
  }
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines (LF, CR or CRLF), scanning each byte once: a chunk without a newline is
 * kept as it is (no concatenation, no re-scan), so a stream that never sends one costs linear time, and
 * the read stops once the pending line passes `maxLineBytes`.
 */
async function* lines(body: ReadableStream<Uint8Array>, maxLineBytes: number): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let skipLeadingLF = false; // the previous chunk ended with CR: a LF that opens this one belongs to it
  const take = (last: Uint8Array): string => {
    const joined = pending.length === 0 ? last : concatBytes([...pending, last]);
    pending = [];
    pendingBytes = 0;
    return decoder.decode(joined);
  };
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      let start = 0;
      if (skipLeadingLF && value[0] === LF) start = 1;
      skipLeadingLF = false;
      for (let i = start; i < value.byteLength; i++) {
        const byte = value[i];
        if (byte !== LF && byte !== CR) continue;
        if (pendingBytes + (i - start) > maxLineBytes) throw new StreamLineTooLongError(maxLineBytes);
        yield take(value.subarray(start, i));
        if (byte === CR) {
          if (i + 1 < value.byteLength) {
            if (value[i + 1] === LF) i += 1;
          } else skipLeadingLF = true;
        }
        start = i + 1;
      }
      if (start < value.byteLength) {
        pending.push(value.subarray(start));
        pendingBytes += value.byteLength - start;
        if (pendingBytes > maxLineBytes) throw new StreamLineTooLongError(maxLineBytes);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** Parses a `text/event-stream` body into events (the WHATWG format: fields, blank-line separated). */
async function* serverSentEvents(
  body: ReadableStream<Uint8Array>,
  maxLineBytes: number,
): AsyncGenerator<ServerSentEvent> {
  let event = 'message';
  let id: string | null = null;
  let data: string[] = [];
  let dataBytes = 0;
  let sawField = false;
  for await (const line of lines(body, maxLineBytes)) {
    if (line === '') {
      if (sawField) yield { event, id, data: data.join('\n') };
      event = 'message';
      data = [];
      dataBytes = 0;
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
    else if (field === 'data') {
      // Many short data lines add up too: the event as a whole obeys the same cap.
      dataBytes += value.length;
      if (dataBytes > maxLineBytes) throw new StreamLineTooLongError(maxLineBytes);
      data.push(value);
    } else if (field === 'id') id = value;
  }
}
