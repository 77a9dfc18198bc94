// A short description of an MP4 (duration, tracks, sample counts, codecs) without decoding anything:
// what a sequence needs to report the joined video, and to say before joining which segments have sound.

import { InvalidInputError } from '../errors.js';
import { Mp4FormatError } from './box-reader.js';
import { readMovie } from './mp4-tracks.js';

export interface Mp4TrackInfo {
  /** 'vide', 'soun', ... */
  handler: string;
  /** Sample entry formats, e.g. ['avc1'] or ['avc1', 'avc1'] when the settings change mid-track. */
  formats: string[];
  samples: number;
  /** Media duration in seconds (the sum of the sample durations). */
  durationSeconds: number;
}

export interface Mp4Info {
  /** The longest track's duration in seconds. */
  durationSeconds: number;
  tracks: Mp4TrackInfo[];
  hasVideo: boolean;
  hasAudio: boolean;
}

/**
 * Describes a progressive MP4.
 * @throws InvalidInputError (`invalid_input`) for bytes that are not a readable progressive MP4.
 */
export function describeMp4(bytes: Uint8Array): Mp4Info {
  let movie: ReturnType<typeof readMovie>;
  try {
    movie = readMovie(bytes);
  } catch (error) {
    if (error instanceof Mp4FormatError || error instanceof RangeError) {
      throw new InvalidInputError(`Cannot read the video: ${error.message}`);
    }
    throw error;
  }
  const tracks = movie.tracks.map((track) => ({
    handler: track.handler,
    formats: track.sampleEntries.map((entry) => String.fromCharCode(...entry.subarray(4, 8))),
    samples: track.sizes.length,
    durationSeconds: track.durations.reduce((n, d) => n + d, 0) / track.timescale,
  }));
  return {
    durationSeconds: Math.max(0, ...tracks.map((t) => t.durationSeconds)),
    tracks,
    hasVideo: tracks.some((t) => t.handler === 'vide'),
    hasAudio: tracks.some((t) => t.handler === 'soun'),
  };
}
