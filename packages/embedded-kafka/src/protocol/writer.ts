// Growable big-endian encoder for response frames.
export class Writer {
  private buf: Buffer;
  offset = 0;
  /** Finished pieces when large buffers were attached by reference instead of copied. */
  private readonly pieces: Buffer[] = [];

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.offset + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.offset + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.offset);
    this.buf = next;
  }

  int8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.offset++);
    return this;
  }

  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.offset);
    this.offset += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.offset);
    this.offset += 4;
    return this;
  }

  int64(v: number): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(BigInt(v), this.offset);
    this.offset += 8;
    return this;
  }

  uvarint(v: number): this {
    this.ensure(5);
    while (v >= 0x80) {
      this.buf[this.offset++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.offset++] = v;
    return this;
  }

  raw(b: Buffer): this {
    this.ensure(b.length);
    b.copy(this.buf, this.offset);
    this.offset += b.length;
    return this;
  }

  string(s: string): this {
    const len = Buffer.byteLength(s);
    this.int16(len);
    this.ensure(len);
    this.buf.write(s, this.offset, 'utf8');
    this.offset += len;
    return this;
  }

  nullableString(s: string | null): this {
    return s === null ? this.int16(-1) : this.string(s);
  }

  compactString(s: string): this {
    const len = Buffer.byteLength(s);
    this.uvarint(len + 1);
    this.ensure(len);
    this.buf.write(s, this.offset, 'utf8');
    this.offset += len;
    return this;
  }

  /** Writes nullable bytes, attaching large buffers by reference so record data is not copied into the frame. */
  nullableBytesRef(b: Buffer | null): this {
    if (b === null || b.length < 4096) return this.nullableBytes(b);
    this.int32(b.length);
    this.pieces.push(this.buf.subarray(0, this.offset), b);
    this.buf = Buffer.allocUnsafe(256);
    this.offset = 0;
    return this;
  }

  bytes(b: Buffer): this {
    this.int32(b.length);
    return this.raw(b);
  }

  nullableBytes(b: Buffer | null): this {
    return b === null ? this.int32(-1) : this.bytes(b);
  }

  array<T>(items: readonly T[], write: (w: Writer, item: T) => void): this {
    this.int32(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  nullableArray<T>(items: readonly T[] | null, write: (w: Writer, item: T) => void): this {
    return items === null ? this.int32(-1) : this.array(items, write);
  }

  compactArray<T>(items: readonly T[], write: (w: Writer, item: T) => void): this {
    this.uvarint(items.length + 1);
    for (const item of items) write(this, item);
    return this;
  }

  emptyTaggedFields(): this {
    return this.uvarint(0);
  }

  /** Reserves a 4-byte slot to patch later, e.g. a frame size. */
  reserve32(): number {
    this.ensure(4);
    const at = this.offset;
    this.offset += 4;
    return at;
  }

  patch32(at: number, v: number): void {
    this.buf.writeInt32BE(v, at);
  }

  result(): Buffer {
    const last = this.buf.subarray(0, this.offset);
    return this.pieces.length === 0 ? last : Buffer.concat([...this.pieces, last]);
  }

  /** The encoded bytes as pieces to write in sequence, without joining them. */
  resultPieces(): Buffer[] {
    return [...this.pieces, this.buf.subarray(0, this.offset)];
  }
}
