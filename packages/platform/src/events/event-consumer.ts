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
import type { EventContext, RegisteredEventHandler } from './event-handler.decorator';
import { contextFromTraceparent } from '../telemetry/trace-context';
import { isInfrastructureError } from '../database/database-errors';
import { outboxSavepoint, rollbackOutboxTo } from './outbox.service';

export type DeadLetterReason = 'envelope_invalid' | 'payload_not_json' | 'schema_invalid' | 'handler_failed';

export interface EventConsumerOptions {
  groupId: string;
  dataSource: DataSource;
  kafka: KafkaConnection;
  metrics: PlatformMetrics;
  logger: Logger;
  maxAttempts: number;
  handlers: Map<EventType, RegisteredEventHandler[]>;
  /** Backoff before attempt n (1-based) of a failing handler. */
  retryDelayMs?: (attempt: number) => number;
  sessionTimeoutMs?: number;
  /** Longest pause between retries while the database is unreachable. */
  maxInfraBackoffMs?: number;
}

class DuplicateEvent extends Error {}

const STOPPED = Symbol('stopped');

/** Messages applied per transaction on the fast path. */
const CHUNK_SIZE = 200;
/** Most partitions applied at once, each holding one pooled connection; half the pool stays for everything else. */
const MAX_CONCURRENT_PARTITIONS = 6;

/** Counts consumed events by (type, outcome) over a chunk, so the metric is touched once per kind, not per event. */
function countOutcomes(
  metrics: PlatformMetrics,
  topic: string,
  types: Iterable<string>,
  outcome: 'applied' | 'duplicate' | 'ignored',
): void {
  const counts = new Map<string, number>();
  for (const t of types) counts.set(t, (counts.get(t) ?? 0) + 1);
  for (const [type, n] of counts) metrics.eventsConsumed.inc({ topic, type, outcome }, n);
}

export class EventConsumer {
  private consumer?: Consumer;
  private running = false;
  private startLoop?: Promise<void>;
  private connected = false;
  private degradedReason?: string;

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

  /** Why the consumer is paused (the database unreachable or busy), or undefined while it runs normally. */
  get degraded(): string | undefined {
    return this.degradedReason;
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

  /** Deletes applied-event ids older than the retention, a bounded slice at a time; returns how many went. */
  async pruneInbox(retentionHours: number): Promise<number> {
    let total = 0;
    for (;;) {
      const [, count] = (await this.o.dataSource.query(
        `DELETE FROM inbox WHERE event_id IN (
           SELECT event_id FROM inbox WHERE processed_at < now() - make_interval(hours => $1) LIMIT 10000)`,
        [retentionHours],
      )) as [unknown, number];
      total += count;
      if (count < 10000) return total;
    }
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
      partitionsConsumedConcurrently: 6,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  private concurrentPartitions(): number {
    const pool = (this.o.dataSource.options as { poolSize?: number }).poolSize ?? 10;
    return Math.max(1, Math.min(MAX_CONCURRENT_PARTITIONS, Math.floor(pool / 2)));
  }

  /**
   * Applies a fetched batch in chunks, each chunk in one transaction: one multi-row inbox insert that skips ids
   * already applied, then each new event's handlers under a savepoint. A handler that fails fails only its event:
   * the events before it commit, it takes the careful path (retries, then the dead-letter topic), and the chunk
   * goes on after it, so order within the partition is kept. An outage of the database is not the event's fault:
   * the partition waits and retries for as long as the outage lasts, and no attempt is counted.
   */
  private async handleBatch(payload: EachBatchPayload) {
    const { batch } = payload;
    const running = () => payload.isRunning() && !payload.isStale();
    let last: string | undefined;
    const done = (offset: string) => {
      payload.resolveOffset(offset);
      last = offset;
    };
    try {
      const messages = batch.messages;
      let i = 0;
      while (i < messages.length && running()) {
        const chunk = messages.slice(i, i + CHUNK_SIZE);
        const result = await this.untilInfrastructureRecovers(batch.topic, payload, () =>
          this.applyChunk(batch.topic, batch.partition, chunk),
        );
        if (result === STOPPED) return;
        if (result.handled > 0) done(chunk[result.handled - 1].offset);
        if (result.handled < chunk.length) {
          const failed = chunk[result.handled];
          const outcome = await this.untilInfrastructureRecovers(batch.topic, payload, () =>
            this.handleMessage(batch.topic, batch.partition, failed),
          );
          if (outcome === STOPPED) return;
          done(failed.offset);
        }
        i += Math.max(result.handled + (result.handled < chunk.length ? 1 : 0), 1);
        await payload.heartbeat();
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

  /** Runs `fn`, waiting out database outages with capped backoff; STOPPED when the consumer stops meanwhile. */
  private async untilInfrastructureRecovers<T>(
    topic: string,
    payload: EachBatchPayload,
    fn: () => Promise<T>,
  ): Promise<T | typeof STOPPED> {
    let backoff = 200;
    for (;;) {
      try {
        const result = await fn();
        if (this.degradedReason !== undefined) {
          this.o.logger.info({ topic }, 'event consumer recovered; the database answers again');
          this.degradedReason = undefined;
          this.o.metrics.consumerDegraded.set(0);
        }
        return result;
      } catch (err) {
        if (!isInfrastructureError(err)) throw err;
        const reason = (err as Error).message;
        if (this.degradedReason === undefined) {
          this.o.logger.warn({ topic, err: reason }, 'event consumer paused: the database is unavailable');
        }
        this.degradedReason = reason;
        this.o.metrics.consumerDegraded.set(1);
        this.o.metrics.consumerInfraRetries.inc({ topic });
        const until = Date.now() + backoff;
        while (Date.now() < until) {
          if (!payload.isRunning() || payload.isStale()) return STOPPED;
          await new Promise((r) => setTimeout(r, Math.min(250, until - Date.now())));
          await payload.heartbeat().catch(() => undefined);
        }
        backoff = Math.min(backoff * 2, this.o.maxInfraBackoffMs ?? 5000);
      }
    }
  }

  /**
   * The fast path over one chunk. Returns how many leading messages it handled (applied, duplicate or ignored); a
   * message past that count needs the careful path (bad envelope, bad payload, or a handler that failed).
   */
  private async applyChunk(
    topic: string,
    partition: number,
    chunk: KafkaMessage[],
  ): Promise<{ handled: number }> {
    const work: {
      index: number;
      message: KafkaMessage;
      attrs: CloudEventAttributes;
      payload: unknown;
      handlers: RegisteredEventHandler[];
    }[] = [];
    const ignored: string[] = [];
    let handled = chunk.length;
    for (let index = 0; index < chunk.length; index++) {
      const message = chunk[index];
      let attrs: CloudEventAttributes;
      try {
        attrs = fromKafkaHeaders(message.headers);
      } catch {
        handled = index;
        break;
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
        handled = index;
        break;
      }
      const parsed = parseEvent(attrs.type as EventType, raw);
      if (!parsed.ok) {
        handled = index;
        break;
      }
      work.push({ index, message, attrs, payload: parsed.value, handlers });
    }
    let applied: typeof work = [];
    let duplicates: string[] = [];
    const parsedUpTo = handled;
    /**
     * One transaction over the chunk. Without `isolate`, a failing handler rolls the whole chunk back (the cheap
     * path, no savepoints); with it, each event runs under a savepoint so the failing one is found and the events
     * before it commit.
     */
    const run = (isolate: boolean) =>
      this.o.dataSource.transaction(async (manager) => {
        handled = parsedUpTo;
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
        const inserted = new Set(fresh);
        applied = [];
        duplicates = [];
        const ctxOf = (w: (typeof work)[number]): EventContext => ({
          manager,
          attributes: w.attrs,
          topic,
          partition,
          offset: w.message.offset,
        });
        // A run of consecutive new events whose one handler takes batches, waiting to be applied together.
        let group: typeof work = [];
        const flushGroup = async () => {
          if (group.length === 0) return;
          const items = group;
          group = [];
          await items[0].handlers[0].batch!(
            items.map((w) => ({ payload: w.payload as never, ctx: ctxOf(w) })),
          );
          applied.push(...items);
        };
        for (const w of work) {
          // A redelivered id is not in `fresh`; the same id twice in one chunk is applied at its first place.
          if (!fresh.delete(w.attrs.id)) {
            duplicates.push(w.attrs.type);
            continue;
          }
          // The cheap path groups a batch handler's consecutive events (order kept: a different event ends the
          // group first); the isolating path applies one event at a time, so a failure is pinned to its event.
          if (!isolate && w.handlers.length === 1 && w.handlers[0].batch) {
            if (group.length > 0 && group[0].handlers !== w.handlers) await flushGroup();
            group.push(w);
            continue;
          }
          await flushGroup();
          // The events a failing handler published are dropped with its writes (the outbox defers them to COMMIT).
          const outboxMark = outboxSavepoint(manager);
          if (isolate) await manager.query('SAVEPOINT mcp_host_event');
          try {
            await context.with(contextFromTraceparent(w.attrs.traceparent), async () => {
              for (const h of w.handlers) await h(w.payload as never, ctxOf(w));
            });
            if (isolate) await manager.query('RELEASE SAVEPOINT mcp_host_event');
            applied.push(w);
          } catch (err) {
            // An outage rolls the whole chunk back and is waited out; anything else fails this event alone.
            if (isInfrastructureError(err) || !isolate) throw err;
            await manager.query('ROLLBACK TO SAVEPOINT mcp_host_event');
            rollbackOutboxTo(manager, outboxMark);
            handled = w.index;
            // This event and the ones after it were not applied: their inbox rows must not commit.
            const undo = work
              .filter((x) => x.index >= w.index && inserted.has(x.attrs.id))
              .map((x) => x.attrs.id);
            if (undo.length > 0)
              await manager.query('DELETE FROM inbox WHERE event_id = ANY($1::uuid[])', [undo]);
            break;
          }
        }
        await flushGroup();
      });
    if (work.length > 0) {
      try {
        await run(false);
      } catch (err) {
        if (isInfrastructureError(err)) throw err;
        await run(true);
      }
    }
    countOutcomes(this.o.metrics, topic, ignored, 'ignored');
    countOutcomes(
      this.o.metrics,
      topic,
      applied.map((w) => w.attrs.type),
      'applied',
    );
    countOutcomes(this.o.metrics, topic, duplicates, 'duplicate');
    return { handled };
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
        // Not the event's fault: the caller waits the outage out without counting an attempt.
        if (isInfrastructureError(err)) throw err;
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
