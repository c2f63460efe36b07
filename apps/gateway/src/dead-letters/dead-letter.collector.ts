// Reads every `.dlq` topic of the registry into the gateway's dead_letters table, with a committed consumer group so a
// restart goes on where it stopped; offsets are committed only after the rows are.
import { randomUUID } from 'node:crypto';
import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { TOPICS } from '@mcp-host/contracts';
import { InjectLogger, KafkaConnection, Transactions } from '@mcp-host/platform';
import type { Logger } from 'pino';
import type { CollectedDeadLetter } from './dead-letter.repository';
import { DeadLetterService, REDRIVE_COUNT_HEADER } from './dead-letter.service';

export const DEAD_LETTER_GROUP = 'mcp-host.gateway.dead-letters';
/**
 * The collector's fetch long-poll. It reads every dead-letter topic (141 partitions), and each empty fetch costs a
 * full response to decode: at the kit's 100 ms an idle collector and its broker spent 79 ms of CPU per second, at
 * 1,000 ms 21-58 ms (a probe against the embedded broker). A dead letter still arrives at once, since the broker
 * answers a waiting fetch as soon as a record is appended; stopping waits for the fetch in flight (at most this long).
 */
export const DEAD_LETTER_FETCH_WAIT_MS = 1_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Consumer = ReturnType<KafkaConnection['consumer']>;
type EachBatch = NonNullable<Parameters<Consumer['run']>[0]>['eachBatch'];
type Batch = Parameters<NonNullable<EachBatch>>[0]['batch'];
type Message = Batch['messages'][number];

function headerText(headers: Message['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const first = Array.isArray(raw) ? raw[0] : raw;
    if (first === undefined) continue;
    out[name] = typeof first === 'string' ? first : first.toString('utf8');
  }
  return out;
}

/** One `.dlq` message as a dead-letter row: the consumer's `dlq_*` headers apart, the original headers kept. */
export function toDeadLetter(dlqTopic: string, partition: number, message: Message): CollectedDeadLetter {
  const all = headerText(message.headers);
  const original: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) {
    if (!k.startsWith('dlq_') && k !== REDRIVE_COUNT_HEADER) original[k] = v;
  }
  const topic = all.dlq_original_topic ?? dlqTopic.replace(/\.dlq$/, '');
  const origPartition = Number(all.dlq_original_partition);
  const origOffset = /^\d{1,19}$/.test(all.dlq_original_offset ?? '') ? all.dlq_original_offset : null;
  const hasPartition = Number.isInteger(origPartition) && all.dlq_original_partition !== undefined;
  const ceId = all.ce_id;
  // A message without a usable id is named by where it was, so it still has one row.
  const eventId =
    ceId !== undefined && UUID.test(ceId)
      ? ceId.toLowerCase()
      : hasPartition && origOffset !== null
        ? `${origPartition}:${origOffset}`
        : `dlq-${partition}:${message.offset}`;
  const failed = Date.parse(all.dlq_failed_at ?? '');
  return {
    id: randomUUID(),
    topic,
    eventId,
    eventType: all.ce_type ?? null,
    reason: all.dlq_reason ?? 'unknown',
    error: all.dlq_error ?? '',
    consumerGroup: all.dlq_consumer_group ?? null,
    originalPartition: hasPartition ? origPartition : null,
    originalOffset: origOffset,
    key: message.key ? message.key.toString('utf8') : null,
    payload: message.value,
    headers: original,
    dlqPartition: partition,
    dlqOffset: message.offset,
    failedAt: new Date(Number.isNaN(failed) ? Number(message.timestamp) || Date.now() : failed),
  };
}

@Injectable()
export class DeadLetterCollector implements OnApplicationBootstrap, OnModuleDestroy {
  private consumer?: Consumer;
  private running = false;
  private startLoop?: Promise<void>;

  constructor(
    private readonly kafka: KafkaConnection,
    private readonly tx: Transactions,
    private readonly deadLetters: DeadLetterService,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  /** Connects in the background, retrying while Kafka is down, so the gateway boots without its broker. */
  onApplicationBootstrap(): void {
    const sources = Object.values(TOPICS).map((t) => t.name);
    const dlqs = Object.values(TOPICS).map((t) => t.deadLetter);
    this.running = true;
    this.startLoop = (async () => {
      let backoff = 200;
      while (this.running) {
        try {
          await this.kafka.ensureTopics(sources);
          // Stopped while the topics were being made: nothing to join.
          if (!this.running) return;
          const consumer = this.kafka.consumer(DEAD_LETTER_GROUP, {
            maxWaitTimeInMs: DEAD_LETTER_FETCH_WAIT_MS,
          });
          this.consumer = consumer;
          await consumer.connect();
          await consumer.subscribe({ topics: dlqs, fromBeginning: true });
          await consumer.run({ eachBatch: ({ batch }) => this.collect(batch) });
          return;
        } catch (err) {
          this.logger.warn(
            { err: (err as Error).message, retryInMs: backoff },
            'dead-letter collector could not start',
          );
          await this.consumer?.disconnect().catch(() => undefined);
          this.consumer = undefined;
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 5000);
        }
      }
    })();
  }

  /** One transaction per batch; a failure throws, so kafkajs fetches the batch again instead of committing it. */
  private async collect(batch: Batch): Promise<void> {
    if (batch.messages.length === 0) return;
    const letters = batch.messages.map((m) => toDeadLetter(batch.topic, batch.partition, m));
    await this.tx.run((m) => this.deadLetters.record(m, letters));
    this.deadLetters.countCollected(letters);
  }

  async onModuleDestroy(): Promise<void> {
    this.running = false;
    await this.startLoop;
    const c = this.consumer;
    this.consumer = undefined;
    if (c) await c.disconnect().catch(() => undefined);
  }
}
