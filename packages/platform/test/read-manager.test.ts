// `Transactions.read` sends its statements straight to the pool, not through a TypeORM query runner: on real Postgres,
// its answers and errors keep the shapes TypeORM's manager gives, so repositories cannot tell the two apart.
import { DataSource, QueryFailedError } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../src/testing';
import { databaseOnlyApp, fixture } from './helpers';

const { Transactions, classifyDatabaseError } = fixture.platform;

describe('read manager', () => {
  let db: TestDatabase;
  let app: Awaited<ReturnType<typeof databaseOnlyApp>>;
  let ds: DataSource;
  let tx: InstanceType<typeof Transactions>;

  beforeAll(async () => {
    db = await createTestDatabase('platform_read_manager');
    app = await databaseOnlyApp(db.url, 'reads');
    ds = app.app.get(DataSource);
    tx = app.app.get(Transactions);
    await ds.query(
      'CREATE TABLE read_probe (id int PRIMARY KEY, label text NOT NULL, at timestamptz NOT NULL)',
    );
    await ds.query(
      `INSERT INTO read_probe SELECT n, 'row ' || n, '2026-01-01T00:00:00Z'::timestamptz + n * interval '1 hour'
         FROM generate_series(1, 5) n`,
    );
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('when a SELECT is read, then it answers the rows TypeORM answers, values parsed alike', async () => {
    const sql = 'SELECT id, label, at FROM read_probe WHERE id > $1 ORDER BY id';
    const viaRead = await tx.read((m) => m.query(sql, [2]));
    expect(viaRead).toEqual(await ds.manager.query(sql, [2]));
    expect((viaRead as { at: unknown }[])[0].at).toBeInstanceOf(Date);
  });

  it('when an UPDATE or DELETE is sent, then it answers [rows, rowCount] as TypeORM does', async () => {
    const update = await tx.read((m) => m.query("UPDATE read_probe SET label = label || '!' WHERE id <= 2"));
    expect(update).toEqual([[], 2]);
    const returning = await tx.read((m) =>
      m.query('UPDATE read_probe SET label = $1 WHERE id = 3 RETURNING id', ['three']),
    );
    expect(returning).toEqual(
      await ds.manager.query('UPDATE read_probe SET label = $1 WHERE id = 3 RETURNING id', ['three']),
    );
    expect(await tx.read((m) => m.query('DELETE FROM read_probe WHERE id = 5'))).toEqual([[], 1]);
  });

  it('when a statement fails, then the error is a QueryFailedError around the driver error, classified as before', async () => {
    const err = await tx
      .read((m) => m.query('SELECT * FROM read_probe WHERE id = $1', ['not a number']))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryFailedError);
    expect(err).toMatchObject({
      query: 'SELECT * FROM read_probe WHERE id = $1',
      parameters: ['not a number'],
      driverError: { code: '22P02' },
    });
    expect(classifyDatabaseError(err)).toBe('bad_input');
  });

  it('when read work uses the rest of the manager, then it is the data source manager underneath', async () => {
    await tx.read(async (m) => {
      expect(m.connection).toBe(ds);
      // A transaction opened from a read manager is a real one, on its own connection.
      const inside = await m.transaction((t) =>
        t.query('SELECT txid_current_if_assigned() IS NULL AS fresh'),
      );
      expect(inside).toEqual([{ fresh: true }]);
    });
  });
});
