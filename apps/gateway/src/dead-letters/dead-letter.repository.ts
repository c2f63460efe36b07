// Every query on dead_letters; each runs on the manager it is handed.
import { Injectable } from '@nestjs/common';
import { DEAD_LETTER_PAYLOAD_PREVIEW_BYTES } from '@mcp-host/contracts';
import type { Manager } from '@mcp-host/platform';

const META = `id, topic, event_id, event_type, reason, error, consumer_group, original_partition,
  original_offset::text AS original_offset, message_key, headers, first_seen_at, last_seen_at, count,
  redrive_count, last_redriven_at, COALESCE(octet_length(payload), 0) AS payload_bytes`;
/** Every byte of the value, for a redrive. */
const COLUMNS = `${META}, payload`;
/** The first bytes of the value, for a list. */
const PREVIEW_COLUMNS = `${META}, substring(payload FROM 1 FOR ${DEAD_LETTER_PAYLOAD_PREVIEW_BYTES}) AS payload`;

export interface DeadLetterRow {
  id: string;
  topic: string;
  event_id: string;
  event_type: string | null;
  reason: string;
  error: string;
  consumer_group: string | null;
  original_partition: number | null;
  original_offset: string | null;
  message_key: string | null;
  payload: Buffer | null;
  payload_bytes: number;
  headers: Record<string, string>;
  first_seen_at: Date;
  last_seen_at: Date;
  count: number;
  redrive_count: number;
  last_redriven_at: Date | null;
}

/** One message read from a `.dlq` topic. */
export interface CollectedDeadLetter {
  id: string;
  topic: string;
  eventId: string;
  eventType: string | null;
  reason: string;
  error: string;
  consumerGroup: string | null;
  originalPartition: number | null;
  originalOffset: string | null;
  key: string | null;
  payload: Buffer | null;
  headers: Record<string, string>;
  dlqPartition: number;
  dlqOffset: string;
  failedAt: Date;
}

export interface DeadLetterFilter {
  topic?: string;
  reason?: string;
  type?: string;
  since?: string;
  until?: string;
}

/** The order a redrive sends dead letters in: their original order on the source topic. */
const REDRIVE_ORDER = 'original_partition NULLS LAST, original_offset NULLS LAST, first_seen_at';
/** A redrive's claim on the dead letter of row `event_id` of topic $1, for the rest of its transaction. */
const CLAIM =
  "pg_try_advisory_xact_lock(hashtextextended('mcp-host.dead-letter-redrive' || chr(31) || $1 || chr(31) || event_id, 0))";

@Injectable()
export class DeadLetterRepository {
  /**
   * Inserts a dead letter, or counts one more failure of a known event. A `.dlq` message read twice (a redelivery
   * after a crash before the offset commit) is recognised by its position and changes nothing.
   */
  async record(m: Manager, d: CollectedDeadLetter): Promise<void> {
    await m.query(
      `INSERT INTO dead_letters (id, topic, event_id, event_type, reason, error, consumer_group, original_partition,
         original_offset, message_key, payload, headers, dlq_partition, dlq_offset, first_seen_at, last_seen_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
       ON CONFLICT (topic, event_id) DO UPDATE SET
         event_type = COALESCE(EXCLUDED.event_type, dead_letters.event_type),
         reason = EXCLUDED.reason,
         error = EXCLUDED.error,
         consumer_group = EXCLUDED.consumer_group,
         dlq_partition = EXCLUDED.dlq_partition,
         dlq_offset = EXCLUDED.dlq_offset,
         last_seen_at = GREATEST(dead_letters.last_seen_at, EXCLUDED.last_seen_at),
         count = dead_letters.count + 1
       WHERE NOT (dead_letters.dlq_partition = EXCLUDED.dlq_partition
                  AND dead_letters.dlq_offset >= EXCLUDED.dlq_offset)`,
      [
        d.id,
        d.topic,
        d.eventId,
        d.eventType,
        d.reason,
        d.error,
        d.consumerGroup,
        d.originalPartition,
        d.originalOffset,
        d.key,
        d.payload,
        JSON.stringify(d.headers),
        d.dlqPartition,
        d.dlqOffset,
        d.failedAt,
      ],
    );
  }

  /** Newest first (by first failure); `cursor_ts` keeps the microseconds a JavaScript Date would drop. */
  async list(
    m: Manager,
    filter: DeadLetterFilter,
    limit: number,
    before?: { firstSeenAt: string; id: string },
  ): Promise<(DeadLetterRow & { cursor_ts: string })[]> {
    return await m.query<(DeadLetterRow & { cursor_ts: string })[]>(
      `SELECT ${PREVIEW_COLUMNS}, first_seen_at::text AS cursor_ts FROM dead_letters
       WHERE ($1::text IS NULL OR topic = $1)
         AND ($2::text IS NULL OR reason = $2)
         AND ($3::text IS NULL OR event_type = $3)
         AND ($4::timestamptz IS NULL OR last_seen_at >= $4)
         AND ($5::timestamptz IS NULL OR last_seen_at < $5)
         AND ($6::timestamptz IS NULL OR (first_seen_at, id) < ($6::timestamptz, $7::uuid))
       ORDER BY first_seen_at DESC, id DESC
       LIMIT $8`,
      [
        filter.topic ?? null,
        filter.reason ?? null,
        filter.type ?? null,
        filter.since ?? null,
        filter.until ?? null,
        before?.firstSeenAt ?? null,
        before?.id ?? null,
        limit,
      ],
    );
  }

  /**
   * The named dead letters of a topic, claimed and locked for a redrive, in their original order, and the ids another
   * redrive holds (`busy`). A redrive's claim is a transaction-scoped advisory lock per dead letter, tried, never
   * waited for: a racing redrive neither sends a dead letter twice nor queues behind another's broker request. The
   * row lock that follows is waited for, as the only other holder is the collector recording the same event again
   * (each consumer group that fails an event dead-letters it), whose transaction is short. Row locks alone (SKIP
   * LOCKED) reported such a dead letter as "being redriven by another call".
   */
  async lockByIds(
    m: Manager,
    topic: string,
    eventIds: readonly string[],
  ): Promise<{ rows: DeadLetterRow[]; busy: string[] }> {
    const claims = await m.query<{ event_id: string; claimed: boolean }[]>(
      `SELECT event_id, ${CLAIM} AS claimed FROM dead_letters WHERE topic = $1 AND event_id = ANY($2::text[])`,
      [topic, eventIds],
    );
    const claimed = claims.filter((c) => c.claimed).map((c) => c.event_id);
    const busy = claims.filter((c) => !c.claimed).map((c) => c.event_id);
    if (claimed.length === 0) return { rows: [], busy };
    const rows = await m.query<DeadLetterRow[]>(
      `SELECT ${COLUMNS} FROM dead_letters WHERE topic = $1 AND event_id = ANY($2::text[])
       ORDER BY ${REDRIVE_ORDER}
       FOR UPDATE`,
      [topic, claimed],
    );
    return { rows, busy };
  }

  /**
   * Dead letters of a topic last dead-lettered in [since, until) and not redriven since, claimed and locked for a
   * redrive as lockByIds does (those another redrive holds are left out), in their original order; at most `limit`.
   */
  async lockByRange(
    m: Manager,
    topic: string,
    since: string,
    until: string,
    limit: number,
  ): Promise<DeadLetterRow[]> {
    const claims = await m.query<{ event_id: string; claimed: boolean }[]>(
      `SELECT event_id, ${CLAIM} AS claimed FROM (
         SELECT event_id FROM dead_letters
         WHERE topic = $1 AND last_seen_at >= $2 AND last_seen_at < $3
           AND (last_redriven_at IS NULL OR last_redriven_at < last_seen_at)
         ORDER BY ${REDRIVE_ORDER}
         LIMIT $4
       ) candidates`,
      [topic, since, until, limit],
    );
    const claimed = claims.filter((c) => c.claimed).map((c) => c.event_id);
    if (claimed.length === 0) return [];
    // Read again under the lock: a redrive that committed since the candidates were read has redriven some.
    return await m.query<DeadLetterRow[]>(
      `SELECT ${COLUMNS} FROM dead_letters
       WHERE topic = $1 AND event_id = ANY($2::text[])
         AND (last_redriven_at IS NULL OR last_redriven_at < last_seen_at)
       ORDER BY ${REDRIVE_ORDER}
       FOR UPDATE`,
      [topic, claimed],
    );
  }

  async markRedriven(m: Manager, topic: string, eventIds: readonly string[]): Promise<void> {
    await m.query(
      `UPDATE dead_letters SET redrive_count = redrive_count + 1, last_redriven_at = now()
       WHERE topic = $1 AND event_id = ANY($2::text[])`,
      [topic, eventIds],
    );
  }
}
