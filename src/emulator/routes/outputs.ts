// Output files on the emulator's own origin: `/delivery/{id}/out-{i}.{ext}`, no auth. Rendered on
// first GET and cached; 404 once the prediction's data is removed (after the retention).

import { type Handler, pathParam } from '../http.js';
import * as media from '../media/index.js';
import { outputPath, SHARED_NAME_FOLDERS } from '../predictions.js';
import { fail } from '../problem.js';
import { videoPictures } from '../video-frames.js';

export const getOutput: Handler = (ctx) => {
  const { state } = ctx;
  const path = ctx.url.pathname;
  const record = state.predictions.get(pathParam(ctx, 'id'));
  const folder = ctx.params.folder;
  const index = folder !== undefined ? SHARED_NAME_FOLDERS.indexOf(folder) : Number(ctx.params.index);
  const file = record?.plan.files[index];
  if (!record || !file || outputPath(record, index) !== path) fail(404, 'Output file not found');
  const view = state.view(record);
  if (view.dataRemoved) {
    state.renderedOutputs.delete(path);
    fail(404, 'Output file not found: outputs are removed after the retention period');
  }
  if (view.status !== 'succeeded') fail(404, 'Output file not found: the prediction has not succeeded');
  let rendered = state.renderedOutputs.get(path);
  if (!rendered) {
    const bytes =
      file.kind === 'image'
        ? media.renderImage({
            prompt: file.prompt,
            seed: file.seed,
            width: file.width,
            height: file.height,
            format: file.format,
            quality: file.quality,
          })
        : media.renderVideo({
            prompt: file.prompt,
            seed: file.seed,
            frameCount: file.frameCount,
            fps: file.fps,
            durationSeconds: file.durationSeconds,
            ...(file.frames ? { pictures: videoPictures(state, file.frames), maxSide: state.imageMaxSide } : {}),
          });
    rendered = { bytes, contentType: media.CONTENT_TYPE[file.ext] };
    state.renderedOutputs.set(path, rendered);
    // Drop the bytes when the retention ends, whether or not anyone asks again.
    state.scheduler.at((view.completedAtMs ?? state.now()) + state.retentionMs, () =>
      state.renderedOutputs.delete(path),
    );
  }
  return {
    kind: 'body',
    status: 200,
    headers: { 'content-type': rendered.contentType, 'cache-control': 'public, max-age=3600' },
    body: rendered.bytes,
  };
};
