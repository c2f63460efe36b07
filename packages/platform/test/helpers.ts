// Shared set-up for the kit's integration tests: a database, a broker and the ledger fixture service.
import { Writable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const fixture = require('./fixtures/ledger-fixture.js') as {
  ledgerModule(o: {
    env: Record<string, string | undefined>;
    schema: string;
    brokenMigration?: boolean;
    batch?: boolean;
    logDestination?: Writable;
  }): never;
  serverPayload(name?: string): Record<string, unknown> & { id: string; name: string };
  writer(
    url: string,
    schema: string,
  ): Promise<{
    write(n: number, name?: string): Promise<string[]>;
    writePayloads(payloads: Record<string, unknown>[]): Promise<string[]>;
    close(): Promise<void>;
  }>;
  platform: typeof import('../src');
};

export const quietLogs = () =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });

export { freePort } from '../src/testing/free-port';

export function serviceEnv(url: string, brokers: string[], extra: Record<string, string> = {}) {
  return {
    DATABASE_URL: url,
    KAFKA_BROKERS: brokers.join(','),
    LOG_LEVEL: 'warn',
    BIND_PORT: '0',
    OUTBOX_POLL_INTERVAL_MS: '200',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    ...extra,
  };
}

/**
 * The ledger fixture service with no broker reachable, no outbox relay and no consumer: for tests of the kit's
 * database side, where what a service writes stays in its tables for the test to read.
 */
export function databaseOnlyApp(url: string, schema: string) {
  return fixture.platform.createServiceApp(
    fixture.ledgerModule({
      env: serviceEnv(url, ['127.0.0.1:1'], {
        OUTBOX_RELAY_ENABLED: 'false',
        EVENT_CONSUMER_ENABLED: 'false',
      }),
      schema,
      logDestination: quietLogs(),
    }),
  );
}

export function rawKafka(brokers: string[]) {
  return new Kafka({ clientId: 'test-raw', brokers, logLevel: logLevel.NOTHING });
}

export async function query<T = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}
