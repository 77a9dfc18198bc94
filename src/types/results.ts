// What the client's calls resolve to. Results never throw for operational failures: `success` (or
// `status`, for polling) says how it went, `errorCode` why.

import type { ErrorCode } from '../errors.js';
import type { TransitionPlan } from '../sequence-plan.js';
import type { Prediction } from './prediction.js';

/** The result of {@link ReplicateClient.download}: `if (result.success)` narrows it. */
export type DownloadResult =
  | { success: true; predictionId: string | null; files: string[]; error: null; errorCode: null }
  /** `files` holds what was saved before the failure. `errorCode` is `data_removed` when the outputs expired. */
  | { success: false; predictionId: string | null; files: string[]; error: string; errorCode: ErrorCode };

/** Fields of every failed `generate*` result. */
export interface FailureFields {
  success: false;
  /** One clear sentence (a timeout's contains `timeout`, a network failure's `network`). */
  error: string;
  errorCode: ErrorCode;
  /** HTTP status of the API answer that caused the failure (404 for an unknown model, ...), or null when there was none. */
  httpStatus: number | null;
  /** The prediction this call created, or null when none was. */
  predictionId: string | null;
  /** The last state seen of the prediction, when there is one. */
  prediction: Prediction | null;
  /** True when the call gave up and canceled its prediction on the server. */
  canceledOnServer: boolean;
  /** See {@link ImageSuccess.duplicatesCanceled}. */
  duplicatesCanceled?: string[];
}

/** A generated image (or several, with `num_outputs`). */
export interface ImageSuccess {
  success: true;
  /** The first image. */
  imageUrl: string;
  /** Every image, in output order. */
  imageUrls: string[];
  predictionId: string;
  error: null;
  prediction: Prediction;
  /** What it cost, from the price table and the images made; null when the model has no known price. */
  costUsd: number | null;
  /** The saved files, in output order, when `download` was asked for. */
  files?: string[];
  /**
   * Present only when a create's answer was lost and that create made a prediction beside the one this
   * result reports: the ids of those other predictions, each found and canceled (cancel requested) before
   * the call returned, and recorded in the journal. They are never the result's prediction.
   */
  duplicatesCanceled?: string[];
}

/** A failed image generation. */
export interface ImageFailure extends FailureFields {
  imageUrl: null;
  imageUrls: [];
}

/** The result of `generateImage`: `if (result.success)` narrows it. */
export type ImageResult = ImageSuccess | ImageFailure;

/** A generated video. */
export interface VideoSuccess {
  success: true;
  videoUrl: string;
  /** The duration asked for (what the cost is estimated on). */
  durationSeconds: number;
  predictionId: string;
  error: null;
  prediction: Prediction;
  /** What it cost, from the price table and the duration asked for; null when the model has no known price. */
  costUsd: number | null;
  /** The saved file, when `download` was asked for (for a sequence: the joined video). */
  files?: string[];
  /** See {@link ImageSuccess.duplicatesCanceled}. */
  duplicatesCanceled?: string[];
  /**
   * A sequence on a first-last-frame model: the joined MP4's bytes. `videoUrl`, `predictionId` and
   * `prediction` are then the first transition's; every transition is in `segments`.
   */
  bytes?: Uint8Array;
  /** A sequence: each transition, in order. */
  segments?: VideoSegment[];
  /** A sequence: its id in the journal (pass it as `sequenceId` to finish or redo it). */
  sequenceId?: string;
  /** A sequence: how the duration was split across the transitions and what that bills. */
  plan?: TransitionPlan;
  /** A sequence: `joined` when every transition had sound, `dropped` when only some did, `none` otherwise. */
  audio?: 'joined' | 'dropped' | 'none';
}

/** One transition of a sequence (image `index` to image `index + 1`). */
export interface VideoSegment {
  index: number;
  predictionId: string;
  videoUrl: string;
  /** Seconds asked for (what a per-second price bills). */
  durationSeconds: number;
  /** Its actual cost; null when the model has no known price. */
  costUsd: number | null;
  /** Its saved file, when `download` was asked for. */
  file: string | null;
}

/** A failed video generation. */
export interface VideoFailure extends FailureFields {
  videoUrl: null;
  durationSeconds: number;
  /** A sequence: the transitions that succeeded (kept: paid for, and reused when the sequence is retried). */
  segments?: VideoSegment[];
  /** A sequence: the transitions to retry (call again with the same `sequenceId`). */
  retry?: number[];
  sequenceId?: string;
}

/** The result of `generateVideo`: `if (result.success)` narrows it. */
export type VideoResult = VideoSuccess | VideoFailure;

/** How `pollPrediction` ended. `aborted`: Replicate's status for a prediction whose deadline passed before it started. */
export type PollStatus = 'succeeded' | 'failed' | 'canceled' | 'aborted' | 'timeout' | 'error';

/**
 * The result of `pollPrediction`, by `status`. `httpStatus`: the HTTP status of the API answer that made
 * polling fail (`error` only: 404 for an unknown id, 401, ...); null otherwise.
 */
export type PollResult =
  | {
      status: 'succeeded';
      predictionId: string;
      output: unknown;
      error: null;
      errorCode: null;
      httpStatus: null;
      prediction: Prediction;
    }
  | {
      status: 'failed' | 'canceled' | 'aborted';
      predictionId: string;
      output: unknown;
      error: string;
      errorCode: ErrorCode;
      httpStatus: null;
      prediction: Prediction;
    }
  /** The deadline passed first; the prediction is left running. */
  | {
      status: 'timeout';
      predictionId: string;
      output: null;
      error: string;
      errorCode: 'timeout';
      httpStatus: null;
      prediction: Prediction | null;
    }
  /** Polling failed (network, auth, unknown id, abort, close): `errorCode` says why. */
  | {
      status: 'error';
      predictionId: string;
      output: null;
      error: string;
      errorCode: ErrorCode;
      httpStatus: number | null;
      prediction: Prediction | null;
    };

/** What became of one prediction `resume()` took up. */
export interface ResumedPrediction {
  predictionId: string;
  model: string;
  /** True when it succeeded and every output asked for is on disk. */
  success: boolean;
  /** Its final status; `timeout` or `error` when waiting for it failed (it may still be running). */
  status: Prediction['status'] | 'timeout' | 'error';
  outputUrls: string[];
  /** Every saved file of the prediction (from before the crash and from now). */
  files: string[];
  /** Actual cost; null when unknown (no price, or it did not finish). */
  costUsd: number | null;
  error: string | null;
  errorCode: ErrorCode | null;
  /** True when the journal had no `created` record: its create's answer was lost and it was found by listing. */
  adopted: boolean;
  prediction: Prediction | null;
}

/** What `resume()` did for one sequence. */
export interface ResumedSequence {
  sequenceId: string;
  model: string;
  /** True when every transition succeeded and the joined video was saved. */
  success: boolean;
  /** The joined video, when it was saved. */
  file: string | null;
  /** Transitions that failed or are missing: retry them with generateVideo and this sequenceId. */
  retry: number[];
  error: string | null;
}
