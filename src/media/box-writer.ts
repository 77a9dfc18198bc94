// Writing ISO BMFF (MP4) boxes: a growable big-endian byte buffer and box / full-box builders.
// Boxes are built bottom-up from their parts, so every size field is known when it is written.

/** A growable buffer of big-endian fields. */
export class BoxWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private length = 0;

  constructor(capacity = 256) {
    this.buffer = new Uint8Array(Math.max(16, capacity));
    this.view = new DataView(this.buffer.buffer);
  }

  private reserve(extra: number): number {
    const at = this.length;
    if (at + extra > this.buffer.length) {
      const grown = new Uint8Array(Math.max(at + extra, this.buffer.length * 2));
      grown.set(this.buffer.subarray(0, at));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length += extra;
    return at;
  }

  u8(value: number): this {
    const at = this.reserve(1);
    this.view.setUint8(at, value);
    return this;
  }

  u16(value: number): this {
    const at = this.reserve(2);
    this.view.setUint16(at, value);
    return this;
  }

  u32(value: number): this {
    const at = this.reserve(4);
    this.view.setUint32(at, value >>> 0);
    return this;
  }

  i32(value: number): this {
    const at = this.reserve(4);
    this.view.setInt32(at, value);
    return this;
  }

  u64(value: number): this {
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt(value));
    return this;
  }

  i64(value: number): this {
    const at = this.reserve(8);
    this.view.setBigInt64(at, BigInt(value));
    return this;
  }

  ascii(text: string): this {
    for (let i = 0; i < text.length; i++) this.u8(text.charCodeAt(i) & 0xff);
    return this;
  }

  bytes(data: Uint8Array): this {
    const at = this.reserve(data.length); // first: reserve may replace this.buffer
    this.buffer.set(data, at);
    return this;
  }

  toBytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

const U32_MAX = 0xffff_ffff;

/** A box of the given type around its parts; a 64-bit `largesize` header when it does not fit 32 bits. */
export function box(type: string, ...parts: Uint8Array[]): Uint8Array {
  const payload = parts.reduce((n, part) => n + part.length, 0);
  const large = payload + 8 > U32_MAX;
  const out = new BoxWriter(payload + 16);
  if (large)
    out
      .u32(1)
      .ascii(type)
      .u64(payload + 16);
  else out.u32(payload + 8).ascii(type);
  for (const part of parts) out.bytes(part);
  return out.toBytes();
}

/** A full box: version, 24-bit flags, then the fields `body` writes. */
export function fullBox(type: string, version: number, flags: number, body: (w: BoxWriter) => void): Uint8Array {
  const w = new BoxWriter();
  w.u8(version)
    .u8((flags >>> 16) & 0xff)
    .u16(flags & 0xffff);
  body(w);
  return box(type, w.toBytes());
}
