// Real media for the emulator's outputs: deterministic pictures from (prompt, seed), encoded by hand
// as PNG, JPEG, WebP (lossless) and H.264 MP4 with no runtime dependencies beyond node:zlib.

import { fitPicture } from './frames.js';
import { createH264Stream, encodeIdrPicture, encodeSkippedPicture } from './h264.js';
import { encodeJpeg } from './jpeg.js';
import { muxMp4 } from './mp4.js';
import { paintPicture, type RgbRaster } from './painter.js';
import { encodePng } from './png.js';
import { encodeWebpLossless } from './webp.js';

export { fitPicture, placeholderPicture } from './frames.js';
export { paintPicture, type RgbRaster } from './painter.js';
export { decodePng, isPng, PngDecodeError } from './png-decode.js';

export type ImageFormat = 'png' | 'jpg' | 'webp';

/** MIME type per output format, for the Content-Type of served files. */
export const CONTENT_TYPE: Record<ImageFormat | 'mp4', string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  mp4: 'video/mp4',
};

export interface RenderImageOptions {
  prompt: string;
  seed: number;
  width: number;
  height: number;
  format: ImageFormat;
  /** JPEG quality 1..100 (default 85); PNG and lossless WebP ignore it. */
  quality?: number;
}

/** Throws a RangeError unless `value` is a finite number of at least `min`. */
function requireNumber(name: string, value: number, min: number): void {
  if (!Number.isFinite(value) || value < min)
    throw new RangeError(`${name} must be a finite number >= ${min}, got ${value}`);
}

/**
 * Renders the picture for (prompt, seed) in the given format; the same options give the same bytes.
 * Fractional sizes are rounded down.
 */
export function renderImage(options: RenderImageOptions): Uint8Array {
  requireNumber('width', options.width, 1);
  requireNumber('height', options.height, 1);
  const picture = paintPicture(options);
  switch (options.format) {
    case 'png':
      return encodePng(picture);
    case 'jpg':
      return encodeJpeg(picture, options.quality ?? 85);
    case 'webp':
      return encodeWebpLossless(picture);
    default:
      throw new Error(`unknown image format: ${String(options.format)}`);
  }
}

export interface RenderVideoOptions {
  prompt: string;
  seed: number;
  /**
   * How many distinct pictures ("scenes") the video shows, spread evenly over its duration. Each
   * scene is one raw keyframe (about 25 KB and 1 ms at 128x128), so keep it small: passing every
   * frame of a 30 s, 24 fps video makes 720 keyframes, 17.8 MB and about 0.6 s of work.
   */
  frameCount: number;
  fps: number;
  durationSeconds: number;
  /**
   * Default 128 x 128, or with `pictures` the first picture's size scaled to `maxSide`; odd sizes are
   * rounded up to even (H.264 4:2:0).
   */
  width?: number;
  height?: number;
  /**
   * The video's input frames, in order: the video shows each for an equal share of its
   * `round(durationSeconds * fps)` frames (fitted to the video's size, letterboxed), instead of
   * painting `frameCount` scenes from the prompt.
   */
  pictures?: readonly RgbRaster[];
  /** With `pictures` and no width/height: the longest side at most this (default 256). */
  maxSide?: number;
}

/** Default video size: small, since every scene is stored uncompressed (I_PCM, 1.5 bytes per pixel). */
const DEFAULT_VIDEO_SIDE = 128;
/** Default longest side of a video made from pictures: the emulator's default image size, so captions stay legible. */
const DEFAULT_PICTURES_MAX_SIDE = 256;

/**
 * Renders an H.264 MP4 of `max(frameCount, round(durationSeconds * fps))` frames at `fps`. Each scene
 * starts with an IDR picture of raw (I_PCM) macroblocks; the frames that hold it are all-skip P
 * pictures of a few bytes each. A 128x128 scene costs about 25 KB.
 */
export function renderVideo(options: RenderVideoOptions): Uint8Array {
  const { prompt, seed, fps } = options;
  requireNumber('fps', fps, Number.MIN_VALUE);
  requireNumber('frameCount', options.frameCount, 0);
  requireNumber('durationSeconds', options.durationSeconds, 0);
  if (options.width !== undefined) requireNumber('width', options.width, 1);
  if (options.height !== undefined) requireNumber('height', options.height, 1);
  const pictures = options.pictures && options.pictures.length > 0 ? options.pictures : undefined;
  const size = pictures ? picturesVideoSize(pictures[0] as RgbRaster, pictures.length, options) : options;
  const even = (side: number | undefined): number => Math.max(2, Math.ceil((side ?? DEFAULT_VIDEO_SIDE) / 2) * 2);
  const width = even(size.width);
  const height = even(size.height);
  const sceneCount = pictures ? pictures.length : Math.max(1, Math.floor(options.frameCount)); // 0 still shows one picture
  // From pictures, the duration asked for is kept exactly (a picture may get no frame when there are
  // more pictures than frames); painted scenes each get at least one frame.
  const totalFrames = pictures
    ? Math.max(1, Math.round(options.durationSeconds * fps))
    : Math.max(sceneCount, Math.round(options.durationSeconds * fps));

  const keyframesPerSecond = sceneCount / (totalFrames / fps);
  const stream = createH264Stream({ width, height, fps, keyframesPerSecond });
  const samples: { nalUnits: Uint8Array[]; keyframe: boolean }[] = [];
  let scene = -1;
  let frameNum = 0;
  for (let frame = 0; frame < totalFrames; frame++) {
    const frameScene = Math.floor((frame * sceneCount) / totalFrames);
    if (frameScene !== scene) {
      scene = frameScene;
      frameNum = 0;
      const picture = pictures
        ? fitPicture(pictures[scene] as RgbRaster, width, height)
        : paintPicture({ prompt, seed, width, height, scene });
      samples.push({ nalUnits: [encodeIdrPicture(stream, picture, scene)], keyframe: true });
    } else {
      frameNum++;
      samples.push({ nalUnits: [encodeSkippedPicture(stream, frameNum)], keyframe: false });
    }
  }

  // A millisecond-grained clock: fps 24 -> 24000 ticks per second, 1000 ticks per frame.
  const timescale = Math.round(fps * 1000);
  return muxMp4({
    width,
    height,
    timescale,
    sampleDuration: 1000,
    profileIdc: stream.profileIdc,
    constraintFlags: stream.constraintFlags,
    levelIdc: stream.levelIdc,
    sps: stream.sps,
    pps: stream.pps,
    samples,
  });
}

/**
 * Every picture is one raw keyframe (1.5 bytes per pixel): past this many bytes in all, the video is
 * made smaller instead (720 frames_urls at 256x256 would be 68 MiB; with the budget, 24 MiB at 152x152).
 */
const PICTURES_KEYFRAME_BUDGET_BYTES = 24 * 1024 * 1024;

/**
 * A video made from pictures takes the first one's shape, its longest side at most `maxSide`, and
 * smaller still when its keyframes would pass the budget.
 */
function picturesVideoSize(
  first: RgbRaster,
  count: number,
  options: Pick<RenderVideoOptions, 'width' | 'height' | 'maxSide'>,
): { width: number; height: number } {
  if (options.width !== undefined && options.height !== undefined)
    return { width: options.width, height: options.height };
  const maxSide = options.maxSide ?? DEFAULT_PICTURES_MAX_SIDE;
  let scale = Math.min(1, maxSide / Math.max(first.width, first.height));
  const keyframeBytes = count * first.width * scale * first.height * scale * 1.5;
  if (keyframeBytes > PICTURES_KEYFRAME_BUDGET_BYTES)
    scale *= Math.sqrt(PICTURES_KEYFRAME_BUDGET_BYTES / keyframeBytes);
  return { width: Math.max(2, Math.floor(first.width * scale)), height: Math.max(2, Math.floor(first.height * scale)) };
}
