// The outbox inside a transaction, on real Postgres: a transaction's events are written together just before its
// COMMIT, a rollback (whole or to a savepoint) drops what it published, and what a pre-commit subscriber publishes
// still commits with the transaction.
import { DataSource, type EntityManager } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../src/testing';
import type { OutboxService } from '../src/events/outbox.service';
import { databaseOnlyApp, fixture } from './helpers';

// The built kit, as the fixture service runs it (a class from src would be another class to Nest).
const { outboxSavepoint, rollbackOutboxTo } = fixture.platform;

describe('outbox in a transaction', () => {
  let db: TestDatabase;
  let app: Awaited<ReturnType<typeof databaseOnlyApp>>;
  let ds: DataSource;
  let outbox: OutboxService;
  const schema = 'deferral';

  beforeAll(async () => {
    db = await createTestDatabase('platform_outbox_deferral');
    // No relay and no consumer: the outbox keeps what commits, so the test can read it.
    app = await databaseOnlyApp(db.url, schema);
    ds = app.app.get(DataSource);
    outbox = app.app.get(fixture.platform.OutboxService);
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });
  beforeEach(async () => {
    await ds.query('DELETE FROM outbox');
  });

  const publish = (m: EntityManager, name: string) =>
    outbox.publish(m, 'server.registered', fixture.serverPayload(name) as never);
  const stored = async () =>
    (
      (await ds.query(`SELECT event_id, payload->>'name' AS name FROM outbox ORDER BY id`)) as {
        event_id: string;
        name: string;
      }[]
    ).map((r) => r.name);
  const count = async (m: EntityManager) =>
    ((await m.query('SELECT count(*)::int AS n FROM outbox')) as { n: number }[])[0].n;

  it('when a transaction publishes at three places, then nothing is written until it commits and then all three are, in order', async () => {
    let during = -1;
    await ds.transaction(async (m) => {
      await publish(m, 'first');
      await outbox.publishMany(m, [
        { type: 'server.registered', payload: fixture.serverPayload('second') },
        { type: 'server.registered', payload: fixture.serverPayload('third') },
      ]);
      during = await count(m);
    });
    expect(during).toBe(0);
    expect(await stored()).toEqual(['first', 'second', 'third']);
  });

  it('when a transaction fails after publishing, then none of its events is stored and the next transaction is unaffected', async () => {
    await expect(
      ds.transaction(async (m) => {
        await publish(m, 'lost');
        throw new Error('business write failed');
      }),
    ).rejects.toThrow('business write failed');
    await ds.transaction((m) => publish(m, 'kept'));
    expect(await stored()).toEqual(['kept']);
  });

  it('when an event is invalid, then publish throws at once, inside the transaction', async () => {
    await expect(
      ds.transaction(async (m) => {
        await publish(m, 'valid');
        await outbox.publish(m, 'server.registered', { id: 'not a server' } as never);
      }),
    ).rejects.toThrow(/invalid server.registered/);
    expect(await stored()).toEqual([]);
  });

  it('when a savepoint is rolled back, then the events published after it are dropped and the ones before commit', async () => {
    await ds.transaction(async (m) => {
      await publish(m, 'before');
      const mark = outboxSavepoint(m);
      await m.query('SAVEPOINT s');
      await publish(m, 'inside');
      await m.query('ROLLBACK TO SAVEPOINT s');
      rollbackOutboxTo(m, mark);
      await publish(m, 'after');
    });
    expect(await stored()).toEqual(['before', 'after']);
  });

  it('when a nested transaction rolls back, then only what it published is dropped', async () => {
    await ds.transaction(async (m) => {
      await publish(m, 'outer-before');
      await expect(
        m.transaction(async (inner) => {
          await publish(inner, 'inner');
          throw new Error('inner write failed');
        }),
      ).rejects.toThrow('inner write failed');
      await m.transaction((inner) => publish(inner, 'inner-kept'));
      await publish(m, 'outer-after');
    });
    expect(await stored()).toEqual(['outer-before', 'inner-kept', 'outer-after']);
  });

  it.each(['before', 'after'])(
    'when a pre-commit subscriber %s the outbox publishes, then its event commits with the transaction',
    async (place) => {
      const subscriber = {
        beforeTransactionCommit: async (e: { manager: EntityManager }) => {
          // As the lifecycle recomputation does: reads first, then publishes what it found.
          await e.manager.query('SELECT 1');
          await publish(e.manager, 'from-subscriber');
        },
      };
      if (place === 'before') ds.subscribers.unshift(subscriber as never);
      else ds.subscribers.push(subscriber as never);
      try {
        await ds.transaction((m) => publish(m, 'business'));
      } finally {
        ds.subscribers.splice(ds.subscribers.indexOf(subscriber as never), 1);
      }
      expect((await stored()).sort()).toEqual(['business', 'from-subscriber']);
    },
  );

  it('when there is no transaction, then publish writes at once', async () => {
    await publish(ds.manager, 'direct');
    expect(await stored()).toEqual(['direct']);
  });
});
