// Turning the images a caller gives `generateVideo` into URLs a model accepts: http(s) and data URLs
// pass through; bytes become a data URL when small (≤ 256 KB) or are uploaded through the files API.

import { DATA_URL_MAX_BYTES } from './defaults.js';
import { InvalidInputError } from './errors.js';
import { EXTENSION_BY_MEDIA_TYPE } from './internal/media-types.js';
import { quoted } from './internal/printable.js';

/** An image: an http(s) or data URL, or its bytes. */
export type ImageInput = string | URL | Blob | Uint8Array | ArrayBuffer;

/** Uploads bytes and returns the URL a model can read them from. */
export type Uploader = (content: Blob, filename: string) => Promise<string>;

/**
 * Checks and converts every image, in order.
 * @throws InvalidInputError naming the first image that is not an http(s) or data URL (or bytes).
 */
export async function resolveImageInputs(images: readonly ImageInput[], upload: Uploader): Promise<string[]> {
  const urls: string[] = [];
  for (const [index, image] of images.entries()) {
    urls.push(await resolveImage(image, index, upload));
  }
  return urls;
}

async function resolveImage(image: ImageInput, index: number, upload: Uploader): Promise<string> {
  if (typeof image === 'string' || image instanceof URL) {
    const text = String(image);
    if (isAcceptedUrl(text)) return text;
    throw new InvalidInputError(`Image ${index + 1} is not an http(s) or data URL: ${quoted(text)}`);
  }
  let blob: Blob;
  if (image instanceof Blob) blob = image;
  else if (image instanceof Uint8Array || image instanceof ArrayBuffer) {
    const bytes = image instanceof ArrayBuffer ? new Uint8Array(image) : image;
    blob = new Blob([copyBytes(bytes)], { type: sniffImageType(bytes) });
  } else {
    throw new InvalidInputError(`Image ${index + 1} is neither a URL string nor bytes (got ${describeType(image)})`);
  }
  if (blob.size === 0) throw new InvalidInputError(`Image ${index + 1} is empty (0 bytes)`);
  const type = blob.type || sniffImageType(new Uint8Array(await blob.slice(0, 16).arrayBuffer()));
  if (blob.size <= DATA_URL_MAX_BYTES) {
    return `data:${type};base64,${toBase64(new Uint8Array(await blob.arrayBuffer()))}`;
  }
  return upload(
    blob.type ? blob : new Blob([blob], { type }),
    `image-${index + 1}.${EXTENSION_BY_MEDIA_TYPE[type] ?? 'bin'}`,
  );
}

/** True for `http:`/`https:` URLs with a host, and `data:` URLs. */
export function isAcceptedUrl(text: string): boolean {
  if (/^data:[^,]*,/i.test(text)) return true;
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

function copyBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

/** The image type from magic bytes (PNG, JPEG, WebP, GIF), else `application/octet-stream`. */
export function sniffImageType(bytes: Uint8Array): string {
  const at = (i: number): number => bytes[i] ?? -1;
  if (at(0) === 0x89 && at(1) === 0x50 && at(2) === 0x4e && at(3) === 0x47) return 'image/png';
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'image/jpeg';
  if (at(0) === 0x52 && at(1) === 0x49 && at(2) === 0x46 && at(3) === 0x46 && at(8) === 0x57 && at(9) === 0x45) {
    return 'image/webp';
  }
  if (at(0) === 0x47 && at(1) === 0x49 && at(2) === 0x46) return 'image/gif';
  return 'application/octet-stream';
}

/** Base64 with web-standard APIs only (no Buffer), in chunks so large arrays do not overflow the stack. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}
