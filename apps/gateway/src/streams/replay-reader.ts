// One Kafka reader per topic for every replay (`from=earliest`, or a Last-Event-ID older than the tail's buffer),
// instead of a consumer group per request: subscriptions start anywhere, and the reader seeks back to the lowest
// position a subscription needs, so each subscription gets every record from its position on, in order, once.
import {
  topicPartitionOffsets,
  type KafkaConnection,
  type TopicPositions,
  type TopicRecord,
} from '@mcp-host/platform';

type Consumer = ReturnType<KafkaConnection['consumer']>;
type EachBatch = NonNullable<NonNullable<Parameters<Consumer['run']>[0]>['eachBatch']>;
type Message = Parameters<EachBatch>[0]['batch']['messages'][number];

/** How long a reader nobody subscribes to keeps its consumer before leaving the group. */
const IDLE_CLOSE_MS = 60_000;

export interface ReplaySource {
  /** Where the subscription started on each partition, clamped into what Kafka still holds. */
  readonly start: Readonly<TopicPositions>;
  /** Stops delivering to this subscription (its buffer is full) until `resume`. */
  pause(): void;
  /** Delivers again from where the subscription stopped; the reader seeks back if it has moved past that. */
  resume(): void;
  close(): Promise<void>;
}

export type RecordsHandler = (partition: number, records: TopicRecord[]) => void;

function headerText(headers: Message['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const first = Array.isArray(raw) ? raw[0] : raw;
    if (first === undefined) continue;
    out[name] = typeof first === 'string' ? first : first.toString('utf8');
  }
  return out;
}

class Subscription implements ReplaySource {
  /** The next offset this subscription needs, per partition. */
  readonly next = new Map<number, bigint>();
  active = true;
  closed = false;

  constructor(
    private readonly reader: ReplayReader,
    readonly start: Readonly<TopicPositions>,
    readonly onRecords: RecordsHandler,
    readonly onFatal: (err: Error) => void,
  ) {
    for (const [p, o] of Object.entries(start)) this.next.set(Number(p), BigInt(o));
  }

  /** Hands over the records this subscription has not had yet. */
  offer(partition: number, records: readonly TopicRecord[]): void {
    if (!this.active || this.closed) return;
    const from = this.next.get(partition) ?? 0n;
    const fresh = records.filter((r) => BigInt(r.offset) >= from);
    if (fresh.length === 0) return;
    this.next.set(partition, BigInt(fresh[fresh.length - 1].offset) + 1n);
    this.onRecords(partition, fresh);
  }

  pause(): void {
    if (!this.active) return;
    this.active = false;
    this.reader.changed();
  }

  resume(): void {
    if (this.active || this.closed) return;
    this.active = true;
    this.reader.rewindFor(this);
    this.reader.changed();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.active = false;
    this.reader.leave(this);
  }
}

export class ReplayReader {
  private readonly subs = new Set<Subscription>();
  /** The next offset the consumer delivers per partition: after the last batch, or where it was sent back to. */
  private readonly next = new Map<number, bigint>();
  private consumer?: Consumer;
  private starting?: Promise<void>;
  private running = false;
  private paused = false;
  private idleTimer?: NodeJS.Timeout;
  private stopped = false;
  /** Subscriptions made and times the consumer was sent back, since start (diagnostics and tests). */
  readonly stats = { subscriptions: 0, seeksBack: 0 };

  constructor(
    private readonly kafka: KafkaConnection,
    readonly topic: string,
    /** The one group id of this reader; a reader closed when idle and opened again reuses it. */
    private readonly groupId: string,
  ) {}

  /** The earliest offset still held on every partition. */
  async earliest(): Promise<Map<number, bigint>> {
    const offsets = await topicPartitionOffsets(this.kafka, this.topic);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.low)]));
  }

  /** Subscribes from explicit positions (clamped into [low, high] of each partition) or from the earliest. */
  async subscribe(
    from: 'earliest' | TopicPositions,
    onRecords: RecordsHandler,
    onFatal: (err: Error) => void,
  ): Promise<ReplaySource> {
    if (this.stopped) throw new Error('the replay reader is stopped');
    const offsets = await topicPartitionOffsets(this.kafka, this.topic);
    const start: TopicPositions = {};
    for (const { partition, low, high } of offsets) {
      const wanted = from === 'earliest' ? undefined : from[partition];
      const at = wanted === undefined ? BigInt(low) : BigInt(wanted);
      const clamped = at < BigInt(low) ? BigInt(low) : at > BigInt(high) ? BigInt(high) : at;
      start[partition] = clamped.toString();
    }
    const sub = new Subscription(this, start, onRecords, onFatal);
    this.subs.add(sub);
    this.stats.subscriptions += 1;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    try {
      await this.ensureRunning(sub);
    } catch (err) {
      this.subs.delete(sub);
      throw err;
    }
    this.rewindFor(sub);
    this.changed();
    return sub;
  }

  /** Sends the consumer back to where `sub` needs it, on every partition it has moved past. */
  rewindFor(sub: Subscription): void {
    for (const [p, wanted] of sub.next) {
      const at = this.next.get(p);
      if (at !== undefined && at <= wanted) continue;
      this.next.set(p, wanted);
      this.stats.seeksBack += 1;
      // Before the consumer runs, the group-join handler seeks every partition to `next`.
      if (this.running) this.consumer?.seek({ topic: this.topic, partition: p, offset: wanted.toString() });
    }
  }

  /** Pauses the consumer while no subscription takes records, and resumes it when one does. */
  changed(): void {
    const wanted = [...this.subs].some((s) => s.active);
    if (wanted === !this.paused) return;
    if (!this.running) return;
    this.paused = !wanted;
    if (wanted) this.consumer?.resume([{ topic: this.topic }]);
    else this.consumer?.pause([{ topic: this.topic }]);
  }

  leave(sub: Subscription): void {
    this.subs.delete(sub);
    this.changed();
    if (this.subs.size === 0 && !this.stopped) {
      this.idleTimer = setTimeout(() => {
        if (this.subs.size === 0) void this.disconnect();
      }, IDLE_CLOSE_MS);
      this.idleTimer.unref();
    }
  }

  private ensureRunning(first: Subscription): Promise<void> {
    if (this.consumer && !this.starting) return Promise.resolve();
    this.starting ??= (async () => {
      for (const [p, o] of first.next) if (!this.next.has(p)) this.next.set(p, o);
      const consumer = this.kafka.consumer(this.groupId);
      this.consumer = consumer;
      const seekAll = () => {
        for (const [partition, offset] of this.next)
          consumer.seek({ topic: this.topic, partition, offset: offset.toString() });
      };
      // Emitted after join and sync, before the first fetch of the generation; a rejoin keeps the positions.
      consumer.on(consumer.events.GROUP_JOIN, seekAll);
      consumer.on(consumer.events.CRASH, (e) => {
        if (e.payload.restart || this.stopped || this.consumer !== consumer) return;
        // kafkajs gave up: the next subscription starts a new consumer (same group id).
        this.consumer = undefined;
        this.running = false;
        this.next.clear();
        void consumer.disconnect().catch(() => undefined);
        for (const s of [...this.subs]) s.onFatal(e.payload.error);
      });
      try {
        await consumer.connect();
        await consumer.subscribe({ topic: this.topic, fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          // Resolved in memory only (nothing is committed), so the next fetch starts after the batch.
          eachBatchAutoResolve: true,
          eachBatch: async (payload) => {
            const { batch } = payload;
            // A batch fetched before a seek back is stale: the records after the seek target come again in order.
            if (this.stopped || !payload.isRunning() || payload.isStale()) return;
            const expected = this.next.get(batch.partition);
            const records: TopicRecord[] = [];
            for (const m of batch.messages) {
              if (expected !== undefined && BigInt(m.offset) < expected) continue;
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
            this.next.set(batch.partition, BigInt(records[records.length - 1].offset) + 1n);
            for (const s of [...this.subs]) s.offer(batch.partition, records);
          },
        });
        this.running = true;
        this.paused = false;
      } catch (err) {
        this.consumer = undefined;
        await consumer.disconnect().catch(() => undefined);
        throw err;
      }
    })().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async disconnect(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const c = this.consumer;
    this.consumer = undefined;
    this.running = false;
    this.paused = false;
    this.next.clear();
    if (c) await c.disconnect().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.subs.clear();
    await this.disconnect();
  }
}
