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
          this.o.logger.warn({ err: (err as Error).message, retryInMs: backoff }, 'event consumer could not start');
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
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) {
    let last: string | undefined;
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        await this.handleMessage(batch.topic, batch.partition, message);
        resolveOffset(message.offset);
        last = message.offset;
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
            for (const h of handlers) await h(parsed.value as never, { manager, attributes: attrs, topic, partition, offset: message.offset });
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
    return this.deadLetter(topic, partition, message, 'handler_failed', `after ${this.o.maxAttempts} attempts: ${reason}`);
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
    this.o.logger.error({ topic, partition, offset: message.offset, reason, error, dlq }, 'event dead-lettered');
  }
}
