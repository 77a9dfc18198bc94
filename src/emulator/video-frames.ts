// A video prediction's input images, as pictures the encoder can show: the emulator's own output URLs
// (re-painted from their recorded prompt and seed: the same pixels its PNGs hold), files uploaded to it
// and data: URLs (PNG decoded; JPEG or WebP only when they are bytes this emulator served). Nothing is
// fetched from the network: any other URL, or an image that cannot be read, becomes a grey frame that
// says so, so the video never pretends to show what it was not given.

import { decodePng, fitPicture, isPng, paintPicture, placeholderPicture, type RgbRaster } from './media/index.js';
import type { OutputFile } from './models.js';
import type { EmulatorState } from './state.js';

type ImageFile = Extract<OutputFile, { kind: 'image' }>;
type Resolved = { picture: RgbRaster } | { problem: string };

const DELIVERY_PATH = /^\/delivery\/([^/]+)\/out-(\d+)\.[a-z0-9]+$/;
const FILE_PATH = /^\/v1\/files\/([^/]+)(?:\/download)?$/;
/** Placeholders take the first readable picture's size; with none, this. */
const FALLBACK_SIZE = { width: 256, height: 144 };

/** One picture per input URL, in order. */
export function videoPictures(state: EmulatorState, urls: readonly string[]): RgbRaster[] {
  const resolved = urls.map((url, index) => resolveFrame(state, url, index));
  const first = resolved.find((r): r is { picture: RgbRaster } => 'picture' in r)?.picture;
  const size = first ? { width: first.width, height: first.height } : FALLBACK_SIZE;
  return resolved.map((r) =>
    'picture' in r
      ? fitPicture(r.picture, size.width, size.height)
      : placeholderPicture(r.problem, size.width, size.height),
  );
}

function resolveFrame(state: EmulatorState, url: string, index: number): Resolved {
  const label = `frame ${index + 1}:`;
  if (/^data:/i.test(url)) {
    const bytes = dataUrlBytes(url);
    if (!bytes) return { problem: `${label} malformed data: URL` };
    return fromBytes(state, bytes, `${label} data: URL`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { problem: `${label} not a URL` };
  }
  if (!isOwnOrigin(state, parsed))
    return { problem: `${label} ${parsed.host} not fetched (the emulator stays offline)` };
  const delivery = DELIVERY_PATH.exec(parsed.pathname);
  if (delivery) {
    const file = outputImage(state, parsed.pathname);
    if (file === 'expired') return { problem: `${label} output expired or not ready` };
    if (!file) return { problem: `${label} no such output image on this emulator` };
    return { picture: paintImageFile(file) };
  }
  const upload = FILE_PATH.exec(parsed.pathname);
  if (upload) {
    const file = state.files.get(decodeURIComponent(upload[1] as string), state.now());
    if (!file) return { problem: `${label} no such file on this emulator` };
    return fromBytes(state, new Uint8Array(file.data), `${label} file ${file.filename}`);
  }
  return { problem: `${label} ${parsed.pathname} is not an image on this emulator` };
}

function fromBytes(state: EmulatorState, bytes: Uint8Array, what: string): Resolved {
  const own = renderedImage(state, bytes);
  if (own) return { picture: paintImageFile(own) };
  if (isPng(bytes)) {
    try {
      return { picture: decodePng(bytes) };
    } catch (error) {
      return { problem: `${what} unreadable PNG: ${(error as Error).message}` };
    }
  }
  return { problem: `${what} not decoded (PNG, or an image this emulator served)` };
}

function paintImageFile(file: ImageFile): RgbRaster {
  return paintPicture({ prompt: file.prompt, seed: file.seed, width: file.width, height: file.height });
}

/** The planned image behind an output path of this emulator, 'expired' when it cannot be served now. */
function outputImage(state: EmulatorState, path: string): ImageFile | 'expired' | undefined {
  const match = DELIVERY_PATH.exec(path);
  if (!match) return undefined;
  const record = state.predictions.get(match[1] as string);
  const file = record?.plan.files[Number(match[2])];
  if (!record || file?.kind !== 'image') return undefined;
  const view = state.view(record);
  return view.status === 'succeeded' && !view.dataRemoved ? file : 'expired';
}

/** An image this emulator served with exactly these bytes (a client may pass them back as a data URL or upload). */
function renderedImage(state: EmulatorState, bytes: Uint8Array): ImageFile | undefined {
  for (const [path, rendered] of state.renderedOutputs) {
    if (rendered.bytes.length !== bytes.length || !Buffer.from(rendered.bytes).equals(bytes)) continue;
    const file = outputImage(state, path);
    if (file && file !== 'expired') return file;
  }
  return undefined;
}

function isOwnOrigin(state: EmulatorState, url: URL): boolean {
  const own = new URL(state.origin);
  const loopback = (host: string) => ['127.0.0.1', 'localhost', '[::1]'].includes(host);
  return (
    url.protocol === own.protocol &&
    url.port === own.port &&
    (url.hostname === own.hostname || (loopback(url.hostname) && loopback(own.hostname)))
  );
}

function dataUrlBytes(url: string): Uint8Array | undefined {
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const meta = url.slice(5, comma);
  const payload = url.slice(comma + 1);
  try {
    return /;base64$/i.test(meta)
      ? new Uint8Array(Buffer.from(payload, 'base64'))
      : new TextEncoder().encode(decodeURIComponent(payload));
  } catch {
    return undefined;
  }
}
