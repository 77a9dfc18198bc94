// The one table of media types outputs and inputs come in, with their file extensions: downloads name
// saved files from it, uploads name images from it, and the CLI reads a saved file's type back from it.

/** File extension (no dot) for each media type. */
export const EXTENSION_BY_MEDIA_TYPE: Readonly<Record<string, string>> = Object.freeze({
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/jpg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
  'image/svg+xml': 'svg',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'video/quicktime': 'mov',
});

const MEDIA_TYPE_BY_EXTENSION: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(
    // The first media type of an extension is its canonical one (`jpg` is image/jpeg, not image/jpg).
    Object.entries(EXTENSION_BY_MEDIA_TYPE)
      .reverse()
      .map(([type, extension]) => [extension, type]),
  ),
);

/** The media type of a file extension (`png` or `.PNG`), or undefined when it is not one of the table's. */
export function mediaTypeOfExtension(extension: string): string | undefined {
  return MEDIA_TYPE_BY_EXTENSION[extension.replace(/^\./, '').toLowerCase()];
}
