// Saving a prediction's output files before Replicate deletes them (an hour after the prediction).
// A download is written to a temporary file and renamed into place only once it is complete and
// checked, so a file on disk under its final name is always a whole, real image or video.
//
// Self-contained on purpose: web-standard `fetch` for the transfer; `node:fs/promises` is imported
// lazily inside `downloadOutput` because writing a file needs a filesystem (the rest of the library
// runs on edge runtimes too).

import { ReplicateError } from './errors.js';
import { concatBytes } from './internal/bytes.js';
import { EXTENSION_BY_MEDIA_TYPE } from './internal/media-types.js';
import { printable } from './internal/printable.js';
import { defaultSleep } from './internal/sleep.js';

/** Why a download failed. Stable: programs branch on it. */
export type DownloadErrorCode =
  /** The connection failed or broke mid-body, after every retry. */
  | 'network'
  /** The file host answered with an HTTP error that is not retried (or still failed after retries). */
  | 'http'
  /** The file is gone (404/410): Replicate removes API outputs an hour after the prediction. */
  | 'data_removed'
  /** The host answered 2xx but the body is not an image or a video (an HTML or JSON error page, say). */
  | 'invalid_content'
  /** Fewer (or more) bytes arrived than the Content-Length announced, after every retry. */
  | 'truncated'
  /** One attempt took longer than `attemptTimeoutMs` after every retry, or the whole download passed `timeoutMs`. */
  | 'timeout'
  /** The caller's `signal` aborted the download. */
  | 'canceled'
  /** The file is larger than `maxBytes` (announced or as it arrived); nothing was saved. */
  | 'too_large'
  /** A redirect pointed somewhere a download must not go (plain http, another scheme), or there were too many. */
  | 'redirect_refused'
  /** The URL or file name given cannot be used. */
  | 'invalid_input'
  /** The runtime or the system refused: Deno without --allow-write (or --allow-net for the file's host), Node's --permission, an unwritable folder. */
  | 'permission_denied';

/**
 * Thrown by {@link downloadOutput} when a file could not be saved. Nothing is left on disk under the
 * final name when this is thrown (the temporary file is removed). Carries the URL (output URLs are
 * not secret: they are served without authentication) and the HTTP status when there was one.
 */
export class DownloadError extends ReplicateError {
  declare readonly code: DownloadErrorCode;
  readonly url: string;
  /** How many attempts were made (1 = no retry). */
  readonly attempts: number;

  constructor(
    message: string,
    details: { code: DownloadErrorCode; url: string; status?: number | null; attempts?: number; cause?: unknown },
  ) {
    super(details.code, message, { status: details.status ?? null });
    this.name = 'DownloadError';
    if (details.cause !== undefined)
      Object.defineProperty(this, 'cause', { value: details.cause, configurable: true, writable: true });
    this.url = details.url;
    this.attempts = details.attempts ?? 1;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), url: this.url, attempts: this.attempts };
  }
}

/** Progress of one download, reported as bytes arrive. */
export interface DownloadProgress {
  url: string;
  receivedBytes: number;
  /** From Content-Length; null when the host did not say. */
  totalBytes: number | null;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
}

/** Which kinds of media a download accepts. */
export type MediaKind = 'image' | 'video' | 'media';

export interface DownloadOptions {
  /** Directory to save into; created if missing. */
  dir: string;
  /**
   * The file name to save as (no directories). Default: `{predictionId}-{index}.{ext}` when
   * `predictionId` is given, else the last segment of the URL; the extension comes from the
   * Content-Type that was served (falling back to the URL's). An existing file is never overwritten: when
   * the name is taken, `-1`, `-2`, ... is added before the extension (the result's `fileName` says which).
   */
  fileName?: string;
  /** Used to name the file `{predictionId}-{index}.{ext}`. */
  predictionId?: string;
  /** Position of this output in the prediction's output list; default 0. */
  index?: number;
  /** What the body must be: `image/*`, `video/*` or either (default). */
  expect?: MediaKind;
  /** A fetch implementation (default: the global `fetch`). It must not add credentials. */
  fetch?: typeof fetch;
  /** Aborts the download; the temporary file is removed and a `canceled` DownloadError thrown. */
  signal?: AbortSignal;
  /** Called as bytes arrive (often: once per network chunk). */
  onProgress?: (progress: DownloadProgress) => void;
  /**
   * Delays before each retry of a network failure, a truncated body, a 408/429 or a 5xx. Output
   * files are small and hosts are fast, so the schedule is short. Default `[500, 2_000, 5_000]`
   * (so at most 3 retries).
   */
  retryDelaysMs?: readonly number[];
  /** Time limit for one attempt, headers and body. Default 300_000 (5 minutes). */
  attemptTimeoutMs?: number;
  /**
   * Time limit for the whole download, every attempt and retry wait included (a call's deadline): past it
   * the download stops with `timeout`, whatever the host does (stalling after its headers, say). Default: none.
   */
  timeoutMs?: number;
  /** Injectable sleep for tests. Must reject (or resolve early) when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Largest file accepted, in bytes; a larger one is refused (`too_large`) and nothing is saved. Default 1 GiB. */
  maxBytes?: number;
}

/** A file that was downloaded, checked and renamed into place. */
export interface DownloadedFile {
  url: string;
  /** Absolute or dir-relative path as `dir` was given, joined with `fileName`. */
  path: string;
  fileName: string;
  bytes: number;
  contentType: string;
  attempts: number;
}

/** Default of {@link DownloadOptions.maxBytes}: 1 GiB, far above any image or video output. */
export const DOWNLOAD_MAX_BYTES = 1024 * 1024 * 1024;

/** Redirect hops followed before giving up. */
const MAX_REDIRECTS = 5;

/**
 * Where a download may be redirected: any https URL; plain http only on the origin of the URL that was
 * given (a local emulator serving its own files). Never a downgrade from https, never another scheme.
 */
export function redirectAllowed(original: string, target: URL): boolean {
  if (target.protocol === 'https:') return true;
  try {
    const from = new URL(original);
    return target.protocol === 'http:' && from.protocol === 'http:' && target.origin === from.origin;
  } catch {
    return false;
  }
}

/** The default retry schedule for downloads (ms before retry 1, 2, 3). */
export const DOWNLOAD_RETRY_DELAYS_MS: readonly number[] = [500, 2_000, 5_000];

/** Statuses worth another try: the host may answer next time. */
const RETRIED_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * The media type a body starts like, from its magic bytes; null when unknown. Used to accept
 * `application/octet-stream` answers that really are media, and to refuse a "200 image/png" that
 * is really an HTML error page.
 */
export function sniffMediaType(head: Uint8Array): string | null {
  const at = (i: number): number => head[i] ?? -1;
  const ascii = (from: number, text: string): boolean => [...text].every((ch, i) => at(from + i) === ch.charCodeAt(0));
  if (at(0) === 0x89 && ascii(1, 'PNG')) return 'image/png';
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'image/jpeg';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  if (ascii(0, 'GIF8')) return 'image/gif';
  if (ascii(4, 'ftyp')) {
    if (ascii(8, 'avif') || ascii(8, 'avis')) return 'image/avif';
    if (ascii(8, 'qt  ')) return 'video/quicktime';
    return 'video/mp4';
  }
  if (at(0) === 0x1a && at(1) === 0x45 && at(2) === 0xdf && at(3) === 0xa3) return 'video/webm';
  return null;
}

/** True when a body starts like text a server sends for errors: HTML, XML or JSON. */
function looksLikeTextError(head: Uint8Array): boolean {
  let i = 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  if (i >= head.length) return false;
  const first = head[i];
  // '<' (HTML/XML; SVG is checked separately by content type), '{' and '[' (JSON).
  return first === 0x3c || first === 0x7b || first === 0x5b;
}

/**
 * The file name for output `index` of a prediction, e.g. `p8x9...-0.webp`. The id comes from a server:
 * anything but letters, digits, `.`, `_` and `-` becomes `_`, and leading dots too, so an id such as
 * `../escaped` names a file inside the folder (`___escaped-0.png`), never a path out of it.
 */
export function outputFileName(predictionId: string, index: number, extension: string): string {
  const ext =
    extension
      .replace(/^\./, '')
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 16) || 'bin';
  return `${safeFileStem(predictionId)}-${index}.${ext}`;
}

/** `text` made usable as (the start of) a file name in one folder: no separators, `..`, control characters. */
function safeFileStem(text: string): string {
  const stem = text
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, (dots) => '_'.repeat(dots.length))
    .slice(0, 200);
  return stem === '' ? 'output' : stem;
}

function extensionFromUrl(url: string): string | null {
  if (url.startsWith('data:')) return null;
  try {
    const last = new URL(url).pathname.split('/').pop() ?? '';
    const dot = last.lastIndexOf('.');
    if (dot <= 0) return null;
    const ext = last.slice(dot + 1).toLowerCase();
    return /^[a-z0-9]{1,5}$/.test(ext) ? ext : null;
  } catch {
    return null;
  }
}

function baseNameFromUrl(url: string): string | null {
  if (url.startsWith('data:')) return null;
  try {
    const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    return last && isSafeFileName(last) ? last : null;
  } catch {
    return null;
  }
}

// No directories, no `.`/`..`, no control characters (a name from a URL or a caller goes into a path as is).
function isSafeFileName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused here
    !/[/\\\u0000-\u001f\u007f]/.test(name) &&
    name !== '.' &&
    name !== '..'
  );
}

/** `name` with `-{n}` before its extension: `out-0.png` -> `out-0-1.png`. */
function numberedName(name: string, n: number): string {
  if (n === 0) return name;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}-${n}${name.slice(dot)}` : `${name}-${n}`;
}

/** Names tried before giving up on placing a file (`out-0.png`, `out-0-1.png`, ... `out-0-999.png`). */
const MAX_NAME_SUFFIX = 1_000;

/**
 * Moves the finished temporary file to `name` in the folder, or to `name-1`, `name-2`, ... when that is
 * taken: never over an existing file (another output of the same call with the same base name, or a
 * file already there). A hard link is exclusive and atomic (it fails with EEXIST, and a reader never
 * sees a partial file); where links are not supported, the name is reserved with an exclusive create
 * and the file renamed over that reservation.
 */
async function placeExclusively(
  fs: typeof import('node:fs/promises'),
  tempPath: string,
  join: (name: string) => string,
  name: string,
): Promise<{ path: string; fileName: string }> {
  for (let n = 0; n < MAX_NAME_SUFFIX; n++) {
    const fileName = numberedName(name, n);
    const path = join(fileName);
    try {
      await fs.link(tempPath, path);
      await fs.rm(tempPath, { force: true }).catch(() => undefined); // the caller's clean-up tries again
      return { path, fileName };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw error;
    }
    try {
      await (await fs.open(path, 'wx')).close();
    } catch (error) {
      if ((error as { code?: unknown }).code === 'EEXIST') continue;
      throw error;
    }
    await fs.rename(tempPath, path);
    return { path, fileName };
  }
  throw new AttemptFailure(
    `Cannot save ${name}: it and ${MAX_NAME_SUFFIX - 1} numbered variants already exist in the folder; nothing was overwritten.`,
    'invalid_input',
    false,
  );
}

function mediaTypeOf(contentTypeHeader: string | null): string {
  return ((contentTypeHeader ?? '').split(';')[0] ?? '').trim().toLowerCase();
}

function kindAccepts(expect: MediaKind, mediaType: string): boolean {
  if (expect === 'image') return mediaType.startsWith('image/');
  if (expect === 'video') return mediaType.startsWith('video/');
  return mediaType.startsWith('image/') || mediaType.startsWith('video/');
}

function describeKind(expect: MediaKind): string {
  return expect === 'media' ? 'an image or a video' : expect === 'image' ? 'an image' : 'a video';
}

/** A failure of one attempt, and whether another attempt may succeed. */
class AttemptFailure extends Error {
  constructor(
    message: string,
    readonly code: DownloadErrorCode,
    readonly retryable: boolean,
    readonly status: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Downloads one output file into `options.dir`, atomically: the body goes to a temporary file in the
 * same directory, is checked (media Content-Type, or magic bytes when the host says
 * `application/octet-stream`; byte count against Content-Length), flushed to disk, and only then
 * renamed to its final name. Network failures, truncated bodies, 408/429 and 5xx are retried on a
 * short schedule. No Authorization header (or any credential) is ever sent: output files are public
 * URLs and the API key must never reach the file host.
 *
 * @throws DownloadError with a stable `code`; nothing is left under the final name.
 */
export async function downloadOutput(url: string, options: DownloadOptions): Promise<DownloadedFile> {
  const { dir, signal, onProgress } = options;
  const expect = options.expect ?? 'media';
  const doFetch = options.fetch ?? globalThis.fetch;
  const delaysMs = options.retryDelaysMs ?? DOWNLOAD_RETRY_DELAYS_MS;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 300_000;
  const sleep = options.sleep ?? defaultSleep;
  const maxBytes = options.maxBytes ?? DOWNLOAD_MAX_BYTES;
  if (typeof url !== 'string') {
    throw new DownloadError(`Cannot download ${quoted(url)}: the URL must be a string.`, {
      code: 'invalid_input',
      url: '',
    });
  }
  if (options.timeoutMs !== undefined && !(typeof options.timeoutMs === 'number' && options.timeoutMs > 0)) {
    throw new DownloadError(`timeoutMs must be a positive number of milliseconds, got ${quoted(options.timeoutMs)}.`, {
      code: 'invalid_input',
      url: typeof url === 'string' ? url : '',
    });
  }
  if (typeof maxBytes !== 'number' || !(maxBytes > 0)) {
    throw new DownloadError(`maxBytes must be a positive number of bytes, got ${quoted(maxBytes)}.`, {
      code: 'invalid_input',
      url,
    });
  }

  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new DownloadError(`Cannot download ${quoted(url)}: it is not a URL.`, { code: 'invalid_input', url, cause });
  }
  if (!['http:', 'https:', 'data:'].includes(parsed.protocol)) {
    throw new DownloadError(`Cannot download ${quoted(url)}: only http(s) and data URLs are supported.`, {
      code: 'invalid_input',
      url,
    });
  }
  if (options.fileName !== undefined && !isSafeFileName(options.fileName)) {
    throw new DownloadError(`Cannot save as ${quoted(options.fileName)}: a file name must not contain directories.`, {
      code: 'invalid_input',
      url,
    });
  }

  const fs = await import('node:fs/promises');
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (error) {
    throw writeFailure(error, dir, url) ?? error;
  }

  const join = (name: string): string => (dir.endsWith('/') || dir.endsWith('\\') ? dir + name : `${dir}/${name}`);
  const tempPath = join(`.download-${globalThis.crypto.randomUUID()}.part`);

  // The caller's signal and the whole download's time limit stop attempts and waits alike; which one
  // fired decides the code (`canceled` or `timeout`).
  const overall = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
  const stop = signal && overall ? AbortSignal.any([signal, overall]) : (signal ?? overall);
  const throwIfStopped = (attempts: number): void => {
    throwIfAborted(signal, url, attempts);
    if (overall?.aborted) {
      throw new DownloadError(`Downloading ${url} took longer than the ${options.timeoutMs} ms allowed.`, {
        code: 'timeout',
        url,
        attempts,
      });
    }
  };

  let attempt = 0;
  try {
    for (;;) {
      attempt++;
      throwIfStopped(attempt);
      try {
        const { contentType, bytes } = await attemptDownload({
          url,
          tempPath,
          fs,
          doFetch,
          expect,
          attemptTimeoutMs,
          attempt,
          maxBytes,
          ...(stop ? { signal: stop } : {}),
          ...(onProgress ? { onProgress } : {}),
        });
        const extension = EXTENSION_BY_MEDIA_TYPE[contentType] ?? extensionFromUrl(url) ?? 'bin';
        const fileName =
          options.fileName ??
          (options.predictionId !== undefined
            ? outputFileName(options.predictionId, options.index ?? 0, extension)
            : (baseNameFromUrl(url) ?? `output-${options.index ?? 0}.${extension}`));
        const placed = await placeExclusively(fs, tempPath, join, fileName);
        return { url, path: placed.path, fileName: placed.fileName, bytes, contentType, attempts: attempt };
      } catch (error) {
        if (stop?.aborted) throwIfStopped(attempt);
        const refused = writeFailure(error, dir, url);
        if (refused) throw refused;
        const failure =
          error instanceof AttemptFailure
            ? error
            : new AttemptFailure(
                `Network error while downloading ${url}: ${errorMessage(error)}.`,
                'network',
                true,
                null,
                {
                  cause: error,
                },
              );
        const delayMs = delaysMs[attempt - 1];
        if (!failure.retryable || delayMs === undefined) {
          throw new DownloadError(failure.message, {
            code: failure.code,
            url,
            status: failure.status,
            attempts: attempt,
            cause: failure.cause ?? failure,
          });
        }
        try {
          await sleep(delayMs, stop);
        } catch {
          throwIfStopped(attempt);
        }
      }
    }
  } finally {
    await fs.rm(tempPath, { force: true }).catch(() => undefined);
  }
}

/**
 * The error for a write the runtime or the file system refused (not retried: it would fail again), or
 * null when `error` is something else. Deno's permission errors are NotCapable (PermissionDenied before 2.0).
 */
function writeFailure(error: unknown, dir: string, url: string): DownloadError | null {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  const deno = name === 'NotCapable' || name === 'PermissionDenied';
  const node = code === 'ERR_ACCESS_DENIED'; // Node's permission model (--permission)
  if (!deno && !node && code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') return null;
  // Deno names the flag it wants: --allow-net when the file's host is not allowed (fetch), else --allow-write.
  const flag = deno ? (/--allow-[a-z-]+/.exec(errorMessage(error))?.[0] ?? '--allow-write') : null;
  const hint = flag
    ? `on Deno, run with ${flag}`
    : node
      ? `Node runs with --permission: add --allow-fs-write=${dir}`
      : 'check that this user may write that folder';
  const what = flag && flag !== '--allow-write' ? `Downloading ${url}` : `Writing into ${dir}`;
  return new DownloadError(`${what} was refused (${errorMessage(error)}): ${hint}.`, {
    code: 'permission_denied',
    url,
    cause: error,
  });
}

/** A short quoted form of a bad argument (huge strings clipped; `String()` throws on some objects). */
function quoted(value: unknown): string {
  return JSON.stringify(printable(value));
}

function throwIfAborted(signal: AbortSignal | undefined, url: string, attempts: number): void {
  if (signal?.aborted) {
    throw new DownloadError(`Download of ${url} was canceled.`, {
      code: 'canceled',
      url,
      attempts,
      cause: signal.reason,
    });
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const causeText = cause instanceof Error ? cause.message : '';
    return causeText && causeText !== error.message ? `${error.message} (${causeText})` : error.message;
  }
  return String(error);
}

interface AttemptInput {
  url: string;
  tempPath: string;
  fs: typeof import('node:fs/promises');
  doFetch: typeof fetch;
  expect: MediaKind;
  attemptTimeoutMs: number;
  attempt: number;
  maxBytes: number;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
}

async function attemptDownload(input: AttemptInput): Promise<{ contentType: string; bytes: number }> {
  const { url, tempPath, fs, doFetch, expect, attempt } = input;
  const timeout = AbortSignal.timeout(input.attemptTimeoutMs);
  const signal = input.signal ? AbortSignal.any([input.signal, timeout]) : timeout;

  let response: Response;
  try {
    // Redirects are followed here, hop by hop, so each target is checked (https only) and gets the same
    // bare request: only this header, no Authorization, no cookies — the file host never sees the API key.
    let current = url;
    for (let hop = 0; ; hop++) {
      response = await doFetch(current, {
        method: 'GET',
        headers: { accept: 'image/*, video/*;q=0.9, */*;q=0.1' },
        credentials: 'omit',
        redirect: 'manual',
        signal,
      });
      const status = response.status;
      if (status < 300 || status >= 400 || status === 304) break;
      await response.body?.cancel().catch(() => undefined);
      const location = response.headers.get('location');
      let next: URL | null = null;
      try {
        next = location === null ? null : new URL(location, current);
      } catch {
        next = null;
      }
      if (next === null || hop >= MAX_REDIRECTS || !redirectAllowed(url, next)) {
        const why =
          next === null
            ? 'without a usable Location'
            : hop >= MAX_REDIRECTS
              ? `more than ${MAX_REDIRECTS} times`
              : `to ${next.protocol}//${next.host} (only https is followed)`;
        throw new AttemptFailure(
          `The file host redirected ${url} ${why}; nothing was saved.`,
          'redirect_refused',
          false,
          status,
        );
      }
      current = next.href;
    }
  } catch (error) {
    if (timeout.aborted && !input.signal?.aborted) {
      throw new AttemptFailure(`Downloading ${url} timed out after ${input.attemptTimeoutMs} ms.`, 'timeout', true);
    }
    throw error;
  }

  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    const status = response.status;
    if (status === 404 || status === 410) {
      throw new AttemptFailure(
        `The file at ${url} is gone (HTTP ${status}); Replicate removes outputs an hour after the prediction, so download them sooner or generate again.`,
        'data_removed',
        false,
        status,
      );
    }
    throw new AttemptFailure(
      `The file host answered HTTP ${status} for ${url}.`,
      'http',
      RETRIED_STATUSES.has(status),
      status,
    );
  }

  const declaredType = mediaTypeOf(response.headers.get('content-type'));
  const lengthHeader = response.headers.get('content-length');
  const encoding = (response.headers.get('content-encoding') ?? 'identity').toLowerCase();
  // With a content-encoding, fetch decodes the body and Content-Length counts the encoded bytes.
  const totalBytes =
    lengthHeader !== null && /^\d+$/.test(lengthHeader.trim()) && encoding === 'identity'
      ? Number(lengthHeader.trim())
      : null;

  if (totalBytes !== null && totalBytes > input.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new AttemptFailure(
      `The file at ${url} is ${totalBytes} bytes, more than the ${input.maxBytes} allowed; nothing was saved.`,
      'too_large',
      false,
      response.status,
    );
  }

  const declaredIsMedia = kindAccepts(expect, declaredType);
  const declaredIsGeneric =
    declaredType === '' || declaredType === 'application/octet-stream' || declaredType === 'binary/octet-stream';
  if (!declaredIsMedia && !declaredIsGeneric) {
    await response.body?.cancel().catch(() => undefined);
    throw new AttemptFailure(
      `The file host sent ${declaredType} instead of ${describeKind(expect)} for ${url}; nothing was saved.`,
      'invalid_content',
      false,
      response.status,
    );
  }

  const handle = await fs.open(tempPath, 'w+');
  let received = 0;
  let contentType = declaredType;
  try {
    const reader = response.body?.getReader();
    let checkedHead = false;
    const checkHead = (head: Uint8Array): void => {
      checkedHead = true;
      const sniffed = sniffMediaType(head);
      if (declaredIsGeneric) {
        if (sniffed === null || !kindAccepts(expect, sniffed)) {
          throw new AttemptFailure(
            `The file host sent ${declaredType || 'no content type'} and the body is not ${describeKind(expect)} (${url}); nothing was saved.`,
            'invalid_content',
            false,
            response.status,
          );
        }
        contentType = sniffed;
      } else if (declaredType !== 'image/svg+xml' && sniffed === null && looksLikeTextError(head)) {
        throw new AttemptFailure(
          `The file host labelled ${url} as ${declaredType} but sent text (an error page?); nothing was saved.`,
          'invalid_content',
          false,
          response.status,
        );
      }
    };
    if (reader) {
      // Buffer up to 16 bytes before the magic-byte check (the first chunk is nearly always larger).
      let pendingHead: Uint8Array[] = [];
      let pendingBytes = 0;
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (timeout.aborted && !input.signal?.aborted) {
            throw new AttemptFailure(
              `Downloading ${url} timed out after ${input.attemptTimeoutMs} ms.`,
              'timeout',
              true,
            );
          }
          if (totalBytes !== null && received < totalBytes) {
            throw new AttemptFailure(
              `The download of ${url} was cut short: ${received} of ${totalBytes} bytes arrived (${errorMessage(error)}).`,
              'truncated',
              true,
              response.status,
              { cause: error },
            );
          }
          throw new AttemptFailure(
            `The connection broke while downloading ${url} (${received} bytes received): ${errorMessage(error)}.`,
            'network',
            true,
            null,
            { cause: error },
          );
        }
        if (chunk.done) break;
        const value = chunk.value;
        received += value.byteLength;
        if (received > input.maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new AttemptFailure(
            `The file at ${url} is larger than the ${input.maxBytes} bytes allowed; nothing was saved.`,
            'too_large',
            false,
            response.status,
          );
        }
        if (!checkedHead) {
          pendingHead.push(value);
          pendingBytes += value.byteLength;
          if (pendingBytes < 16) continue;
          const head = concatBytes(pendingHead);
          checkHead(head);
          await writeAll(handle, head);
          pendingHead = [];
        } else {
          await writeAll(handle, value);
        }
        input.onProgress?.({ url, receivedBytes: received, totalBytes, attempt });
      }
      if (!checkedHead) {
        const head = concatBytes(pendingHead);
        checkHead(head);
        await writeAll(handle, head);
        input.onProgress?.({ url, receivedBytes: received, totalBytes, attempt });
      }
    } else {
      checkHead(new Uint8Array(0));
    }

    if (received === 0) {
      throw new AttemptFailure(`The file host sent an empty body for ${url}.`, 'truncated', true, response.status);
    }
    if (totalBytes !== null && received !== totalBytes) {
      throw new AttemptFailure(
        `The download of ${url} was cut short: ${received} of ${totalBytes} bytes arrived.`,
        'truncated',
        true,
        response.status,
      );
    }
    // A body cut short under a Content-Length that matches it (a proxy or cache that stored half a file)
    // passes every check above; the file's own structure says whether it is whole.
    if (!(await isWhole(handle, contentType, received))) {
      throw new AttemptFailure(
        `The download of ${url} ended before the ${contentType} file did (${received} bytes arrived); nothing was saved.`,
        'truncated',
        true,
        response.status,
      );
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { contentType, bytes: received };
}

/**
 * Whether a finished file is structurally whole: PNG ends with its IEND chunk, JPEG with an end-of-image
 * marker (within its last KB: some writers pad), GIF with its trailer, WebP's RIFF size covers the file,
 * and MP4/QuickTime top-level boxes add up to the file's length. Other types are taken as whole.
 */
async function isWhole(
  handle: import('node:fs/promises').FileHandle,
  contentType: string,
  size: number,
): Promise<boolean> {
  const read = async (position: number, length: number): Promise<Uint8Array> => {
    const buffer = new Uint8Array(Math.max(0, Math.min(length, size - position)));
    if (buffer.length > 0) await handle.read(buffer, 0, buffer.length, position);
    return buffer;
  };
  switch (contentType) {
    case 'image/png': {
      const tail = await read(Math.max(0, size - 12), 12);
      return (
        tail.length === 12 &&
        [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82].every((b, i) => tail[i] === b)
      );
    }
    case 'image/jpeg':
    case 'image/jpg': {
      const tail = await read(Math.max(0, size - 1024), 1024);
      for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
      return false;
    }
    case 'image/gif':
      return (await read(size - 1, 1))[0] === 0x3b;
    case 'image/webp': {
      const head = await read(0, 8);
      const riffSize = (head[4] ?? 0) | ((head[5] ?? 0) << 8) | ((head[6] ?? 0) << 16) | ((head[7] ?? 0) * 2 ** 24);
      return riffSize + 8 === size || riffSize + 9 === size; // odd sizes may carry one pad byte
    }
    case 'video/mp4':
    case 'video/quicktime': {
      let offset = 0;
      for (let boxes = 0; offset < size && boxes < 10_000; boxes++) {
        const header = await read(offset, 16);
        if (header.length < 8) return false;
        const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
        let boxSize = view.getUint32(0);
        if (boxSize === 0) return true; // extends to the end of the file
        if (boxSize === 1) {
          if (header.length < 16) return false;
          boxSize = Number(view.getBigUint64(8));
        }
        if (boxSize < 8) return false;
        offset += boxSize;
      }
      return offset === size;
    }
    default:
      return true;
  }
}

async function writeAll(handle: import('node:fs/promises').FileHandle, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.byteLength) {
    const { bytesWritten } = await handle.write(data, offset, data.byteLength - offset);
    offset += bytesWritten;
  }
}
