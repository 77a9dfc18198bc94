// Joining byte chunks, for the places that gather a body or a signed payload piece by piece.

/** The chunks one after another in a fresh buffer (a fresh ArrayBuffer, as `crypto.subtle` wants). */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let size = 0;
  for (const chunk of chunks) size += chunk.byteLength;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
