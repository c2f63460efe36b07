// Consumes this service's topics: validates each event against its contract, applies it once through the inbox,
// retries a failing handler a bounded number of times, then dead-letters it so the partition moves on.
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { context } from '@opentelemetry/api';
import {
  deadLetterTopicOf,
  eventDefinition,
  fromKafkaHeaders,
  parseEvent,
  type CloudEventAttributes,
  type EventType,
} from '@mcp-host/contracts';
import type { KafkaConnection } from './kafka-connection';
import type { PlatformMetrics } from '../ops/platform-metrics';
import type { EventHandlerFn } from './event-handler.decorator';
import { contextFromTraceparent } from '../telemetry/trace-context';

export type DeadLetterReason = 'envelope_invalid' | 'payload_not_json' | 'schema_invalid' | 'handler_failed';

export interface EventConsumerOptions {
  groupId: string;
  dataSource: DataSource;
  kafka: KafkaConnection;
  metrics: PlatformMetrics;
  logger: Logger;
  maxAttempts: number;
  handlers: Map<EventType, EventHandlerFn[]>;
  /** Backoff before attempt n (1-based) of a failing handler. */
  retryDelayMs?: (attempt: number) => number;
  sessionTimeoutMs?: number;
}

class DuplicateEvent extends Error {}

/** Messages applied per transaction on the fast path. */
const CHUNK_SIZE = 200;

export class EventConsumer {
  private consumer?: Consumer;
  private running = false;
  private startLoop?: Promise<void>;
  private connected = false;

  constructor(private readonly o: EventConsumerOptions) {}

  get topics(): string[] {
    const topics = new Set<string>();
    for (const type of this.o.handlers.keys()) {
      const def = eventDefinition(type);
      if (def) topics.add(def.topic);
    }
    return [...topics].sort();
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Connects in the background, retrying while Kafka is down, so a service can boot without its broker. */
  start(): void {
    if (this.running || this.o.handlers.size === 0) return;
    this.running = true;
    this.startLoop = (async () => {
      let backoff = 200;
      while (this.running) {
        try {
          await this.o.kafka.ensureTopics(this.topics);
          await this.connect();
          return;
        } catch (err) {
          this.o.logger.warn(
            { err: (err as Error).message, retryInMs: backoff },
            'event consumer could not start',
          );
          await this.consumer?.disconnect().catch(() => undefined);
          this.consumer = undefined;
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 5000);
        }
      }
    })();
  }

  /** Stops fetching, lets the in-flight message finish, commits what was applied, and leaves the group. */
  async stop(): Promise<void> {
    this.running = false;
    await this.startLoop;
    const c = this.consumer;
    this.consumer = undefined;
    if (c) await c.disconnect().catch(() => undefined);
    this.connected = false;
  }

  private async connect(): Promise<void> {
    const consumer = this.o.kafka.consumer(this.o.groupId, { sessionTimeout: this.o.sessionTimeoutMs });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (e) => {
      this.connected = false;
      this.o.logger.error({ err: String(e.payload.error) }, 'event consumer crashed; kafkajs restarts it');
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.connected = true;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Partitions are independent streams; order is only promised within one.
      partitionsConsumedConcurrently: 3,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  /**
   * Applies a fetched batch in chunks, each chunk in one transaction (one inbox insert for the chunk, then the
   * handlers of the events it had not seen). Any failure in a chunk rolls the whole chunk back and replays it one
   * message at a time on the careful path, which retries and dead-letters; order within the partition is kept.
   */
  private async handleBatch(payload: EachBatchPayload) {
    const { batch } = payload;
    const resolveOffset = (o: string) => payload.resolveOffset(o);
    const heartbeat = () => payload.heartbeat();
    const isRunning = () => payload.isRunning();
    const isStale = () => payload.isStale();
    let last: string | undefined;
    try {
      const messages = batch.messages;
      for (let i = 0; i < messages.length; i += CHUNK_SIZE) {
        if (!isRunning() || isStale()) break;
        const chunk = messages.slice(i, i + CHUNK_SIZE);
        if (!(await this.applyChunk(batch.topic, batch.partition, chunk))) {
          for (const message of chunk) {
            if (!isRunning() || isStale()) return;
            await this.handleMessage(batch.topic, batch.partition, message);
            resolveOffset(message.offset);
            last = message.offset;
            await heartbeat();
          }
          continue;
        }
        const tail = chunk[chunk.length - 1].offset;
        resolveOffset(tail);
        last = tail;
        await heartbeat();
      }
    } finally {
      // Commit what was applied even when a later message throws, so a restart does not redo finished work.
      if (last !== undefined && this.consumer) {
        await this.consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
        ]);
      }
    }
  }

  /** The fast path; false when any message needs the careful path (bad envelope, bad payload, failing handler). */
  private async applyChunk(topic: string, partition: number, chunk: KafkaMessage[]): Promise<boolean> {
    const work: {
      message: KafkaMessage;
      attrs: CloudEventAttributes;
      payload: unknown;
      handlers: EventHandlerFn[];
    }[] = [];
    const ignored: string[] = [];
    for (const message of chunk) {
      let attrs: CloudEventAttributes;
      try {
        attrs = fromKafkaHeaders(message.headers);
      } catch {
        return false;
      }
      const handlers = this.o.handlers.get(attrs.type as EventType);
      if (!handlers || handlers.length === 0) {
        ignored.push(attrs.type);
        continue;
      }
      let raw: unknown;
      try {
        raw = JSON.parse(message.value?.toString('utf8') ?? '');
      } catch {
        return false;
      }
      const parsed = parseEvent(attrs.type as EventType, raw);
      if (!parsed.ok) return false;
      work.push({ message, attrs, payload: parsed.value, handlers });
    }
    let applied: typeof work = [];
    if (work.length > 0) {
      try {
        await this.o.dataSource.transaction(async (manager) => {
          const params: unknown[] = [];
          const values: string[] = [];
          for (const w of work) {
            const n = params.length;
            values.push(`($${n + 1}::uuid, $${n + 2}, $${n + 3}, $${n + 4}::int, $${n + 5}::bigint)`);
            params.push(w.attrs.id, w.attrs.type, topic, partition, w.message.offset);
          }
          const fresh = new Set(
            (
              (await manager.query(
                `INSERT INTO inbox (event_id, event_type, topic, kafka_partition, kafka_offset)
                 VALUES ${values.join(', ')} ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
                params,
              )) as { event_id: string }[]
            ).map((r) => r.event_id),
          );
          // A redelivered id appears once in `fresh`; the same id twice in one chunk is applied at its first place.
          applied = work.filter((w) => fresh.delete(w.attrs.id));
          for (const w of applied) {
            await context.with(contextFromTraceparent(w.attrs.traceparent), async () => {
              for (const h of w.handlers) {
                await h(w.payload as never, {
                  manager,
                  attributes: w.attrs,
                  topic,
                  partition,
                  offset: w.message.offset,
                });
              }
            });
          }
        });
      } catch {
        return false;
      }
    }
    for (const type of ignored) this.o.metrics.eventsConsumed.inc({ topic, type, outcome: 'ignored' });
    for (const w of applied)
      this.o.metrics.eventsConsumed.inc({ topic, type: w.attrs.type, outcome: 'applied' });
    for (const w of work) {
      if (!applied.includes(w))
        this.o.metrics.eventsConsumed.inc({ topic, type: w.attrs.type, outcome: 'duplicate' });
    }
    return true;
  }

  private async handleMessage(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    let attrs: CloudEventAttributes;
    try {
      attrs = fromKafkaHeaders(message.headers);
    } catch (err) {
      return this.deadLetter(topic, partition, message, 'envelope_invalid', (err as Error).message);
    }
    const type = attrs.type as EventType;
    const handlers = this.o.handlers.get(type);
    if (!handlers || handlers.length === 0) {
      this.o.metrics.eventsConsumed.inc({ topic, type: attrs.type, outcome: 'ignored' });
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(message.value?.toString('utf8') ?? '');
    } catch (err) {
      return this.deadLetter(topic, partition, message, 'payload_not_json', (err as Error).message);
    }
    const parsed = parseEvent(type, raw);
    if (!parsed.ok) return this.deadLetter(topic, partition, message, 'schema_invalid', parsed.reason);

    const delay = this.o.retryDelayMs ?? ((n: number) => Math.min(50 * 2 ** (n - 1), 2000));
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.o.maxAttempts; attempt++) {
      try {
        await context.with(contextFromTraceparent(attrs.traceparent), () =>
          this.o.dataSource.transaction(async (manager) => {
            const inserted = (await manager.query(
              `INSERT INTO inbox (event_id, event_type, topic, kafka_partition, kafka_offset)
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
              [attrs.id, attrs.type, topic, partition, message.offset],
            )) as unknown[];
            if (inserted.length === 0) throw new DuplicateEvent();
            for (const h of handlers) {
              await h(parsed.value as never, {
                manager,
                attributes: attrs,
                topic,
                partition,
                offset: message.offset,
              });
            }
          }),
        );
        this.o.metrics.eventsConsumed.inc({ topic, type: attrs.type, outcome: 'applied' });
        return;
      } catch (err) {
        if (err instanceof DuplicateEvent) {
          this.o.metrics.eventsConsumed.inc({ topic, type: attrs.type, outcome: 'duplicate' });
          return;
        }
        lastError = err;
        if (attempt < this.o.maxAttempts) {
          this.o.metrics.eventsRetried.inc({ topic, type: attrs.type });
          this.o.logger.warn(
            { eventId: attrs.id, type: attrs.type, attempt, err: (err as Error).message },
            'event handler failed; retrying',
          );
          await new Promise((r) => setTimeout(r, delay(attempt)));
        }
      }
    }
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    return this.deadLetter(
      topic,
      partition,
      message,
      'handler_failed',
      `after ${this.o.maxAttempts} attempts: ${reason}`,
    );
  }

  /** Sends the original bytes to the topic's dead-letter twin with the reason in headers; throws if that fails. */
  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    reason: DeadLetterReason,
    error: string,
  ): Promise<void> {
    const headers: Record<string, string | Buffer> = {};
    for (const [k, v] of Object.entries(message.headers ?? {})) {
      if (v === undefined) continue;
      headers[k] = Array.isArray(v) ? (v[0] ?? '') : v;
    }
    Object.assign(headers, {
      dlq_reason: reason,
      dlq_error: error.slice(0, 2000),
      dlq_original_topic: topic,
      dlq_original_partition: String(partition),
      dlq_original_offset: message.offset,
      dlq_consumer_group: this.o.groupId,
      dlq_failed_at: new Date().toISOString(),
    });
    const dlq = deadLetterTopicOf(topic);
    const producer = await this.o.kafka.getProducer();
    await producer.send({
      topic: dlq,
      acks: -1,
      messages: [{ key: message.key, value: message.value, headers, timestamp: message.timestamp }],
    });
    this.o.metrics.eventsDeadLettered.inc({ topic, reason });
    this.o.logger.error(
      { topic, partition, offset: message.offset, reason, error, dlq },
      'event dead-lettered',
    );
  }
}
