// Reading an HTTP answer's body with a ceiling on its size. `response.text()` reads whatever a server
// sends: 300 MB of `logs` took a process to 1.3 GB, 520 MB ended in ERR_STRING_TOO_LONG. Here the body
// is read chunk by chunk and the read stops (the connection is dropped) as soon as it passes the cap.

/** The outcome of a capped read: the whole text, or the fact that it was too large and how it began. */
export type CappedText =
  | { tooLarge: false; text: string }
  | {
      tooLarge: true;
      /** Bytes received when the read stopped (more than the cap). */
      receivedBytes: number;
      /** The first bytes of the body, decoded (up to `headBytes`): enough to find an id in it. */
      head: string;
    };

/**
 * Reads `response`'s body as UTF-8 text, stopping once more than `maxBytes` arrived (the rest is
 * canceled, never buffered). Rejects as `response.text()` would when the connection breaks.
 */
export async function readTextCapped(response: Response, maxBytes: number, headBytes = 65_536): Promise<CappedText> {
  const body = response.body;
  if (!body) return { tooLarge: false, text: '' };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    chunks.push(value);
    if (received > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { tooLarge: true, receivedBytes: received, head: decode(chunks, headBytes) };
    }
  }
  return { tooLarge: false, text: decode(chunks, received) };
}

function decode(chunks: readonly Uint8Array[], limit: number): string {
  const decoder = new TextDecoder();
  let out = '';
  let used = 0;
  for (const chunk of chunks) {
    if (used >= limit) break;
    const part = chunk.byteLength <= limit - used ? chunk : chunk.subarray(0, limit - used);
    out += decoder.decode(part, { stream: true });
    used += part.byteLength;
  }
  return out + decoder.decode();
}

/** The `"id": "..."` of a prediction at the start of a JSON answer, or null: a cut answer cannot be parsed. */
export function predictionIdInHead(head: string): string | null {
  const match = /^\s*\{[^{}]*?"id"\s*:\s*"([A-Za-z0-9_-]{1,128})"/.exec(head);
  return match?.[1] ?? null;
}
