// The outbox relay on its own worker thread (OUTBOX_RELAY_THREAD=worker), on real Postgres and the embedded broker:
// every event still arrives exactly once through an outage and through the thread dying, and the service's /metrics
// counts what the thread did.
import { startEmbeddedKafka } from '@mcp-host/embedded-kafka';
import type { Worker } from 'node:worker_threads';
import { createTestDatabase, startTestKafka, waitFor, type TestDatabase } from '../src/testing';
import { fixture, freePort, query, quietLogs, serviceEnv } from './helpers';

const { createServiceApp, OUTBOX_RELAY } = fixture.platform;

/** Counts the effects the consumer applied per event id, once `n` have arrived. */
async function effects(url: string, schema: string, n: number): Promise<Map<string, number>> {
  await waitFor(
    async () => {
      const [r] = await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM ${schema}.effects`);
      return r.n >= n ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: `${n} effects` },
  );
  // Give a late duplicate the chance to show up before counting.
  await new Promise((r) => setTimeout(r, 500));
  const rows = await query<{ event_id: string; n: number }>(
    url,
    `SELECT event_id, count(*)::int AS n FROM ${schema}.effects GROUP BY event_id`,
  );
  return new Map(rows.map((r) => [r.event_id, r.n]));
}

/** A Prometheus counter's value (summed over its label sets) in an exposition. */
function counter(text: string, name: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

describe('outbox relay on a worker thread', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('platform_relay_thread');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('when the broker is down while 500 events are written, then each arrives exactly once after it starts, and /metrics counts the failures and the published events', async () => {
    const port = await freePort();
    const schema = 'thread_outage';
    const app = await createServiceApp(
      fixture.ledgerModule({
        env: serviceEnv(db.url, [`127.0.0.1:${port}`], { OUTBOX_RELAY_THREAD: 'worker' }),
        schema,
        logDestination: quietLogs(),
      }),
    );
    const url = await app.listen(0, '127.0.0.1');
    const w = await fixture.writer(db.url, schema);
    let broker: Awaited<ReturnType<typeof startEmbeddedKafka>> | undefined;
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(...(await w.write(100)));
      const relay = app.app.get<{ isLeader: boolean }>(OUTBOX_RELAY);
      await waitFor(async () => (relay.isLeader ? true : undefined), {
        timeoutMs: 10_000,
        what: 'the thread to lead the relay',
      });
      // The thread cannot publish yet: its failures reach the service's registry, and its lag answers /metrics.
      await waitFor(
        async () => {
          const text = await (await fetch(`${url}/metrics`)).text();
          return counter(text, 'mcp_host_outbox_relay_failures_total') > 0 ? text : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250, what: 'a relay failure on /metrics' },
      ).then((text) => expect(counter(text, 'mcp_host_outbox_lag_events')).toBe(500));

      broker = await startEmbeddedKafka({ port, host: '127.0.0.1' });
      const seen = await effects(db.url, schema, 500);
      expect(seen.size).toBe(500);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      expect(new Set(seen.keys())).toEqual(new Set(ids));
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(counter(text, 'mcp_host_events_published_total')).toBe(500);
    } finally {
      await w.close();
      await app.close();
      await broker?.stop();
    }
    // Stopping the service stopped the thread: the outbox is empty and nothing holds the relay's lock.
    const [left] = await query<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM ${schema}.outbox`);
    expect(left.n).toBe(0);
  });

  it('when the relay thread dies mid-stream, then another starts and every event still arrives exactly once', async () => {
    const broker = await startTestKafka();
    const schema = 'thread_restart';
    const app = await createServiceApp(
      fixture.ledgerModule({
        env: serviceEnv(db.url, broker.brokers, { OUTBOX_RELAY_THREAD: 'worker' }),
        schema,
        logDestination: quietLogs(),
      }),
    );
    const w = await fixture.writer(db.url, schema);
    try {
      const relay = app.app.get<{ isLeader: boolean; worker?: Worker }>(OUTBOX_RELAY);
      const ids: string[] = [];
      ids.push(...(await w.write(200)));
      // The thread is ended the hard way, as a crash would end it, while it is publishing.
      const first = relay.worker;
      expect(first).toBeDefined();
      await first!.terminate();
      for (let i = 0; i < 3; i++) ids.push(...(await w.write(100)));
      await waitFor(async () => (relay.worker && relay.worker !== first ? true : undefined), {
        timeoutMs: 10_000,
        what: 'a new relay thread',
      });
      const seen = await effects(db.url, schema, 500);
      expect(new Set(seen.keys())).toEqual(new Set(ids));
      // The consumer's inbox dedupes what the dead thread published without deleting.
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await w.close();
      await app.close();
      await broker.stop();
    }
  });
});
