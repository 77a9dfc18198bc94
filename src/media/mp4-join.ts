// Joining MP4 files end to end at the container level, without re-encoding: the samples of every
// segment are copied as they are into one mdat, and new sample tables describe them as one track.
// This is how a sequence of first-last-frame transitions becomes one video with no codec in the library.

import { InvalidInputError } from '../errors.js';
import { Mp4FormatError } from './box-reader.js';
import { BoxWriter, box, fullBox } from './box-writer.js';
import { type Edit, type Mp4Movie, type Mp4Track, readMovie } from './mp4-tracks.js';

/** Options of {@link joinMp4}. */
export interface JoinMp4Options {
  /**
   * When some segments have an audio track and others do not: `'drop'` (default) joins the video
   * alone and leaves the audio out, since silence cannot be made without an encoder; `'error'` throws
   * an `invalid_input` error naming the segments without audio.
   */
  partialAudio?: 'drop' | 'error';
  /** Write 64-bit chunk offsets (co64) even when 32 bits would do; they are always used past 4 GiB. */
  chunkOffsets64?: boolean;
}

const U32_MAX = 0xffff_ffff;
const UNITY_RATE = 0x10000;

/** The ordinal a person reads in an error: segment index 0 is the "1st". */
function describeSegment(index: number): string {
  return `segment ${index} (the ${ordinal(index + 1)} video)`;
}

function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * The common clock of the segments' tracks: the least common multiple of their timescales, so every
 * duration converts exactly; when that would not fit in 32 bits, the first segment's clock, with
 * durations rounded so no segment drifts by more than one tick.
 */
function commonTimescale(timescales: number[]): number {
  let lcm = timescales[0] as number;
  for (const t of timescales.slice(1)) {
    lcm = (lcm / gcd(lcm, t)) * t;
    if (lcm > U32_MAX) return timescales[0] as number;
  }
  return lcm;
}

/** A joined track's tables, in the output track's timescale, before chunk offsets are known. */
interface JoinedTrack {
  handler: string;
  first: Mp4Track;
  timescale: number;
  sampleEntries: Uint8Array[];
  sizes: number[];
  durations: number[];
  compositionOffsets: number[] | null;
  sync: boolean[] | null;
  /** One per source chunk: where its bytes come from, and its place in the joined stsc. */
  chunks: { segment: number; source: number; size: number; sampleCount: number; descriptionIndex: number }[];
  /** Edits per segment in the output movie timescale (media times in the output track timescale). */
  segmentEdits: Edit[][];
  /** True when any segment had an edit list, or one was needed to keep tracks in step. */
  needsEdits: boolean;
  mediaDuration: number;
}

/** The sample entry's format (its box type), e.g. 'avc1', 'hvc1', 'mp4a'. */
function entryFormat(entry: Uint8Array): string {
  return String.fromCharCode(...entry.subarray(4, 8));
}

/** A copy of a sample entry pointing at data reference 1, the joined file's only (self-contained) one. */
function withOwnDataReference(entry: Uint8Array): Uint8Array {
  const copy = entry.slice();
  if (copy.length >= 16) {
    copy[14] = 0;
    copy[15] = 1;
  }
  return copy;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Concatenates one track from each segment (`parts[k]` from segment k) into a JoinedTrack. */
function joinTrack(parts: Mp4Track[], movies: Mp4Movie[], movieTimescale: number): JoinedTrack {
  const first = parts[0] as Mp4Track;
  const format = entryFormat(first.sampleEntries[0] as Uint8Array);
  const timescale = commonTimescale(parts.map((p) => p.timescale));
  const joined: JoinedTrack = {
    handler: first.handler,
    first,
    timescale,
    sampleEntries: [],
    sizes: [],
    durations: [],
    compositionOffsets: parts.some((p) => p.compositionOffsets) ? [] : null,
    sync: parts.some((p) => p.sync) ? [] : null,
    chunks: [],
    segmentEdits: [],
    needsEdits: parts.some((p) => p.edits),
    mediaDuration: 0,
  };
  parts.forEach((part, segment) => {
    // Sample descriptions: identical entries are shared; different codec settings (another size,
    // another avcC) become another entry, which stsc points the segment's chunks at.
    const descriptionIndex = part.sampleEntries.map((raw) => {
      if (entryFormat(raw) !== format) {
        throw new InvalidInputError(
          `Cannot join the videos: ${describeSegment(segment)} is coded as '${entryFormat(raw)}' but the first is '${format}'; joining without re-encoding needs one codec`,
        );
      }
      const entry = withOwnDataReference(raw);
      let index = joined.sampleEntries.findIndex((known) => sameBytes(known, entry));
      if (index < 0) index = joined.sampleEntries.push(entry) - 1;
      return index + 1;
    });

    const scale = timescale / part.timescale;
    const start = joined.mediaDuration;
    let elapsed = 0;
    let converted = 0;
    for (const duration of part.durations) {
      elapsed += duration;
      const next = Math.round(elapsed * scale);
      joined.durations.push(next - converted);
      converted = next;
    }
    joined.mediaDuration += converted;
    joined.sizes.push(...part.sizes);
    if (joined.compositionOffsets) {
      const offsets = part.compositionOffsets ?? new Array<number>(part.sizes.length).fill(0);
      joined.compositionOffsets.push(...offsets.map((offset) => Math.round(offset * scale)));
    }
    if (joined.sync) joined.sync.push(...(part.sync ?? new Array<boolean>(part.sizes.length).fill(true)));
    for (const chunk of part.chunks) {
      joined.chunks.push({
        segment,
        source: chunk.offset,
        size: chunk.size,
        sampleCount: chunk.sampleCount,
        descriptionIndex: descriptionIndex[chunk.descriptionIndex - 1] as number,
      });
    }

    // Edits: each segment's own edit list (or "all of it"), moved to where its samples now start.
    const segmentMovieScale = movieTimescale / (movies[segment] as Mp4Movie).timescale;
    const edits: Edit[] = part.edits
      ? part.edits.map((edit) => ({
          duration: Math.round(edit.duration * segmentMovieScale),
          mediaTime: edit.mediaTime < 0 ? -1 : start + Math.round(edit.mediaTime * scale),
          rate: edit.rate,
        }))
      : [{ duration: Math.round((converted * movieTimescale) / timescale), mediaTime: start, rate: UNITY_RATE }];
    joined.segmentEdits.push(edits);
  });
  return joined;
}

function presented(edits: Edit[]): number {
  return edits.reduce((n, edit) => n + edit.duration, 0);
}

/**
 * Keeps a non-video track in step with the video segment by segment: audio a little shorter than its
 * video gets an empty edit (silence) after it, audio a little longer is cut, so drift cannot add up.
 */
function alignTo(video: JoinedTrack, other: JoinedTrack): void {
  other.segmentEdits = other.segmentEdits.map((edits, segment) => {
    const target = presented(video.segmentEdits[segment] as Edit[]);
    let excess = presented(edits) - target;
    if (excess === 0) return edits;
    other.needsEdits = true;
    if (excess < 0) return [...edits, { duration: -excess, mediaTime: -1, rate: UNITY_RATE }];
    const trimmed = edits.map((edit) => ({ ...edit }));
    for (let i = trimmed.length - 1; i >= 0 && excess > 0; i--) {
      const edit = trimmed[i] as Edit;
      const cut = Math.min(edit.duration, excess);
      edit.duration -= cut;
      excess -= cut;
    }
    return trimmed.filter((edit) => edit.duration > 0);
  });
}

/** Run-length pairs (count, value) of a per-sample list, as stts and ctts store them. */
function runs(values: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const value of values) {
    const last = out[out.length - 1];
    if (last && last[1] === value) last[0]++;
    else out.push([1, value]);
  }
  return out;
}

function writeTrak(track: JoinedTrack, trackId: number, chunkOffsets: number[], co64: boolean): Uint8Array {
  const edits = track.segmentEdits.flat();
  const trackDuration = presented(edits);
  const first = track.first;
  const wide = (...values: number[]): number => (values.some((v) => v > U32_MAX) ? 1 : 0);

  const tkhdVersion = wide(trackDuration, first.tkhdCreation, first.tkhdModification);
  const tkhd = fullBox('tkhd', tkhdVersion, first.tkhdFlags, (w) => {
    const time = (v: number): BoxWriter => (tkhdVersion ? w.u64(v) : w.u32(v));
    time(first.tkhdCreation);
    time(first.tkhdModification);
    w.u32(trackId).u32(0);
    time(trackDuration);
    w.bytes(first.tkhdTail);
  });
  const parts: Uint8Array[] = [tkhd];
  if (track.needsEdits) {
    const elstVersion = edits.some((e) => e.duration > U32_MAX || e.mediaTime > 0x7fff_ffff) ? 1 : 0;
    const elst = fullBox('elst', elstVersion, 0, (w) => {
      w.u32(edits.length);
      for (const edit of edits) {
        if (elstVersion) w.u64(edit.duration).i64(edit.mediaTime);
        else w.u32(edit.duration).i32(edit.mediaTime);
        w.u32(edit.rate);
      }
    });
    parts.push(box('edts', elst));
  }

  const mdhdVersion = wide(track.mediaDuration, first.tkhdCreation, first.tkhdModification);
  const mdhd = fullBox('mdhd', mdhdVersion, 0, (w) => {
    const time = (v: number): BoxWriter => (mdhdVersion ? w.u64(v) : w.u32(v));
    time(first.tkhdCreation);
    time(first.tkhdModification);
    w.u32(track.timescale);
    time(track.mediaDuration);
    w.u16(first.language).u16(0);
  });

  const stsd = fullBox('stsd', 0, 0, (w) => {
    w.u32(track.sampleEntries.length);
    for (const entry of track.sampleEntries) w.bytes(entry);
  });
  const stts = fullBox('stts', 0, 0, (w) => {
    const table = runs(track.durations);
    w.u32(table.length);
    for (const [count, delta] of table) w.u32(count).u32(delta);
  });
  const tables: Uint8Array[] = [stsd, stts];
  if (track.compositionOffsets) {
    const offsets = track.compositionOffsets;
    const table = runs(offsets);
    tables.push(
      fullBox('ctts', offsets.some((o) => o < 0) ? 1 : 0, 0, (w) => {
        w.u32(table.length);
        for (const [count, offset] of table) w.u32(count).i32(offset);
      }),
    );
  }
  if (track.sync) {
    const sync = track.sync;
    tables.push(
      fullBox('stss', 0, 0, (w) => {
        const numbers = sync.flatMap((isSync, i) => (isSync ? [i + 1] : []));
        w.u32(numbers.length);
        for (const n of numbers) w.u32(n);
      }),
    );
  }
  tables.push(
    fullBox('stsc', 0, 0, (w) => {
      const entries: [number, number, number][] = [];
      track.chunks.forEach((chunk, i) => {
        const last = entries[entries.length - 1];
        if (!last || last[1] !== chunk.sampleCount || last[2] !== chunk.descriptionIndex) {
          entries.push([i + 1, chunk.sampleCount, chunk.descriptionIndex]);
        }
      });
      w.u32(entries.length);
      for (const [firstChunk, samples, description] of entries) w.u32(firstChunk).u32(samples).u32(description);
    }),
  );
  tables.push(
    fullBox('stsz', 0, 0, (w) => {
      const sizes = track.sizes;
      const constant = sizes.length > 0 && sizes.every((s) => s === sizes[0]) ? (sizes[0] as number) : 0;
      w.u32(constant).u32(sizes.length);
      if (constant === 0) for (const size of sizes) w.u32(size);
    }),
  );
  tables.push(
    fullBox(co64 ? 'co64' : 'stco', 0, 0, (w) => {
      w.u32(chunkOffsets.length);
      for (const offset of chunkOffsets) co64 ? w.u64(offset) : w.u32(offset);
    }),
  );

  const dinf = box(
    'dinf',
    fullBox('dref', 0, 0, (w) => w.u32(1).bytes(fullBox('url ', 0, 1, () => {}))),
  );
  const minfParts = [...(first.mediaHeaderBox ? [first.mediaHeaderBox] : []), dinf, box('stbl', ...tables)];
  const mdia = box('mdia', mdhd, first.hdlrBox, box('minf', ...minfParts));
  return box('trak', ...parts, mdia);
}

function writeMoov(movie: Mp4Movie, tracks: JoinedTrack[], offsets: number[][], co64: boolean): Uint8Array {
  const duration = Math.max(0, ...tracks.map((t) => presented(t.segmentEdits.flat())));
  const version = [duration, movie.creation, movie.modification].some((v) => v > U32_MAX) ? 1 : 0;
  const mvhd = fullBox('mvhd', version, 0, (w) => {
    const time = (v: number): BoxWriter => (version ? w.u64(v) : w.u32(v));
    time(movie.creation);
    time(movie.modification);
    w.u32(movie.timescale);
    time(duration);
    w.bytes(movie.mvhdTail.subarray(0, 76)).u32(tracks.length + 1); // next_track_ID
  });
  const traks = tracks.map((track, i) => writeTrak(track, i + 1, offsets[i] as number[], co64));
  return box('moov', mvhd, ...traks);
}

const DEFAULT_FTYP = box('ftyp', new BoxWriter().ascii('isom').u32(0x200).ascii('isomiso2avc1mp41').toBytes());

/**
 * Joins MP4 videos end to end into one MP4, without re-encoding: one video track whose samples are
 * every segment's samples in order, and one audio track joined the same way when every segment has
 * audio. Timescales are reconciled, sync samples and chunk offsets rewritten (64-bit past 4 GiB),
 * durations and edit lists updated; segments whose codec settings differ (another size, another
 * avcC) get their own sample description, which players switch to at the segment's first keyframe.
 *
 * Other tracks (subtitles, timed metadata) and per-sample extras (sdtp, sample groups) are not kept.
 * The presentation size (tkhd) and the movie's header fields are the first segment's.
 *
 * @throws InvalidInputError (`code: 'invalid_input'`) naming the segment, for an empty list, a file
 *   that is not an MP4, a fragmented MP4 (moof), a segment without a video track, segments in
 *   different codecs, and (with `partialAudio: 'error'`) audio in only some segments.
 */
export function joinMp4(segments: readonly Uint8Array[], options: JoinMp4Options = {}): Uint8Array {
  if (!Array.isArray(segments) || segments.length === 0) {
    throw new InvalidInputError('Cannot join the videos: pass at least one MP4 segment');
  }
  const movies = segments.map((bytes, index) => {
    if (!(bytes instanceof Uint8Array)) {
      throw new InvalidInputError(`Cannot join the videos: ${describeSegment(index)} is not a Uint8Array of MP4 bytes`);
    }
    try {
      return readMovie(bytes);
    } catch (error) {
      if (error instanceof Mp4FormatError || error instanceof RangeError) {
        throw new InvalidInputError(
          `Cannot join the videos: ${describeSegment(index)} cannot be read: ${error.message}`,
        );
      }
      throw error;
    }
  });
  const trackOf = (movie: Mp4Movie, handler: string): Mp4Track | undefined =>
    movie.tracks.find((t) => t.handler === handler);

  const videoParts = movies.map((movie, index) => {
    const track = trackOf(movie, 'vide');
    if (!track) throw new InvalidInputError(`Cannot join the videos: ${describeSegment(index)} has no video track`);
    return track;
  });
  const audioParts = movies.map((movie) => trackOf(movie, 'soun'));
  const withoutAudio = audioParts.flatMap((part, index) => (part ? [] : [index]));
  if (options.partialAudio === 'error' && withoutAudio.length > 0 && withoutAudio.length < segments.length) {
    throw new InvalidInputError(
      `Cannot join the videos with their sound: ${withoutAudio.length === 1 ? 'segment' : 'segments'} ${withoutAudio.join(', ')} ${withoutAudio.length === 1 ? 'has' : 'have'} no audio track; pass partialAudio: 'drop' to join the pictures alone`,
    );
  }

  const first = movies[0] as Mp4Movie;
  const video = joinTrack(videoParts, movies, first.timescale);
  const tracks = [video];
  if (withoutAudio.length === 0) {
    const audio = joinTrack(audioParts as Mp4Track[], movies, first.timescale);
    alignTo(video, audio);
    tracks.push(audio);
  }

  // Lay the payload out segment by segment, each segment's chunks in their original file order, so
  // audio and video stay interleaved the way the segment's muxer arranged them.
  const placed = tracks.map((t) => new Array<number>(t.chunks.length).fill(0));
  const copies: { segment: number; source: number; size: number; at: number }[] = [];
  let payloadSize = 0;
  for (let segment = 0; segment < segments.length; segment++) {
    const ofSegment = tracks.flatMap((track, t) =>
      track.chunks.flatMap((chunk, c) => (chunk.segment === segment ? [{ t, c, chunk }] : [])),
    );
    ofSegment.sort((a, b) => a.chunk.source - b.chunk.source);
    for (const { t, c, chunk } of ofSegment) {
      (placed[t] as number[])[c] = payloadSize;
      copies.push({ segment, source: chunk.source, size: chunk.size, at: payloadSize });
      payloadSize += chunk.size;
    }
  }

  const ftyp = first.ftypBox ?? DEFAULT_FTYP;
  const mdatHeader = payloadSize + 8 > U32_MAX ? 16 : 8;
  const offsetsFrom = (base: number): number[][] => placed.map((list) => list.map((at) => base + at));
  // moov's size depends on stco vs co64, not on the offsets' values: measure, then write for real.
  let co64 = options.chunkOffsets64 === true;
  let base = ftyp.length + writeMoov(first, tracks, offsetsFrom(0), co64).length + mdatHeader;
  if (!co64 && base + payloadSize > U32_MAX) {
    co64 = true;
    base = ftyp.length + writeMoov(first, tracks, offsetsFrom(0), co64).length + mdatHeader;
  }
  const moov = writeMoov(first, tracks, offsetsFrom(base), co64);

  const out = new Uint8Array(base + payloadSize);
  out.set(ftyp, 0);
  out.set(moov, ftyp.length);
  const header = new DataView(out.buffer, ftyp.length + moov.length, mdatHeader);
  if (mdatHeader === 16) {
    header.setUint32(0, 1);
    header.setBigUint64(8, BigInt(payloadSize + 16));
  } else {
    header.setUint32(0, payloadSize + 8);
  }
  out.set([0x6d, 0x64, 0x61, 0x74], ftyp.length + moov.length + 4); // 'mdat'
  for (const copy of copies) {
    const source = segments[copy.segment] as Uint8Array;
    out.set(source.subarray(copy.source, copy.source + copy.size), base + copy.at);
  }
  return out;
}
