// Moves committed outbox rows to Kafka in id order; one relay per schema holds an advisory lock, and Kafka outages only delay it.
// One round trip per cycle: the statement that reads the next rows also deletes the rows the broker acknowledged in the
// cycle before, so a busy relay pays one query per batch, and an idle one waits on NOTIFY without scanning.
import { Client } from 'pg';
import type { Logger } from 'pino';
import type { KafkaConnection, OutgoingMessage } from './kafka-connection';
import { OUTBOX_CHANNEL } from './outbox.service';
import { deadLetterTopicOf } from '@mcp-host/contracts';

/**
 * What the relay needs of the database: statements, and one transaction for parking a row. The service's DataSource
 * provides it on the service's thread; a small pg pool provides it on the relay's own thread (OUTBOX_RELAY_THREAD).
 */
export interface RelayDatabase {
  query<T = unknown>(sql: string, params?: unknown[]): Promise<T[]>;
  transaction(work: (tx: Pick<RelayDatabase, 'query'>) => Promise<void>): Promise<void>;
}

/** The counters the relay moves (the service's registry, or messages to it from the relay's thread). */
export interface RelayMetrics {
  eventsPublished: { inc(labels: { topic: string; type: string }, value: number): void };
  relayFailures: { inc(): void };
  outboxParked: { inc(labels: { topic: string; type: string }): void };
}

/** What every relay offers the service: started and stopped with it, its lag for /metrics, its leadership. */
export interface OutboxRelayHandle {
  start(): void;
  stop(): Promise<void>;
  lag(): Promise<OutboxLag>;
  readonly isLeader: boolean;
}

export interface OutboxLag {
  count: number;
  oldestAgeSeconds: number;
}

/** Rows waiting to be published, leaving out `acknowledged` ones (published, not yet deleted), and the oldest's age. */
export async function outboxLag(
  db: Pick<RelayDatabase, 'query'>,
  acknowledged: string[],
): Promise<OutboxLag> {
  const [row] = await db.query<{ count: number; age: number }>(
    `SELECT count(*)::int AS count, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float AS age
     FROM outbox WHERE id <> ALL($1::bigint[])`,
    [acknowledged],
  );
  return { count: row.count, oldestAgeSeconds: row.age };
}

interface OutboxRow {
  id: string;
  topic: string;
  event_key: string;
  event_type: string;
  headers: Record<string, string>;
  /** The payload as JSON text, exactly what goes on the wire (no parse and re-serialise). */
  payload: string;
}

// Per-record framing the broker counts besides key, value and headers (record header, varints, batch share).
const RECORD_OVERHEAD_BYTES = 96;
// Broker answers that no retry can change: the relay parks such a row instead of retrying it forever.
const PERMANENT_PUBLISH_ERRORS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TOPIC_EXCEPTION',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
  'POLICY_VIOLATION',
  'TOPIC_AUTHORIZATION_FAILED',
]);

/** The broker's error type when it refused the records for good, else undefined (a transient failure). */
export function permanentPublishError(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  let e = err as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown[] } | undefined;
  const queue: unknown[] = [e];
  while (queue.length > 0) {
    e = queue.shift() as typeof e;
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    if (typeof e.type === 'string' && PERMANENT_PUBLISH_ERRORS.has(e.type)) return e.type;
    queue.push(e.cause, e.originalError, ...(Array.isArray(e.errors) ? e.errors : []));
  }
  return undefined;
}

function recordBytes(r: OutboxRow): number {
  let n = RECORD_OVERHEAD_BYTES + Buffer.byteLength(r.payload) + Buffer.byteLength(r.event_key);
  for (const [k, v] of Object.entries(r.headers)) n += k.length + Buffer.byteLength(String(v)) + 4;
  return n;
}

/** Consecutive runs of rows, each under `maxBytes` (a single larger row stands alone), in id order. */
export function splitByBytes<T>(rows: T[], maxBytes: number, size: (r: T) => number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const r of rows) {
    const n = size(r);
    if (current.length > 0 && bytes + n > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export interface OutboxRelayOptions {
  db: RelayDatabase;
  databaseUrl: string;
  schema: string;
  kafka: Pick<KafkaConnection, 'send'>;
  metrics: RelayMetrics;
  logger: Logger;
  batchSize: number;
  /** Largest produce request the relay sends (KAFKA_MAX_BATCH_BYTES), under the broker's message.max.bytes. */
  maxBatchBytes?: number;
  pollIntervalMs: number;
  maxBackoffMs?: number;
  /** Called when this relay gains or loses the schema's leadership. */
  onLeadership?: (leader: boolean) => void;
  /**
   * How long acknowledged rows may wait for the next cycle's read to delete them before they are deleted on their
   * own (a crash meanwhile only republishes them, which consumers dedupe by event id).
   */
  deleteDelayMs?: number;
}

const READ_COLUMNS = 'id, topic, event_key, event_type, headers, payload::text AS payload';

export class OutboxRelay implements OutboxRelayHandle {
  private running = false;
  private loop?: Promise<void>;
  private listener?: Client;
  private wake?: () => void;
  private notified = false;
  private leading = false;
  /** Ids the broker acknowledged whose rows are not deleted yet; the next read deletes them in the same statement. */
  private acknowledged: string[] = [];

  constructor(private readonly o: OutboxRelayOptions) {}

  get isLeader(): boolean {
    return this.leading;
  }

  private setLeader(v: boolean): void {
    if (v === this.leading) return;
    this.leading = v;
    this.o.onLeadership?.(v);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.deleteAcknowledged().catch((err: unknown) =>
      this.o.logger.warn(
        { err: (err as Error).message },
        'outbox relay could not delete published rows on stop',
      ),
    );
    await this.releaseListener();
  }

  /** Rows waiting to be published (not counting those already acknowledged), and the age of the oldest one. */
  lag(): Promise<OutboxLag> {
    return outboxLag(this.o.db, this.acknowledged);
  }

  private async run(): Promise<void> {
    let backoff = 100;
    const maxBackoff = this.o.maxBackoffMs ?? 5000;
    while (this.running) {
      try {
        if (!this.leading) {
          await this.acquireLeadership();
          if (!this.leading) {
            await this.sleep(1000);
            continue;
          }
        }
        const published = await this.publishBatch();
        backoff = 100;
        if (published < this.o.batchSize) await this.waitForWork();
      } catch (err) {
        this.o.metrics.relayFailures.inc();
        this.o.logger.warn(
          { err: (err as Error).message, retryInMs: backoff },
          'outbox relay could not publish',
        );
        if (!(await this.listenerHealthy())) await this.releaseListener();
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, maxBackoff);
      }
    }
  }

  /**
   * Publishes up to one batch of rows in id order, in requests under the byte limit. The rows of acknowledged requests
   * are deleted by the next read (one statement: delete those, read the next ones) or after `deleteDelayMs` when no
   * read comes. A crash between publish and delete republishes, which consumers dedupe by event id. A row the broker
   * refuses for good is parked, so one bad row never stops the rest.
   */
  private async publishBatch(): Promise<number> {
    const rows = await this.readNext();
    if (rows.length === 0) return 0;
    const maxBytes = this.o.maxBatchBytes ?? 900 * 1024;
    for (const chunk of splitByBytes(rows, maxBytes, recordBytes)) {
      try {
        await this.send(chunk);
      } catch (err) {
        const refused = permanentPublishError(err);
        if (!refused) throw err;
        // Find the refused rows one by one, keeping order: the others go out, the refused ones are parked.
        for (const row of chunk) {
          try {
            await this.send([row]);
          } catch (one) {
            const reason = permanentPublishError(one);
            if (!reason) throw one;
            await this.park(row, reason, (one as Error).message);
          }
        }
      }
    }
    return rows.length;
  }

  /**
   * The next batch in id order, deleting the rows acknowledged since the last read in the same statement. Both parts
   * see one snapshot, so the read leaves out the ids being deleted itself.
   */
  private async readNext(): Promise<OutboxRow[]> {
    const done = this.acknowledged;
    if (done.length === 0) {
      return await this.o.db.query<OutboxRow>(`SELECT ${READ_COLUMNS} FROM outbox ORDER BY id LIMIT $1`, [
        this.o.batchSize,
      ]);
    }
    const rows = await this.o.db.query<OutboxRow>(
      `WITH published AS (DELETE FROM outbox WHERE id = ANY($1::bigint[]))
       SELECT ${READ_COLUMNS} FROM outbox WHERE id <> ALL($1::bigint[]) ORDER BY id LIMIT $2`,
      [done, this.o.batchSize],
    );
    // Only once the statement committed: on a failure the ids stay and the next read deletes them.
    this.acknowledged = this.acknowledged === done ? [] : this.acknowledged.slice(done.length);
    return rows;
  }

  /** Deletes the acknowledged rows now, in one statement. */
  private async deleteAcknowledged(): Promise<void> {
    const done = this.acknowledged;
    if (done.length === 0) return;
    await this.o.db.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [done]);
    this.acknowledged = this.acknowledged === done ? [] : this.acknowledged.slice(done.length);
  }

  private async send(rows: OutboxRow[]): Promise<void> {
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const r of rows) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ key: r.event_key, value: r.payload, headers: r.headers });
      byTopic.set(r.topic, list);
    }
    await this.o.kafka.send(byTopic);
    for (const r of rows) this.acknowledged.push(r.id);
    const published = new Map<string, { topic: string; type: string; n: number }>();
    for (const r of rows) {
      const k = `${r.topic}\u0000${r.event_type}`;
      const e = published.get(k);
      if (e) e.n++;
      else published.set(k, { topic: r.topic, type: r.event_type, n: 1 });
    }
    for (const e of published.values())
      this.o.metrics.eventsPublished.inc({ topic: e.topic, type: e.type }, e.n);
  }

  /** Moves a refused row to outbox_parked (with the reason) and, where the broker takes it, to the dead-letter twin. */
  private async park(row: OutboxRow, reason: string, error: string): Promise<void> {
    const dlq = deadLetterTopicOf(row.topic);
    let onDeadLetterTopic = false;
    try {
      const headers: Record<string, string> = {
        ...row.headers,
        dlq_reason: 'publish_refused',
        dlq_error: `${reason}: ${error}`.slice(0, 2000),
        dlq_original_topic: row.topic,
        dlq_failed_at: new Date().toISOString(),
      };
      try {
        await this.o.kafka.send(new Map([[dlq, [{ key: row.event_key, value: row.payload, headers }]]]));
      } catch (err) {
        if (!permanentPublishError(err)) throw err;
        // The payload itself is what the broker refuses: the dead-letter record carries the headers only, and
        // the payload stays in outbox_parked.
        await this.o.kafka.send(new Map([[dlq, [{ key: row.event_key, value: '', headers }]]]));
      }
      onDeadLetterTopic = true;
    } catch (err) {
      this.o.logger.warn(
        { err: (err as Error).message, dlq },
        'parked event could not reach its dead-letter topic',
      );
    }
    await this.o.db.transaction(async (m) => {
      await m.query(
        `INSERT INTO outbox_parked (id, event_id, topic, event_key, event_type, headers, payload, created_at, reason)
         SELECT id, event_id, topic, event_key, event_type, headers, payload, created_at, $2 FROM outbox WHERE id = $1
         ON CONFLICT (id) DO NOTHING`,
        [row.id, `${reason}: ${error}`.slice(0, 2000)],
      );
      await m.query('DELETE FROM outbox WHERE id = $1', [row.id]);
    });
    this.o.metrics.outboxParked.inc({ topic: row.topic, type: row.event_type });
    this.o.logger.error(
      { topic: row.topic, type: row.event_type, outboxId: row.id, reason, error, dlq, onDeadLetterTopic },
      'outbox event refused by the broker for good; parked',
    );
  }

  private async acquireLeadership(): Promise<void> {
    if (!this.listener) {
      const client = new Client({
        connectionString: this.o.databaseUrl,
        application_name: `outbox-relay:${this.o.schema}`,
      });
      client.on('error', () => {
        this.setLeader(false);
      });
      client.on('notification', (msg) => {
        if (msg.channel === OUTBOX_CHANNEL && msg.payload === this.o.schema) {
          this.notified = true;
          this.wake?.();
        }
      });
      client.on('end', () => {
        this.setLeader(false);
        if (this.listener === client) this.listener = undefined;
      });
      await client.connect();
      this.listener = client;
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    }
    const res = await this.listener.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
      [`mcp-host.outbox.${this.o.schema}`],
    );
    this.setLeader(res.rows[0].locked);
    if (this.leading)
      this.o.logger.info({ schema: this.o.schema }, 'outbox relay is the leader for its schema');
  }

  private async listenerHealthy(): Promise<boolean> {
    if (!this.listener) return true;
    try {
      await this.listener.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  private async releaseListener(): Promise<void> {
    const l = this.listener;
    this.listener = undefined;
    this.setLeader(false);
    if (l) await l.end().catch(() => undefined);
  }

  /**
   * Sleeps until NOTIFY says a write committed, or the poll interval passes. Acknowledged rows wait for the next read
   * for at most `deleteDelayMs`; when no write comes by then they are deleted on their own, so an idle outbox is empty.
   */
  private async waitForWork(): Promise<void> {
    if (this.notified) {
      this.notified = false;
      return;
    }
    if (this.acknowledged.length > 0) {
      const delay = Math.min(this.o.deleteDelayMs ?? 50, this.o.pollIntervalMs);
      await this.sleep(delay);
      if (this.notified || !this.running) {
        this.notified = false;
        return;
      }
      await this.deleteAcknowledged();
      if (this.notified) {
        this.notified = false;
        return;
      }
      await this.sleep(Math.max(0, this.o.pollIntervalMs - delay));
    } else {
      await this.sleep(this.o.pollIntervalMs);
    }
    this.notified = false;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }
}
