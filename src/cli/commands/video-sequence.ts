// `replicate-media video a.png b.png c.png --model kwaivgi/kling-v2.1`: on a first-last-frame model the
// frames become transitions (a -> b, b -> c), made in parallel and joined into one MP4 by the library.
// Prints the plan before anything is created, a progress line per transition, then the joined file and
// each transition's prediction; on a failure, which transitions to redo and the command that redoes them.
import type { ReplicateClient, VideoResult } from '../../index.js';
import { catalogueEntry, planTransitions } from '../../index.js';
import type { CommandContext } from '../context.js';
import { CliError, UsageError, withJson } from '../errors.js';
import { exitCodeForFailure } from '../exit-codes.js';
import type { SingleGeneration } from '../generation-options.js';
import { formatDuration, formatUsd } from '../output.js';
import { describeFiles, noteSaved, printSaved } from '../saved-files.js';
import { savingTo } from '../status-listener.js';

export interface SequenceRun {
  frameArgs: string[];
  frames: Array<string | Blob>;
  model: string;
  prompt: string | undefined;
  durationSeconds: number | undefined;
  sequenceId: string | undefined;
  generation: SingleGeneration;
}

export async function runVideoSequence(ctx: CommandContext, client: ReplicateClient, run: SequenceRun): Promise<void> {
  const { frameArgs, frames, model, prompt, generation } = run;
  if (!generation.download) {
    throw new UsageError(
      `--no-download does not apply to ${model}: its transitions are joined into one video in this process, which has no URL; it is saved into --out.`,
    );
  }
  if (frames.length < 2)
    throw new UsageError(`${model} moves from one frame to the next: give at least 2 frames, got ${frames.length}.`);
  const transitions = frames.length - 1;
  let plan: ReturnType<typeof planTransitions> | undefined;
  // Without --duration each transition gets the model's default length, as the library does.
  const entry = catalogueEntry(model);
  const field = entry?.limits.durationField;
  const perTransition = field ? entry?.input[field]?.default : undefined;
  const totalSeconds =
    run.durationSeconds ?? (typeof perTransition === 'number' ? perTransition * transitions : undefined);
  if (totalSeconds !== undefined) {
    try {
      plan = planTransitions(model, { images: frames.length, totalSeconds });
    } catch (error) {
      throw new UsageError((error as Error).message, { cause: error });
    }
  }
  ctx.progress.log(
    `${model}: ${transitions} transition${transitions === 1 ? '' : 's'} (${frameArgs.map((_, i) => i + 1).join(' -> ')})${plan ? `, ${plan.durations.join(' + ')} s = ${plan.billedSeconds} s billed${plan.costUsd === 'unknown' ? '' : `, about ${formatUsd(plan.costUsd)}`}` : ''}; joined into one MP4.`,
  );
  const started = Date.now();
  const lastStatus = new Map<number, string>();
  const result: VideoResult = await client.generateVideo(frames, {
    model,
    signal: ctx.signal,
    download: savingTo(ctx, generation.outDir),
    ...(generation.timeoutMs !== undefined ? { timeoutMs: generation.timeoutMs } : {}),
    ...(generation.intervalMs !== undefined ? { intervalMs: generation.intervalMs } : {}),
    ...(prompt !== undefined ? { prompt } : {}),
    ...(run.durationSeconds !== undefined ? { durationSeconds: run.durationSeconds } : {}),
    ...(run.sequenceId !== undefined ? { sequenceId: run.sequenceId } : {}),
    onTransition: (index, update) => {
      if (lastStatus.get(index) === update.status) return;
      lastStatus.set(index, update.status);
      const id = update.predictionId ? ` ${update.predictionId}` : '';
      ctx.progress.log(
        `transition ${index + 1}/${transitions} (frame ${index + 1} -> ${index + 2})${id}: ${update.status}`,
      );
    },
  });
  ctx.progress.stop();
  const segments = result.segments ?? [];
  const segmentJson = segments.map((s) => ({
    index: s.index,
    predictionId: s.predictionId,
    videoUrl: s.videoUrl,
    durationSeconds: s.durationSeconds,
    costUsd: s.costUsd,
    file: s.file,
  }));
  if (!result.success) {
    const retry = result.retry ?? [];
    const redo = ctx.embeddedEmulator
      ? ''
      : result.sequenceId
        ? ` Redo ${retry.length > 0 ? `transition${retry.length === 1 ? '' : 's'} ${retry.map((k) => k + 1).join(', ')}` : 'the join'} only (the others are kept): replicate-media video ${frameArgs.join(' ')} --model ${model} --sequence ${result.sequenceId}${generation.outDir ? ` --out ${generation.outDir}` : ''}`
        : '';
    throw withJson(
      new CliError(
        `Video sequence failed: ${result.error}.${redo}`,
        exitCodeForFailure({
          errorCode: result.errorCode,
          httpStatus: result.httpStatus,
          predictionExists: result.predictionId !== null,
          interrupted: ctx.signal.aborted,
        }),
      ),
      {
        model,
        errorCode: result.errorCode,
        sequenceId: result.sequenceId ?? null,
        retry,
        segments: segmentJson,
      },
    );
  }
  const files = await describeFiles(result.files ?? [], ['']);
  noteSaved(ctx, files);
  const elapsedMs = Date.now() - started;
  ctx.out.json({
    success: true,
    command: 'video',
    model,
    status: 'succeeded',
    frames: frameArgs,
    sequenceId: result.sequenceId,
    durationSeconds: result.durationSeconds,
    audio: result.audio,
    segments: segmentJson,
    files,
    costUsd: result.costUsd,
    elapsedMs: Math.round(elapsedMs),
  });
  ctx.out.line(
    `Sequence ${result.sequenceId} succeeded in ${formatDuration(elapsedMs)}: ${segments.length} transitions of ${model} joined into ${result.durationSeconds} s of video.`,
  );
  for (const s of segments)
    ctx.out.line(
      `  transition ${s.index + 1} (frame ${s.index + 1} -> ${s.index + 2}): ${s.predictionId}, ${s.durationSeconds} s`,
    );
  printSaved(ctx, files);
  ctx.out.line(
    result.costUsd === null
      ? `Cost: unknown (no price known for ${model}; the client's prices option gives one)`
      : `Cost: ${formatUsd(result.costUsd)}`,
  );
}
