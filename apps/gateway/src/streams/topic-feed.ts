// One Kafka reader of a topic fanned out in memory to many SSE streams, with a bounded buffer of its recent records so a
// stream can attach at any position the buffer still covers and continue with no gap and no duplicate.
import { fromKafkaHeaders } from '@mcp-host/contracts';
import type { TopicPositions, TopicRecord } from '@mcp-host/platform';
import { encodeCursor } from './stream-cursor';

/** One record as every stream sees it; the frame is built once and written to every synced stream. */
export interface FeedEntry {
  partition: number;
  offset: bigint;
  /** offset + 1: the partition's position once this record is delivered. */
  next: bigint;
  /** The CloudEvents type; undefined when the record is not a valid event (it is skipped, but still moves the cursor). */
  type: string | undefined;
  payload: Record<string, unknown> | undefined;
  /** The payload as one line of JSON. */
  data: string;
  /** The cursor after this record: the feed's position once it is delivered. */
  cursor: string;
  frame: Buffer | undefined;
  size: number;
  /** Position of the entry in this feed's buffer, counting from its first record. */
  seq: number;
}

export interface FeedSubscriber {
  /** Every record the feed reads while the subscriber follows it live, in the feed's order. */
  receive(entry: FeedEntry, feed: TopicFeed): void;
  /** The feed stopped for good (its reader failed or the gateway is stopping). */
  feedEnded(feed: TopicFeed): void;
  /** While catching up: the seq of the next buffered entry it will read. */
  readonly nextSeq: number;
  /** New entries were buffered; a follower waiting at the end of the buffer reads on. */
  wake(): void;
  /** Around a batch of several records, so each client gets one socket write for the batch. */
  cork(): void;
  uncork(): void;
}

export type Positions = Map<number, bigint>;

/** Where a feed's records come from: the kit's TopicReader for a tail, a subscription of the replay reader. */
export interface FeedSource {
  /** Where the source started on each partition. */
  readonly start: Readonly<TopicPositions>;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export type OpenFeedSource = (
  onRecords: (partition: number, records: TopicRecord[]) => void,
  onFatal: (err: Error) => void,
) => Promise<FeedSource>;

export interface TopicFeedOptions {
  kind: 'tail' | 'replay';
  topic: string;
  /** Bytes of recent records kept for streams that attach late. */
  bufferBytes: number;
  /** After each batch, so the owner can move streams between feeds. */
  onAdvance?: (feed: TopicFeed) => void;
  onFatal?: (feed: TopicFeed, err: Error) => void;
  /** After each batch was written to the live subscribers: how long that took. */
  onFanout?: (feed: TopicFeed, fanout: { records: number; subscribers: number; ms: number }) => void;
}

/** Builds an SSE frame: `id`, `event` (the CloudEvents type) and the payload JSON on one `data` line. */
export function sseFrame(cursor: string, type: string, data: string): Buffer {
  return Buffer.from(`id: ${cursor}\nevent: ${type}\ndata: ${data}\n\n`, 'utf8');
}

function toEntry(record: TopicRecord, cursor: string, seq: number): FeedEntry {
  const offset = BigInt(record.offset);
  let type: string | undefined;
  let payload: Record<string, unknown> | undefined;
  let data = '';
  try {
    type = fromKafkaHeaders(record.headers).type;
    const text = record.value?.toString('utf8') ?? '';
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object');
    payload = parsed as Record<string, unknown>;
    // The payload exactly as on Kafka, unless it spans lines, which one `data:` line cannot carry.
    data = /[\r\n]/.test(text) ? JSON.stringify(parsed) : text;
  } catch {
    type = undefined;
    payload = undefined;
  }
  const frame = type === undefined ? undefined : sseFrame(cursor, type, data);
  return {
    partition: record.partition,
    offset,
    next: offset + 1n,
    type,
    payload,
    data,
    cursor,
    frame,
    size: (frame?.length ?? 0) + data.length + cursor.length + 96,
    seq,
  };
}

export class TopicFeed {
  /** The next offset of every partition: everything before it has been delivered to the subscribers. */
  readonly position: Positions = new Map();
  /** Per partition, the lowest offset whose records are all still in the buffer. */
  private readonly coveredFrom: Positions = new Map();
  private readonly entries: FeedEntry[] = [];
  private head = 0;
  private bytes = 0;
  private nextSeq = 0;
  private reader?: FeedSource;
  private ended = false;
  private paused = false;
  /** Streams following the feed live: every new record is pushed to them as it is read. */
  readonly subscribers = new Set<FeedSubscriber>();
  /** Streams still reading the buffer at their own pace; they join `subscribers` when they reach its end. */
  readonly catchingUp = new Set<FeedSubscriber>();
  /** When the feed last had no subscriber (replay feeds close after a grace period). */
  idleSince = Date.now();
  cursor = '';

  private constructor(private readonly opts: TopicFeedOptions) {}

  get kind(): 'tail' | 'replay' {
    return this.opts.kind;
  }

  get topic(): string {
    return this.opts.topic;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get bufferedBytes(): number {
    return this.bytes;
  }

  static async open(opts: TopicFeedOptions, source: OpenFeedSource): Promise<TopicFeed> {
    const feed = new TopicFeed(opts);
    feed.reader = await source(
      (partition, records) => feed.onRecords(partition, records),
      (err) => opts.onFatal?.(feed, err),
    );
    for (const [p, o] of Object.entries(feed.reader.start)) {
      feed.position.set(Number(p), BigInt(o));
      feed.coveredFrom.set(Number(p), BigInt(o));
    }
    feed.cursor = encodeCursor(feed.position);
    return feed;
  }

  /** True when the buffer holds every record from `pos` on (partitions the feed does not know count as covered). */
  covers(pos: Positions): boolean {
    for (const [p, from] of this.coveredFrom) {
      const at = pos.get(p) ?? 0n;
      if (at < from) return false;
    }
    return true;
  }

  /** The seq of the oldest buffered entry. */
  get firstSeq(): number {
    return this.nextSeq - (this.entries.length - this.head);
  }

  /** The seq the next record will get: a reader at this seq has seen the whole buffer. */
  get endSeq(): number {
    return this.nextSeq;
  }

  /** The buffered entry with this seq, or undefined once it has been evicted. */
  entryAt(seq: number): FeedEntry | undefined {
    const first = this.firstSeq;
    if (seq < first || seq >= this.nextSeq) return undefined;
    return this.entries[this.head + (seq - first)];
  }

  detach(sub: FeedSubscriber): void {
    this.subscribers.delete(sub);
    this.catchingUp.delete(sub);
    if (this.subscribers.size === 0 && this.catchingUp.size === 0) this.idleSince = Date.now();
  }

  get followers(): number {
    return this.subscribers.size + this.catchingUp.size;
  }

  /** True when `pos` names the feed's position on every partition (a stream there can use the shared frames). */
  isAt(pos: Positions): boolean {
    for (const [p, o] of this.position) if ((pos.get(p) ?? 0n) !== o) return false;
    return true;
  }

  /** The last fan-out: records handed to the live subscribers and how long writing them took. */
  lastFanout = { records: 0, subscribers: 0, ms: 0 };

  private onRecords(partition: number, records: TopicRecord[]): void {
    if (this.ended) return;
    const started = performance.now();
    const batched = records.length > 1;
    if (batched) for (const sub of this.subscribers) sub.cork();
    for (const r of records) {
      this.position.set(partition, BigInt(r.offset) + 1n);
      const entry = toEntry(r, encodeCursor(this.position), this.nextSeq);
      this.nextSeq += 1;
      this.cursor = entry.cursor;
      this.push(entry);
      for (const sub of this.subscribers) sub.receive(entry, this);
    }
    if (batched) for (const sub of this.subscribers) sub.uncork();
    this.lastFanout = {
      records: records.length,
      subscribers: this.subscribers.size,
      ms: performance.now() - started,
    };
    this.opts.onFanout?.(this, this.lastFanout);
    for (const sub of [...this.catchingUp]) sub.wake();
    this.release();
  }

  /**
   * Evicts what the buffer no longer needs. A tail keeps a fixed window (a follower that falls out of it moves to a
   * replay feed); a replay feed never evicts what a follower has not read, and pauses its reader instead.
   */
  release(): void {
    let keepFrom = Infinity;
    if (this.kind === 'replay') for (const sub of this.catchingUp) keepFrom = Math.min(keepFrom, sub.nextSeq);
    while (this.bytes > this.opts.bufferBytes && this.head < this.entries.length - 1) {
      const old = this.entries[this.head];
      if (old.seq >= keepFrom) break;
      this.head += 1;
      this.bytes -= old.size;
      this.coveredFrom.set(old.partition, old.offset + 1n);
    }
    if (this.kind === 'replay') {
      // Full only while a follower still has buffered records to read: one record larger than the whole buffer,
      // once read, does not stop the feed.
      const full = keepFrom < this.nextSeq && this.bytes > this.opts.bufferBytes;
      if (full !== this.paused) {
        this.paused = full;
        if (full) this.reader?.pause();
        else this.reader?.resume();
      }
    }
    this.opts.onAdvance?.(this);
  }

  private push(entry: FeedEntry): void {
    this.entries.push(entry);
    this.bytes += entry.size;
    // Compact now and then instead of shifting on every eviction.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const subs = [...this.subscribers, ...this.catchingUp];
    this.subscribers.clear();
    this.catchingUp.clear();
    for (const s of subs) s.feedEnded(this);
    await this.reader?.close();
  }
}
