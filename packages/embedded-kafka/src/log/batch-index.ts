// In-memory index of every batch in a segment (offsets, file position, timestamps, producer fields), mirrored to the .index file.
export const INDEX_ENTRY_SIZE = 48;

export interface IndexEntry {
  baseOffset: number;
  lastOffset: number;
  position: number;
  size: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

const COLUMNS = 8;

export class BatchIndex {
  private data = new Float64Array(COLUMNS * 64);
  length = 0;

  push(e: IndexEntry): void {
    if ((this.length + 1) * COLUMNS > this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    const at = this.length * COLUMNS;
    const d = this.data;
    d[at] = e.baseOffset;
    d[at + 1] = e.lastOffset;
    d[at + 2] = e.position;
    d[at + 3] = e.size;
    d[at + 4] = e.maxTimestamp;
    d[at + 5] = e.producerId;
    d[at + 6] = e.producerEpoch;
    d[at + 7] = e.baseSequence;
    this.length++;
  }

  baseOffset(i: number): number {
    return this.data[i * COLUMNS];
  }
  lastOffset(i: number): number {
    return this.data[i * COLUMNS + 1];
  }
  position(i: number): number {
    return this.data[i * COLUMNS + 2];
  }
  size(i: number): number {
    return this.data[i * COLUMNS + 3];
  }
  maxTimestamp(i: number): number {
    return this.data[i * COLUMNS + 4];
  }

  entry(i: number): IndexEntry {
    const at = i * COLUMNS;
    const d = this.data;
    return {
      baseOffset: d[at],
      lastOffset: d[at + 1],
      position: d[at + 2],
      size: d[at + 3],
      maxTimestamp: d[at + 4],
      producerId: d[at + 5],
      producerEpoch: d[at + 6],
      baseSequence: d[at + 7],
    };
  }

  /** Index of the first batch whose last offset is >= offset, or length if none. */
  findByOffset(offset: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.lastOffset(mid) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  static encode(e: IndexEntry): Buffer {
    const b = Buffer.alloc(INDEX_ENTRY_SIZE);
    b.writeBigInt64BE(BigInt(e.baseOffset), 0);
    b.writeBigInt64BE(BigInt(e.lastOffset), 8);
    b.writeUInt32BE(e.position, 16);
    b.writeUInt32BE(e.size, 20);
    b.writeBigInt64BE(BigInt(e.maxTimestamp), 24);
    b.writeBigInt64BE(BigInt(e.producerId), 32);
    b.writeInt16BE(e.producerEpoch, 40);
    b.writeInt32BE(e.baseSequence, 42);
    return b;
  }

  static decode(b: Buffer, at: number): IndexEntry {
    return {
      baseOffset: Number(b.readBigInt64BE(at)),
      lastOffset: Number(b.readBigInt64BE(at + 8)),
      position: b.readUInt32BE(at + 16),
      size: b.readUInt32BE(at + 20),
      maxTimestamp: Number(b.readBigInt64BE(at + 24)),
      producerId: Number(b.readBigInt64BE(at + 32)),
      producerEpoch: b.readInt16BE(at + 40),
      baseSequence: b.readInt32BE(at + 42),
    };
  }
}
