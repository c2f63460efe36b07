// Reads one topic from chosen positions on every partition, without committing anything: live tails and replays
// (for example SSE streams) position themselves from a cursor instead of from a consumer group's committed offsets.
import { randomUUID } from 'node:crypto';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { KafkaConnection } from './kafka-connection';

/** Partition → the next offset to read (a Kafka offset as a decimal string). */
export type TopicPositions = Record<number, string>;

export interface TopicRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  /** Headers as text; the first value wins when a header repeats. */
  headers: Record<string, string>;
  timestamp: string;
}

export interface TopicPartitionOffsets {
  partition: number;
  /** The earliest offset still held. */
  low: string;
  /** The offset the next record will get (the high watermark). */
  high: string;
}

export interface TopicReaderOptions {
  topic: string;
  /**
   * Where to start on each partition. Explicit positions are clamped into [low, high] of their partition; a
   * partition they do not name starts at its earliest offset, so a partition added later loses nothing.
   */
  from: 'earliest' | 'latest' | TopicPositions;
  /** Records of one partition, in offset order. The next batch of that partition waits for the returned promise. */
  onRecords: (partition: number, records: TopicRecord[]) => void | Promise<void>;
  /** Prefix of the private consumer group id (nothing is ever committed to it). */
  groupIdPrefix?: string;
  maxWaitTimeMs?: number;
  /** Called when the underlying consumer crashes for good (kafkajs gave up restarting it). */
  onFatal?: (err: Error) => void;
}

/** Earliest and next offsets of every partition of a topic. */
export async function topicPartitionOffsets(
  kafka: KafkaConnection,
  topic: string,
): Promise<TopicPartitionOffsets[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets
      .map((o) => ({ partition: o.partition, low: o.low, high: o.high }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function maxOffset(a: string, b: string): string {
  return BigInt(a) >= BigInt(b) ? a : b;
}

function minOffset(a: string, b: string): string {
  return BigInt(a) <= BigInt(b) ? a : b;
}

function headerText(
  headers: EachBatchPayload['batch']['messages'][number]['headers'],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const first = Array.isArray(raw) ? raw[0] : raw;
    if (first === undefined) continue;
    out[name] = typeof first === 'string' ? first : first.toString('utf8');
  }
  return out;
}

/**
 * A reader of every partition of one topic from explicit positions. It uses a private, never-committed consumer
 * group with a single member (kafkajs has no assign mode), and re-applies its own positions after any rebalance,
 * so a rejoin neither skips nor repeats a record.
 */
export class TopicReader {
  private readonly next = new Map<number, string>();
  private consumer?: Consumer;
  private closed = false;

  private constructor(
    private readonly kafka: KafkaConnection,
    private readonly opts: TopicReaderOptions,
    /** Where the reader started on each partition, after clamping. */
    readonly start: Readonly<TopicPositions>,
  ) {
    for (const [p, o] of Object.entries(start)) this.next.set(Number(p), o);
  }

  static async open(kafka: KafkaConnection, opts: TopicReaderOptions): Promise<TopicReader> {
    const offsets = await topicPartitionOffsets(kafka, opts.topic);
    const start: TopicPositions = {};
    for (const { partition, low, high } of offsets) {
      if (opts.from === 'earliest') start[partition] = low;
      else if (opts.from === 'latest') start[partition] = high;
      else {
        const wanted = opts.from[partition];
        start[partition] = wanted === undefined ? low : minOffset(maxOffset(wanted, low), high);
      }
    }
    const reader = new TopicReader(kafka, opts, start);
    await reader.run();
    return reader;
  }

  /** The next offset of every partition: its start, moved past each record handed to onRecords. */
  positions(): TopicPositions {
    return Object.fromEntries(this.next);
  }

  private async run(): Promise<void> {
    const groupId = `${this.opts.groupIdPrefix ?? 'mcp-host.topic-reader'}.${randomUUID()}`;
    const consumer = this.kafka.consumer(groupId, { maxWaitTimeInMs: this.opts.maxWaitTimeMs ?? 100 });
    this.consumer = consumer;
    const seekAll = () => {
      for (const [partition, offset] of this.next)
        consumer.seek({ topic: this.opts.topic, partition, offset });
    };
    // Emitted synchronously after join and sync, before the first fetch of the generation.
    consumer.on(consumer.events.GROUP_JOIN, seekAll);
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart && !this.closed) this.opts.onFatal?.(e.payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.opts.topic, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      // Resolved in memory only (nothing is committed), so the next fetch starts after the batch.
      eachBatchAutoResolve: true,
      eachBatch: async (payload) => {
        const { batch } = payload;
        if (this.closed || !payload.isRunning() || payload.isStale()) return;
        const expected = this.next.get(batch.partition);
        const records: TopicRecord[] = [];
        for (const m of batch.messages) {
          // A fetch that raced a seek may start before the position; those records were handed over already.
          if (expected !== undefined && BigInt(m.offset) < BigInt(expected)) continue;
          records.push({
            partition: batch.partition,
            offset: m.offset,
            key: m.key ? m.key.toString('utf8') : null,
            value: m.value,
            headers: headerText(m.headers),
            timestamp: m.timestamp,
          });
        }
        if (records.length === 0) return;
        this.next.set(batch.partition, (BigInt(records[records.length - 1].offset) + 1n).toString());
        await this.opts.onRecords(batch.partition, records);
      },
    });
  }

  /** Stops fetching (a batch already fetched may still be handed over) until `resume`. */
  pause(): void {
    this.consumer?.pause([{ topic: this.opts.topic }]);
  }

  resume(): void {
    this.consumer?.resume([{ topic: this.opts.topic }]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const c = this.consumer;
    this.consumer = undefined;
    if (c) await c.disconnect().catch(() => undefined);
  }
}
