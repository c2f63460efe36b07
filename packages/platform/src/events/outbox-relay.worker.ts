// The outbox relay on a thread of its own (OUTBOX_RELAY_THREAD=worker): the same OutboxRelay, with a small pg pool for
// its statements and its own Kafka producer, so reading outbox rows and encoding produce requests never hold up the
// service's request loop. Counters, log lines and leadership go to the service's thread as messages.
import { parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'pg';
import pino from 'pino';
import { KafkaConnection } from './kafka-connection';
import { OutboxRelay, type RelayDatabase } from './outbox.relay';
import type { RelayThreadData, RelayThreadMessage, RelayWorkerMessage } from './outbox-relay.thread';

const port = parentPort;
if (!port) throw new Error('outbox-relay.worker runs as a worker thread');
const data = workerData as RelayThreadData;
const post = (msg: RelayWorkerMessage) => port.postMessage(msg);

// Every line goes to the service's logger, which adds its own fields (service, component) and destination.
const logger = pino(
  { level: data.logLevel, base: undefined, timestamp: false },
  { write: (line: string) => post({ kind: 'log', line }) },
);

const pool = new Pool({
  connectionString: data.databaseUrl,
  max: 2,
  application_name: `outbox-relay:${data.schema}`,
  options: data.connectionOptions,
});
// An idle connection the server drops is replaced on the next statement; the relay's retry loop covers the rest.
pool.on('error', (err) => logger.warn({ err: err.message }, 'outbox relay pool connection lost'));

const db: RelayDatabase = {
  query: async <T>(sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows as T[],
  transaction: async (work) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await work({
        query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
      });
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  },
};

const kafka = new KafkaConnection({ clientId: data.clientId, brokers: data.brokers, logger });

const relay = new OutboxRelay({
  db,
  kafka,
  databaseUrl: data.databaseUrl,
  schema: data.schema,
  logger,
  batchSize: data.batchSize,
  maxBatchBytes: data.maxBatchBytes,
  pollIntervalMs: data.pollIntervalMs,
  onLeadership: (leader) => post({ kind: 'leader', leader }),
  metrics: {
    eventsPublished: { inc: (labels, n) => post({ kind: 'published', ...labels, n }) },
    relayFailures: { inc: () => post({ kind: 'failure' }) },
    outboxParked: { inc: (labels) => post({ kind: 'parked', ...labels }) },
  },
});

port.on('message', (msg: RelayThreadMessage) => {
  if (msg.kind === 'lag') {
    relay.lag().then(
      (lag) => post({ kind: 'lag', id: msg.id, lag }),
      (err: unknown) => post({ kind: 'lag', id: msg.id, error: (err as Error).message }),
    );
  } else if (msg.kind === 'stop') {
    void (async () => {
      await relay.stop();
      await kafka.close().catch(() => undefined);
      await pool.end().catch(() => undefined);
      post({ kind: 'stopped' });
      port.close();
    })();
  }
});

relay.start();
post({ kind: 'started' });
