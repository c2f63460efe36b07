// Moves committed outbox rows to Kafka in id order; one relay per schema holds an advisory lock, and Kafka outages only delay it.
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { KafkaConnection, OutgoingMessage } from './kafka-connection';
import type { PlatformMetrics } from '../ops/platform-metrics';
import { OUTBOX_CHANNEL } from './outbox.service';

interface OutboxRow {
  id: string;
  topic: string;
  event_key: string;
  event_type: string;
  headers: Record<string, string>;
  payload: unknown;
}

export interface OutboxRelayOptions {
  dataSource: DataSource;
  databaseUrl: string;
  schema: string;
  kafka: KafkaConnection;
  metrics: PlatformMetrics;
  logger: Logger;
  batchSize: number;
  pollIntervalMs: number;
  maxBackoffMs?: number;
}

export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private listener?: Client;
  private wake?: () => void;
  private notified = false;
  private leader = false;

  constructor(private readonly o: OutboxRelayOptions) {}

  get isLeader(): boolean {
    return this.leader;
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
    await this.releaseListener();
  }

  /** Rows waiting to be published, and the age of the oldest one, for /metrics. */
  async lag(): Promise<{ count: number; oldestAgeSeconds: number }> {
    const [row] = (await this.o.dataSource.query(
      `SELECT count(*)::int AS count, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float AS age FROM outbox`,
    )) as { count: number; age: number }[];
    return { count: row.count, oldestAgeSeconds: row.age };
  }

  private async run(): Promise<void> {
    let backoff = 100;
    const maxBackoff = this.o.maxBackoffMs ?? 5000;
    while (this.running) {
      try {
        if (!this.leader) {
          await this.acquireLeadership();
          if (!this.leader) {
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

  /** Publishes one batch and deletes it; a crash between the two republishes, which consumers dedupe by event id. */
  private async publishBatch(): Promise<number> {
    const rows = (await this.o.dataSource.query(
      `SELECT id, topic, event_key, event_type, headers, payload FROM outbox ORDER BY id LIMIT $1`,
      [this.o.batchSize],
    )) as OutboxRow[];
    if (rows.length === 0) return 0;
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const r of rows) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ key: r.event_key, value: JSON.stringify(r.payload), headers: r.headers });
      byTopic.set(r.topic, list);
    }
    await this.o.kafka.send(byTopic);
    await this.o.dataSource.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
    for (const r of rows) this.o.metrics.eventsPublished.inc({ topic: r.topic, type: r.event_type });
    return rows.length;
  }

  private async acquireLeadership(): Promise<void> {
    if (!this.listener) {
      const client = new Client({
        connectionString: this.o.databaseUrl,
        application_name: `outbox-relay:${this.o.schema}`,
      });
      client.on('error', () => {
        this.leader = false;
      });
      client.on('notification', (msg) => {
        if (msg.channel === OUTBOX_CHANNEL && msg.payload === this.o.schema) {
          this.notified = true;
          this.wake?.();
        }
      });
      client.on('end', () => {
        this.leader = false;
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
    this.leader = res.rows[0].locked;
    if (this.leader)
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
    this.leader = false;
    if (l) await l.end().catch(() => undefined);
  }

  private async waitForWork(): Promise<void> {
    if (this.notified) {
      this.notified = false;
      return;
    }
    await this.sleep(this.o.pollIntervalMs);
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
