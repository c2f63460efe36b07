// One partition's log: validates and appends produced batches, serves fetches and offset lookups, applies retention.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedOptions } from '../broker/broker-options';
import { ErrorCode } from '../protocol/error-codes';
import { Batch, BatchInfo, checkBatch, recordAtOrAfter, writeInt64 } from '../protocol/record-batch';
import { ProducerStateTable } from '../producer/producer-state';
import { FileSegment, MemorySegment, Segment } from './segment';

export interface AppendResult {
  error: number;
  baseOffset: number;
}

export interface ReadResult {
  error: number;
  records: Buffer | null;
}

export class PartitionLog {
  private segments: Segment[] = [];
  logStartOffset = 0;
  nextOffset = 0;
  private readonly producers = new ProducerStateTable();
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly dir: string | undefined,
    private readonly opts: ResolvedOptions,
  ) {
    if (dir) this.load(dir);
    if (this.segments.length === 0) this.segments.push(this.newSegment(0));
  }

  private newSegment(baseOffset: number): Segment {
    return this.dir ? FileSegment.create(this.dir, baseOffset) : new MemorySegment(baseOffset);
  }

  private load(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const bases = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => Number(f.slice(0, -4)))
      .sort((a, b) => a - b);
    bases.forEach((base, i) => {
      const last = i === bases.length - 1;
      const { segment, truncatedBytes } = FileSegment.open(dir, base, last);
      if (truncatedBytes > 0) {
        this.opts.logger.warn(
          `${this.topic}-${this.partition}: truncated ${truncatedBytes} bytes of incomplete batch at the log tail`,
        );
      }
      this.segments.push(segment);
      for (let j = 0; j < segment.index.length; j++) {
        const e = segment.index.entry(j);
        this.producers.record(
          e.producerId,
          e.producerEpoch,
          e.baseSequence,
          e.lastOffset - e.baseOffset,
          e.baseOffset,
        );
      }
    });
    if (this.segments.length > 0) {
      this.logStartOffset = this.segments[0].baseOffset;
      const active = this.segments[this.segments.length - 1];
      this.nextOffset =
        active.index.length > 0 ? active.index.lastOffset(active.index.length - 1) + 1 : active.baseOffset;
    }
  }

  get active(): Segment {
    return this.segments[this.segments.length - 1];
  }

  sizeBytes(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }

  /**
   * Appends the batches of one produce partition entry. All batches are checked before any is written so a bad
   * one rejects the whole entry, as Kafka does. Offsets are assigned by rewriting baseOffset in place.
   */
  append(records: Buffer): AppendResult {
    const infos: { at: number; info: BatchInfo }[] = [];
    for (let at = 0; at < records.length;) {
      if (records.length - at >= 12) {
        const size = records.readInt32BE(at + Batch.length) + 12;
        if (size > this.opts.maxMessageBytes) return { error: ErrorCode.MESSAGE_TOO_LARGE, baseOffset: -1 };
      }
      const check = checkBatch(records, at);
      if (!check.ok) {
        const error =
          check.reason === 'corrupt' ? ErrorCode.CORRUPT_MESSAGE : ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT;
        return { error, baseOffset: -1 };
      }
      infos.push({ at, info: check.info });
      at += check.info.size;
    }
    if (infos.length === 0) return { error: ErrorCode.CORRUPT_MESSAGE, baseOffset: -1 };

    let firstOffset = -1;
    for (const { at, info } of infos) {
      const seq = this.producers.check(
        info.producerId,
        info.producerEpoch,
        info.baseSequence,
        info.lastOffsetDelta,
      );
      if (seq.kind === 'error') return { error: seq.code, baseOffset: -1 };
      if (seq.kind === 'duplicate') {
        if (firstOffset < 0) firstOffset = seq.baseOffset;
        continue;
      }
      const batch = records.subarray(at, at + info.size);
      const baseOffset = this.nextOffset;
      writeInt64(batch, Batch.baseOffset, baseOffset);
      batch.writeInt32BE(0, Batch.leaderEpoch);
      if (this.active.size > 0 && this.active.size + batch.length > this.opts.segmentBytes) this.roll();
      this.active.append(batch, {
        baseOffset,
        lastOffset: baseOffset + info.lastOffsetDelta,
        maxTimestamp: info.maxTimestamp,
        producerId: info.producerId,
        producerEpoch: info.producerEpoch,
        baseSequence: info.baseSequence,
      });
      this.producers.record(
        info.producerId,
        info.producerEpoch,
        info.baseSequence,
        info.lastOffsetDelta,
        baseOffset,
      );
      this.nextOffset = baseOffset + info.lastOffsetDelta + 1;
      if (firstOffset < 0) firstOffset = baseOffset;
    }
    this.wake();
    return { error: ErrorCode.NONE, baseOffset: firstOffset };
  }

  private roll(): void {
    if (this.opts.fsync !== 'never') {
      this.active
        .flushAsync()
        .catch((err: unknown) => this.opts.logger.error(`fsync failed: ${String(err)}`));
    }
    this.segments.push(this.newSegment(this.nextOffset));
  }

  /** Whole batches from the one containing `offset`, at least one even if larger than maxBytes (KIP-74). */
  read(offset: number, maxBytes: number, atLeastOne = true): ReadResult {
    if (offset < this.logStartOffset || offset > this.nextOffset) {
      return { error: ErrorCode.OFFSET_OUT_OF_RANGE, records: null };
    }
    if (offset === this.nextOffset) return { error: ErrorCode.NONE, records: Buffer.alloc(0) };
    for (let s = this.segmentFor(offset); s < this.segments.length; s++) {
      const seg = this.segments[s];
      const from = seg.index.findByOffset(offset);
      if (from >= seg.index.length) continue;
      if (!atLeastOne && seg.index.size(from) > maxBytes)
        return { error: ErrorCode.NONE, records: Buffer.alloc(0) };
      let to = from + 1;
      let bytes = seg.index.size(from);
      while (to < seg.index.length && bytes + seg.index.size(to) <= maxBytes) bytes += seg.index.size(to++);
      return { error: ErrorCode.NONE, records: seg.readBatches(from, to) };
    }
    return { error: ErrorCode.NONE, records: Buffer.alloc(0) };
  }

  private segmentFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid].baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Earliest offset whose record timestamp is >= timestamp, or -1 when every record is older. */
  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } {
    for (const seg of this.segments) {
      for (let i = 0; i < seg.index.length; i++) {
        if (seg.index.maxTimestamp(i) < timestamp) continue;
        const found = recordAtOrAfter(seg.readBatches(i, i + 1), timestamp, this.logStartOffset);
        if (found) return found;
      }
    }
    return { offset: -1, timestamp: -1 };
  }

  /** Registers a one-shot callback run on the next append; returns its remover. */
  onAppend(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  private wake(): void {
    if (this.waiters.size === 0) return;
    const fns = [...this.waiters];
    this.waiters.clear();
    for (const fn of fns) fn();
  }

  /** Deletes closed segments past the time or size limit; the active segment rolls once it is older than retentionMs. */
  applyRetention(now: number, retentionMs: number, retentionBytes: number): void {
    const active = this.active;
    if (retentionMs >= 0 && active.size > 0 && now - active.createdAt > retentionMs) this.roll();
    let total = this.sizeBytes();
    while (this.segments.length > 1) {
      const oldest = this.segments[0];
      const n = oldest.index.length;
      const newest = n > 0 ? oldest.index.maxTimestamp(n - 1) : 0;
      const expired = retentionMs >= 0 && n > 0 && now - maxTimestampOf(oldest, newest) > retentionMs;
      const oversize = retentionBytes >= 0 && total - oldest.size >= retentionBytes;
      if (!expired && !oversize) break;
      this.segments.shift();
      oldest.remove();
      total -= oldest.size;
      this.logStartOffset = this.segments[0].baseOffset;
      this.opts.logger.debug(
        `${this.topic}-${this.partition}: retention deleted segment ${oldest.baseOffset}`,
      );
    }
  }

  flush(): void {
    for (const s of this.segments) s.flush();
  }

  async flushAsync(): Promise<void> {
    await Promise.all(this.segments.map((s) => s.flushAsync()));
  }

  close(): void {
    if (this.opts.fsync !== 'never') this.flush();
    for (const s of this.segments) s.close();
  }

  remove(): void {
    for (const s of this.segments) s.remove();
    this.segments = [];
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  static dirFor(dataDir: string, topic: string, partition: number): string {
    return path.join(dataDir, 'topics', `${topic}-${partition}`);
  }
}

/** The newest timestamp of a segment, scanning because batch max timestamps need not be monotonic. */
function maxTimestampOf(seg: Segment, fallback: number): number {
  let max = fallback;
  for (let i = 0; i < seg.index.length; i++) max = Math.max(max, seg.index.maxTimestamp(i));
  return max;
}
