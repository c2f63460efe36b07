// Lists dead letters and sends them back to their topic: the original key, bytes and headers (so the same `ce_id`,
// and a consumer's inbox still applies the event at most once), plus a redrive-count header.
import { Injectable } from '@nestjs/common';
import {
  REDRIVE_MAX_EVENTS,
  TOPICS,
  type DeadLetter,
  type DeadLetterListQuery,
  type DeadLetterListResponse,
  type RedriveDeadLettersBody,
  type RedriveDeadLettersResponse,
} from '@mcp-host/contracts';
import {
  Counter,
  InjectLogger,
  KafkaConnection,
  PlatformMetrics,
  Transactions,
  decodeKeysetCursor,
  encodeKeysetCursor,
  type Manager,
} from '@mcp-host/platform';
import type { Logger } from 'pino';
import { DeadLetterErrorCode, DeadLetterException } from './dead-letter.exception';
import { DeadLetterRepository, type CollectedDeadLetter, type DeadLetterRow } from './dead-letter.repository';

/** The header a redriven message carries: how many times this event has been redriven, this time included. */
export const REDRIVE_COUNT_HEADER = 'mcp_redrive_count';

const SOURCE_TOPICS = new Set<string>(Object.values(TOPICS).map((t) => t.name));

/** Bytes of messages per produce request, under the broker's 1 MiB message-batch limit. */
const SEND_BATCH_BYTES = 900 * 1024;

/** A topic as the API takes it: the source topic, or its `.dlq` twin meaning the same. */
function sourceTopic(name: string): string | undefined {
  const source = name.endsWith('.dlq') ? name.slice(0, -'.dlq'.length) : name;
  return SOURCE_TOPICS.has(source) ? source : undefined;
}

function toView(row: DeadLetterRow): DeadLetter {
  return {
    topic: row.topic,
    event_id: row.event_id,
    event_type: row.event_type,
    reason: row.reason,
    error: row.error,
    consumer_group: row.consumer_group,
    original_partition: row.original_partition,
    original_offset: row.original_offset,
    key: row.message_key,
    payload: row.payload === null ? null : row.payload.toString('utf8'),
    payload_bytes: Number(row.payload_bytes),
    payload_truncated: row.payload !== null && Number(row.payload_bytes) > row.payload.length,
    headers: row.headers,
    first_seen_at: row.first_seen_at.toISOString(),
    last_seen_at: row.last_seen_at.toISOString(),
    count: row.count,
    redrive_count: row.redrive_count,
    last_redriven_at: row.last_redriven_at?.toISOString() ?? null,
  };
}

@Injectable()
export class DeadLetterService {
  private readonly collected: Counter<'topic' | 'reason'>;
  private readonly redriven: Counter<'topic'>;

  constructor(
    private readonly tx: Transactions,
    private readonly repo: DeadLetterRepository,
    private readonly kafka: KafkaConnection,
    @InjectLogger() private readonly logger: Logger,
    metrics: PlatformMetrics,
  ) {
    this.collected = new Counter({
      name: 'mcp_host_dead_letters_collected_total',
      help: 'Messages read from dead-letter topics into the gateway, by original topic and reason',
      labelNames: ['topic', 'reason'],
      registers: [metrics.registry],
    });
    this.redriven = new Counter({
      name: 'mcp_host_dead_letters_redriven_total',
      help: 'Dead-lettered events sent back to their topic, by topic',
      labelNames: ['topic'],
      registers: [metrics.registry],
    });
  }

  /** Stores dead letters read from `.dlq` topics, in the collector's transaction. */
  async record(m: Manager, letters: readonly CollectedDeadLetter[]): Promise<void> {
    for (const d of letters) await this.repo.record(m, d);
  }

  /** Counts stored dead letters, once their transaction has committed. */
  countCollected(letters: readonly CollectedDeadLetter[]): void {
    for (const d of letters) this.collected.inc({ topic: d.topic, reason: d.reason });
  }

  async list(query: DeadLetterListQuery): Promise<DeadLetterListResponse> {
    let before: { firstSeenAt: string; id: string } | undefined;
    if (query.cursor !== undefined) {
      const c = decodeKeysetCursor(query.cursor);
      if (!c) {
        throw new DeadLetterException(
          DeadLetterErrorCode.INVALID_CURSOR,
          'The cursor is not one this API returned.',
        );
      }
      before = { firstSeenAt: c.key, id: c.id };
    }
    const topic = query.topic === undefined ? undefined : (sourceTopic(query.topic) ?? query.topic);
    const rows = await this.tx.read((m) =>
      this.repo.list(
        m,
        { topic, reason: query.reason, type: query.type, since: query.since, until: query.until },
        query.limit + 1,
        before,
      ),
    );
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toView),
      next_cursor: rows.length > query.limit && last ? encodeKeysetCursor(last.cursor_ts, last.id) : null,
    };
  }

  async redrive(body: RedriveDeadLettersBody): Promise<RedriveDeadLettersResponse> {
    const topic = sourceTopic(body.topic);
    if (!topic) {
      throw new DeadLetterException(
        DeadLetterErrorCode.UNKNOWN_TOPIC,
        `${body.topic} is not a topic of the registry.`,
      );
    }
    const result = await this.tx.run(async (m) => {
      let rows: DeadLetterRow[];
      let more = false;
      let busy: string[] = [];
      if (body.event_ids !== undefined) {
        const wanted = [...new Set(body.event_ids)];
        // The ids another redrive holds right now are reported busy, not sent twice.
        ({ rows, busy } = await this.repo.lockByIds(m, topic, wanted));
      } else {
        rows = await this.repo.lockByRange(
          m,
          topic,
          body.since ?? '',
          body.until ?? '',
          REDRIVE_MAX_EVENTS + 1,
        );
        more = rows.length > REDRIVE_MAX_EVENTS;
        rows = rows.slice(0, REDRIVE_MAX_EVENTS);
      }
      if (rows.length > 0) {
        // Sent before the commit: if the broker refuses, the rows are not marked and the call can be repeated.
        await this.send(topic, rows);
        await this.repo.markRedriven(
          m,
          topic,
          rows.map((r) => r.event_id),
        );
      }
      return { rows, more, busy };
    });
    const ids = result.rows.map((r) => r.event_id);
    const found = new Set([...ids, ...result.busy]);
    this.redriven.inc({ topic }, ids.length);
    if (ids.length > 0) this.logger.info({ topic, count: ids.length }, 'dead letters redriven');
    return {
      topic,
      count: ids.length,
      event_ids: ids,
      not_found: [...new Set(body.event_ids ?? [])].filter((id) => !found.has(id)),
      busy: result.busy,
      more: result.more,
    };
  }

  /** Sends in order, in requests of at most SEND_BATCH_BYTES (one larger message goes alone). */
  private async send(topic: string, rows: readonly DeadLetterRow[]): Promise<void> {
    const messages = rows.map((r) => ({
      key: r.message_key,
      value: r.payload,
      headers: { ...r.headers, [REDRIVE_COUNT_HEADER]: String(r.redrive_count + 1) },
    }));
    const sizeOf = (m: (typeof messages)[number]) =>
      (m.value?.length ?? 0) +
      Buffer.byteLength(m.key ?? '') +
      Object.entries(m.headers).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0);
    const batches: (typeof messages)[] = [];
    let current: typeof messages = [];
    let bytes = 0;
    for (const m of messages) {
      const size = sizeOf(m);
      if (current.length > 0 && bytes + size > SEND_BATCH_BYTES) {
        batches.push(current);
        current = [];
        bytes = 0;
      }
      current.push(m);
      bytes += size;
    }
    if (current.length > 0) batches.push(current);
    try {
      const producer = await this.kafka.getProducer();
      for (const batch of batches) await producer.send({ topic, acks: -1, messages: batch });
    } catch (err) {
      this.logger.warn({ topic, err: (err as Error).message }, 'redrive could not reach the broker');
      throw new DeadLetterException(
        DeadLetterErrorCode.BROKER_UNAVAILABLE,
        'The event broker could not take the redriven events; nothing was redriven. Retry shortly.',
        { 'retry-after': '5' },
      );
    }
  }
}
