// Cursor over a request frame; every read throws MalformedFrameError when the frame is shorter than claimed.
// Nothing is allocated from a count or length the frame cannot back: strings and bytes are checked against the
// remaining bytes before they are sliced, array counts against the remaining bytes divided by the smallest
// encoding of one item, and varints are capped in length.
export class MalformedFrameError extends Error {}

export class Reader {
  offset = 0;

  constructor(readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.offset + n > this.buf.length) throw new MalformedFrameError('frame too short');
  }

  remaining(): number {
    return this.buf.length - this.offset;
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.offset++);
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  int64(): number {
    this.need(8);
    const hi = this.buf.readInt32BE(this.offset);
    const lo = this.buf.readUInt32BE(this.offset + 4);
    this.offset += 8;
    return hi * 0x100000000 + lo;
  }

  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      this.need(1);
      const b = this.buf[this.offset++];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new MalformedFrameError('varint too long');
    }
  }

  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  varlong(): number {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      this.need(1);
      const b = this.buf[this.offset++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
      if (shift > 70n) throw new MalformedFrameError('varlong too long');
    }
    return Number((result >> 1n) ^ -(result & 1n));
  }

  private raw(n: number): Buffer {
    if (n < 0) throw new MalformedFrameError('negative length');
    this.need(n);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  string(): string {
    const s = this.nullableString();
    if (s === null) throw new MalformedFrameError('null string');
    return s;
  }

  nullableString(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    return this.raw(len).toString('utf8');
  }

  compactString(): string {
    const s = this.compactNullableString();
    if (s === null) throw new MalformedFrameError('null string');
    return s;
  }

  compactNullableString(): string | null {
    const len = this.uvarint() - 1;
    if (len === -1) return null;
    return this.raw(len).toString('utf8');
  }

  bytes(): Buffer {
    const b = this.nullableBytes();
    return b ?? Buffer.alloc(0);
  }

  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len === -1) return null;
    return this.raw(len);
  }

  /** `minItemBytes`: the fewest bytes one item can take, so a count the frame cannot hold fails before any work. */
  array<T>(item: (r: Reader) => T, minItemBytes = 1): T[] {
    return this.nullableArray(item, minItemBytes) ?? [];
  }

  nullableArray<T>(item: (r: Reader) => T, minItemBytes = 1): T[] | null {
    const n = this.int32();
    if (n === -1) return null;
    this.checkCount(n, minItemBytes);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }

  compactArray<T>(item: (r: Reader) => T, minItemBytes = 1): T[] {
    const n = this.uvarint() - 1;
    if (n < 0) return [];
    this.checkCount(n, minItemBytes);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }

  private checkCount(n: number, minItemBytes: number): void {
    if (n < 0 || n * Math.max(1, minItemBytes) > this.remaining())
      throw new MalformedFrameError(`bad array length ${n}`);
  }

  /** Tagged fields carry nothing this broker understands, so they are skipped. */
  skipTaggedFields(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      this.raw(this.uvarint());
    }
  }
}
