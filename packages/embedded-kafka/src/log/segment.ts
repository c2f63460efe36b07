// One log segment: an append-only run of record batches, kept in memory or in a .log file with its .index file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BATCH_HEADER_SIZE,
  BatchInfo,
  checkBatch,
  headerInfo,
  LOG_OVERHEAD,
  readInt64,
} from '../protocol/record-batch';
import { BatchIndex, INDEX_ENTRY_SIZE, IndexEntry } from './batch-index';

export interface Segment {
  readonly baseOffset: number;
  readonly index: BatchIndex;
  readonly size: number;
  readonly createdAt: number;
  append(batch: Buffer, entry: Omit<IndexEntry, 'position' | 'size'>): void;
  /** Bytes of batches [from, to) of this segment's index, contiguous. */
  readBatches(from: number, to: number): Buffer;
  flush(): void;
  /** Like flush, but on the libuv thread pool so the event loop keeps serving while the disk syncs. */
  flushAsync(): Promise<void>;
  close(): void;
  remove(): void;
}

export class MemorySegment implements Segment {
  readonly index = new BatchIndex();
  readonly createdAt = Date.now();
  size = 0;
  private chunks: Buffer[] = [];

  constructor(readonly baseOffset: number) {}

  append(batch: Buffer, entry: Omit<IndexEntry, 'position' | 'size'>): void {
    this.index.push({ ...entry, position: this.size, size: batch.length });
    // Copy so the stored batch does not pin the whole socket read buffer it arrived in.
    this.chunks.push(Buffer.from(batch));
    this.size += batch.length;
  }

  readBatches(from: number, to: number): Buffer {
    return to - from === 1 ? this.chunks[from] : Buffer.concat(this.chunks.slice(from, to));
  }

  flush(): void {}
  flushAsync(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
  remove(): void {
    this.chunks = [];
  }
}

export function segmentFileName(baseOffset: number, ext: 'log' | 'index'): string {
  return `${String(baseOffset).padStart(20, '0')}.${ext}`;
}

export class FileSegment implements Segment {
  readonly index = new BatchIndex();
  readonly createdAt: number;
  size = 0;
  private readonly logFd: number;
  private readonly indexFd: number;
  private dirty = false;

  private constructor(
    readonly baseOffset: number,
    private readonly logPath: string,
    private readonly indexPath: string,
  ) {
    this.logFd = fs.openSync(logPath, fs.existsSync(logPath) ? 'r+' : 'w+');
    this.indexFd = fs.openSync(indexPath, fs.existsSync(indexPath) ? 'r+' : 'w+');
    this.createdAt = fs.fstatSync(this.logFd).mtimeMs;
  }

  static create(dir: string, baseOffset: number): FileSegment {
    return new FileSegment(
      baseOffset,
      path.join(dir, segmentFileName(baseOffset, 'log')),
      path.join(dir, segmentFileName(baseOffset, 'index')),
    );
  }

  /**
   * Opens an existing segment. A closed segment trusts its index when it covers the file exactly; the
   * active one (or any whose index disagrees) is scanned batch by batch, and with `verify` the first
   * batch failing its length or CRC check truncates the file there — the torn tail of a crash.
   */
  static open(
    dir: string,
    baseOffset: number,
    verify: boolean,
  ): { segment: FileSegment; truncatedBytes: number } {
    const seg = FileSegment.create(dir, baseOffset);
    const fileSize = fs.fstatSync(seg.logFd).size;
    if (!verify && seg.loadIndex(fileSize)) return { segment: seg, truncatedBytes: 0 };
    const valid = seg.scan(fileSize, verify);
    if (valid < fileSize) fs.ftruncateSync(seg.logFd, valid);
    seg.rewriteIndex();
    return { segment: seg, truncatedBytes: fileSize - valid };
  }

  private loadIndex(fileSize: number): boolean {
    const indexSize = fs.fstatSync(this.indexFd).size;
    if (indexSize % INDEX_ENTRY_SIZE !== 0) return false;
    const buf = Buffer.alloc(indexSize);
    if (indexSize > 0) fs.readSync(this.indexFd, buf, 0, indexSize, 0);
    let expected = 0;
    const entries: IndexEntry[] = [];
    for (let at = 0; at < indexSize; at += INDEX_ENTRY_SIZE) {
      const e = BatchIndex.decode(buf, at);
      if (e.position !== expected) return false;
      expected += e.size;
      entries.push(e);
    }
    if (expected !== fileSize) return false;
    for (const e of entries) this.index.push(e);
    this.size = fileSize;
    return true;
  }

  private scan(fileSize: number, verify: boolean): number {
    let pos = 0;
    const header = Buffer.alloc(BATCH_HEADER_SIZE);
    while (pos + BATCH_HEADER_SIZE <= fileSize) {
      fs.readSync(this.logFd, header, 0, BATCH_HEADER_SIZE, pos);
      const size = header.readInt32BE(8) + LOG_OVERHEAD;
      if (size < BATCH_HEADER_SIZE || pos + size > fileSize) break;
      let info: BatchInfo;
      if (verify) {
        const batch = Buffer.alloc(size);
        fs.readSync(this.logFd, batch, 0, size, pos);
        const check = checkBatch(batch, 0, true);
        if (!check.ok) break;
        info = check.info;
      } else {
        if (header.readInt8(16) !== 2) break;
        info = headerInfo(header, 0);
      }
      const baseOffset = readInt64(header, 0);
      this.index.push({
        baseOffset,
        lastOffset: baseOffset + info.lastOffsetDelta,
        position: pos,
        size,
        maxTimestamp: info.maxTimestamp,
        producerId: info.producerId,
        producerEpoch: info.producerEpoch,
        baseSequence: info.baseSequence,
      });
      pos += size;
    }
    this.size = pos;
    return pos;
  }

  private rewriteIndex(): void {
    fs.ftruncateSync(this.indexFd, 0);
    const parts: Buffer[] = [];
    for (let i = 0; i < this.index.length; i++) parts.push(BatchIndex.encode(this.index.entry(i)));
    if (parts.length > 0) fs.writeSync(this.indexFd, Buffer.concat(parts), 0, undefined, 0);
  }

  append(batch: Buffer, entry: Omit<IndexEntry, 'position' | 'size'>): void {
    const full: IndexEntry = { ...entry, position: this.size, size: batch.length };
    fs.writeSync(this.logFd, batch, 0, batch.length, this.size);
    fs.writeSync(
      this.indexFd,
      BatchIndex.encode(full),
      0,
      INDEX_ENTRY_SIZE,
      this.index.length * INDEX_ENTRY_SIZE,
    );
    this.index.push(full);
    this.size += batch.length;
    this.dirty = true;
  }

  readBatches(from: number, to: number): Buffer {
    const start = this.index.position(from);
    const end = this.index.position(to - 1) + this.index.size(to - 1);
    const buf = Buffer.allocUnsafe(end - start);
    let done = 0;
    while (done < buf.length) {
      const n = fs.readSync(this.logFd, buf, done, buf.length - done, start + done);
      if (n === 0) break;
      done += n;
    }
    return buf;
  }

  flush(): void {
    if (!this.dirty) return;
    fs.fdatasyncSync(this.logFd);
    fs.fdatasyncSync(this.indexFd);
    this.dirty = false;
  }

  flushAsync(): Promise<void> {
    if (!this.dirty) return Promise.resolve();
    this.dirty = false;
    const sync = (fd: number) =>
      new Promise<void>((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
    return Promise.all([sync(this.logFd), sync(this.indexFd)]).then(() => undefined);
  }

  close(): void {
    fs.closeSync(this.logFd);
    fs.closeSync(this.indexFd);
  }

  remove(): void {
    this.close();
    fs.rmSync(this.logPath, { force: true });
    fs.rmSync(this.indexPath, { force: true });
  }
}
