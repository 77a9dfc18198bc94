// The live status line of one prediction: the onStatus listener that feeds it, and the download
// progress shown while the client saves the outputs.

import { resolve } from 'node:path';
import { type DownloadTo, isTerminalStatus, type StatusUpdate } from '../index.js';
import type { CommandContext } from './context.js';
import { displayPath } from './output.js';

/** What the status listener last saw of a prediction. */
export interface StatusSeen {
  predictionId: string | null;
  status: string;
  /** Time from the start of the call to the last update (to `succeeded`: the generation time). */
  elapsedMs: number;
}

export function newStatusSeen(): StatusSeen {
  return { predictionId: null, status: 'creating', elapsedMs: 0 };
}

/**
 * The onStatus listener that drives the status line for one prediction. With `savingInto`, the
 * client saves the outputs after the prediction succeeds, and the line says so meanwhile.
 */
export function statusListener(
  ctx: CommandContext,
  label: string,
  costUsd: number | null,
  seen: StatusSeen,
  savingInto: string | null = null,
): (update: StatusUpdate) => void {
  ctx.signal.addEventListener(
    'abort',
    () => {
      if (seen.status === 'creating' || !isTerminalStatus(seen.status)) {
        ctx.progress.log(
          `Interrupted: canceling ${label} prediction ${seen.predictionId ?? '(being created)'} on the server...`,
        );
      }
    },
    { once: true },
  );
  return (update) => {
    if (update.predictionId) seen.predictionId = update.predictionId;
    seen.status = update.status;
    seen.elapsedMs = update.elapsedMs;
    ctx.progress.status({
      label,
      predictionId: update.predictionId,
      status: update.status,
      elapsedMs: update.elapsedMs,
      retries: update.retries,
      costUsd,
    });
    if (update.status === 'succeeded' && savingInto !== null) {
      ctx.progress.busy(
        `${label} ${update.predictionId ?? ''}: saving the outputs into ${displayPath(resolve(savingInto))}`,
      );
    }
  };
}

/**
 * The client's `download` option for saving into `dir`, with byte-level progress on the status line (a
 * terminal only: plain mode logs each saved file instead).
 */
export function savingTo(ctx: CommandContext, dir: string): DownloadTo {
  return {
    dir,
    onProgress: ({ url, receivedBytes, totalBytes }) => {
      ctx.progress.download({ fileName: fileNameOf(url), receivedBytes, totalBytes });
    },
  };
}

/** The last path segment of a URL (what is being downloaded), or the URL itself. */
function fileNameOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || url;
  } catch {
    return url;
  }
}
