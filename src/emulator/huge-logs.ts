// Answers whose `logs` are huge (Scenario.logsBytes): a hostile or broken server that puts hundreds of
// megabytes into every poll. The JSON is written in chunks around the logs, so the emulator never holds
// the whole answer (it may be larger than a string can be), and a client that stops reading stops it.

import type { ServerResponse } from 'node:http';
import type { Reply } from './http.js';
import { json } from './http.js';
import type { PredictionRecord } from './predictions.js';
import type { EmulatorState } from './state.js';

const CHUNK_BYTES = 64 * 1024;
/** One filler line: 1023 characters and a newline (in JSON, `\n` takes two bytes). */
const FILLER_LINE = `${'x'.repeat(1023)}\\n`;
const MARKER = '@@emulator-huge-logs@@';

/** The prediction's answer: plain JSON, or streamed with `logsBytes` of filler after its real logs. */
export function predictionReply(
  state: EmulatorState,
  record: PredictionRecord,
  status: number,
  answer: Record<string, unknown>,
  headers: Record<string, string> = {},
): Reply {
  if (record.logsBytes === undefined || typeof answer.logs !== 'string' || state.view(record).status === 'starting')
    return json(status, answer, headers);
  const realLogs = JSON.stringify(answer.logs).slice(1, -1);
  const text = JSON.stringify({ ...answer, logs: MARKER });
  const at = text.indexOf(`"${MARKER}"`);
  const head = `${text.slice(0, at)}"${realLogs}`;
  const tail = `"${text.slice(at + MARKER.length + 2)}`;
  const lines = Math.ceil(record.logsBytes / 1024);
  return {
    kind: 'stream',
    status,
    start: (res) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      void writeChunks(state, res, head, lines, tail);
    },
  };
}

async function writeChunks(
  state: EmulatorState,
  res: ServerResponse,
  head: string,
  lines: number,
  tail: string,
): Promise<void> {
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  state.openHandles.add(stop);
  res.once('close', stop);
  try {
    const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / FILLER_LINE.length));
    const chunk = FILLER_LINE.repeat(perChunk);
    if (!res.write(head)) await drained(res);
    for (let left = lines; left > 0 && !stopped; left -= perChunk) {
      const ok = res.write(left >= perChunk ? chunk : FILLER_LINE.repeat(left));
      if (!ok) await drained(res);
    }
    if (stopped) res.destroy();
    else res.end(tail);
  } finally {
    state.openHandles.delete(stop);
  }
}

/** Resolves when the socket can take more, or is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
