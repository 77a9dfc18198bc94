// Batches: many prompts through one client by a fixed pool of workers, results in input order.
// The client's rate limiter (shared by every call) paces the creates; the pool bounds what runs at
// once. Nothing per prompt is kept beyond its slot in the result array, so memory stays flat
// however long the batch.

import { DEFAULT_BATCH_CONCURRENCY } from '../defaults.js';
import { InvalidInputError } from '../errors.js';
import type { GenerateImageOptions, GenerateImagesOptions } from '../types/options.js';
import type { ImageResult } from '../types/results.js';

/** What a batch needs from the client. */
export interface BatchRunner {
  generateImage(prompt: string, options: GenerateImageOptions): Promise<ImageResult>;
  now(): number;
}

/**
 * Generates an image for every prompt with at most `concurrency` at once; resolves to one result per
 * prompt, in input order. Never rejects for operational failures (they are failed results); rejects
 * with an InvalidInputError when `prompts` is not an array, `options` not an object or `concurrency` not a
 * whole number of at least 1.
 */
export async function generateImages(
  runner: BatchRunner,
  prompts: readonly string[],
  options: GenerateImagesOptions = {},
): Promise<ImageResult[]> {
  if (!Array.isArray(prompts)) throw new InvalidInputError('prompts must be an array of strings');
  if (options !== undefined && options !== null && (typeof options !== 'object' || Array.isArray(options))) {
    throw new InvalidInputError('options must be an object');
  }
  const { concurrency = DEFAULT_BATCH_CONCURRENCY, onProgress, onResult, ...perPrompt } = options ?? {};
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidInputError(`concurrency must be a whole number of at least 1, got ${String(concurrency)}`);
  }
  const total = prompts.length;
  const results = new Array<ImageResult>(total);
  const startedMs = runner.now();
  let next = 0;
  let done = 0;
  let failed = 0;
  let running = 0;
  let costMicros = 0;

  const report = (): void => {
    if (!onProgress) return;
    const elapsedMs = Math.max(0, runner.now() - startedMs);
    const ratePerMs = done > 0 && elapsedMs > 0 ? done / elapsedMs : 0;
    try {
      onProgress({
        done,
        failed,
        running,
        total,
        elapsedMs,
        costUsd: costMicros / 1e6,
        ratePerMinute: ratePerMs * 60_000,
        etaMs: ratePerMs > 0 ? Math.round((total - done) / ratePerMs) : done === total ? 0 : null,
      });
    } catch {
      // A progress callback must not break the batch.
    }
  };

  const worker = async (): Promise<void> => {
    for (let index = next++; index < total; index = next++) {
      running += 1;
      report();
      // `as string`: a hole or non-string is passed on as is, and generateImage answers it with an
      // invalid_input result for that prompt (the batch goes on).
      const result = await runner.generateImage(prompts[index] as string, perPrompt);
      running -= 1;
      results[index] = result;
      done += 1;
      if (result.success) costMicros += Math.round((result.costUsd ?? 0) * 1e6);
      else failed += 1;
      report();
      try {
        onResult?.(result, index);
      } catch {
        // Same as onProgress.
      }
    }
  };

  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  if (total === 0) report();
  return results;
}
