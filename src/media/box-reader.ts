// Reading ISO BMFF (MP4) boxes: the size/type headers (32-bit, 64-bit `largesize`, and size 0 =
// "to the end"), and the big-endian fields inside them. Every read is bounds-checked, so a truncated
// or hostile file raises a Mp4FormatError instead of reading past the end or looping forever.

/** A box found in a file: its four-character type and where its header and payload sit. */
export interface Box {
  type: string;
  /** Offset of the box's first byte (its size field). */
  start: number;
  /** Offset of the payload, after the 8- or 16-byte header. */
  body: number;
  /** Offset just past the box. */
  end: number;
}

/** A malformed or unsupported file; the joiner turns it into an `invalid_input` error naming the segment. */
export class Mp4FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Mp4FormatError';
  }
}

/** The file's bytes with checked big-endian reads. */
export class BoxReader {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private check(offset: number, length: number, limit = this.bytes.length): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + length > limit) {
      throw new Mp4FormatError(`a field at byte ${offset} runs past the end of its box or the file`);
    }
  }

  u8(offset: number, limit?: number): number {
    this.check(offset, 1, limit);
    return this.view.getUint8(offset);
  }

  u16(offset: number, limit?: number): number {
    this.check(offset, 2, limit);
    return this.view.getUint16(offset);
  }

  u32(offset: number, limit?: number): number {
    this.check(offset, 4, limit);
    return this.view.getUint32(offset);
  }

  i32(offset: number, limit?: number): number {
    this.check(offset, 4, limit);
    return this.view.getInt32(offset);
  }

  /** A 64-bit unsigned field as a number; values past 2^53 cannot address anything in memory, so they are refused. */
  u64(offset: number, limit?: number): number {
    this.check(offset, 8, limit);
    const value = this.view.getBigUint64(offset);
    if (value > BigInt(Number.MAX_SAFE_INTEGER))
      throw new Mp4FormatError(`a 64-bit field at byte ${offset} is too large`);
    return Number(value);
  }

  /** A four-character code (box type, handler type, sample entry format). */
  fourcc(offset: number, limit?: number): string {
    this.check(offset, 4, limit);
    let text = '';
    for (let i = 0; i < 4; i++) text += String.fromCharCode(this.view.getUint8(offset + i));
    return text;
  }

  /** The boxes laid end to end in [start, end) (a file's top level, or a container's payload). */
  children(start: number, end: number): Box[] {
    const found: Box[] = [];
    let offset = start;
    while (offset < end) {
      if (end - offset < 8) throw new Mp4FormatError(`${end - offset} stray bytes at byte ${offset}`);
      let size = this.u32(offset, end);
      const type = this.fourcc(offset + 4, end);
      let body = offset + 8;
      if (size === 1) {
        size = this.u64(offset + 8, end);
        body = offset + 16;
      } else if (size === 0) {
        size = end - offset; // "extends to the end of the enclosing container"
      }
      if (size < body - offset || offset + size > end) {
        throw new Mp4FormatError(
          `box '${printableType(type)}' at byte ${offset} claims ${size} bytes, past its container`,
        );
      }
      found.push({ type, start: offset, body, end: offset + size });
      offset += size;
    }
    return found;
  }

  /** The boxes inside a container box. */
  childrenOf(box: Box): Box[] {
    return this.children(box.body, box.end);
  }

  /** The first child of `parent` of the given type, or undefined. */
  find(parent: Box, type: string): Box | undefined {
    return this.childrenOf(parent).find((child) => child.type === type);
  }

  /** The first child of `parent` of the given type; a Mp4FormatError naming the path when it is missing. */
  need(parent: Box, type: string, where: string): Box {
    const box = this.find(parent, type);
    if (!box) throw new Mp4FormatError(`${where} has no '${type}' box`);
    return box;
  }
}

/** A box type safe to print (types come from untrusted bytes). */
export function printableType(type: string): string {
  return /^[\x20-\x7e]{4}$/.test(type) ? type : JSON.stringify(type);
}
