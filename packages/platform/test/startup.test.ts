// Start-up guarantees: a bad variable stops the boot with one line naming it; migrations gate the boot.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { ConfigError, baseConfigShape, loadConfig } from '../src';
import { createTestDatabase, type TestDatabase } from '../src/testing';
import { fixture, quietLogs, query, serviceEnv } from './helpers';

const MAIN = resolve(__dirname, 'fixtures/ledger-main.js');

describe('configuration', () => {
  const schema = z.object(baseConfigShape);

  it('when nothing is set, then the spec defaults apply', () => {
    const c = loadConfig(schema, {});
    expect(c.BIND_ADDRESS).toBe('0.0.0.0');
    expect(c.BIND_PORT).toBe(3000);
    expect(c.ALLOW_MIGRATION_FAILURE).toBe(false);
    expect(c.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
  });

  it.each([
    ['BIND_PORT', 'abc'],
    ['BIND_PORT', '70000'],
    ['ALLOW_MIGRATION_FAILURE', 'maybe'],
    ['DATABASE_URL', 'mysql://x'],
    ['LOG_LEVEL', 'loud'],
  ])('when %s=%s, then a ConfigError names the variable', (name, value) => {
    let err: unknown;
    try {
      loadConfig(schema, { [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(name);
    expect((err as Error).message).toMatch(new RegExp(`^Invalid configuration: ${name} `));
    expect((err as Error).message).not.toContain('\n');
  });

  it('when a service starts with BIND_PORT=abc, then it exits 1 with one line naming BIND_PORT', () => {
    const res = spawnSync(process.execPath, [MAIN], {
      env: { ...process.env, BIND_PORT: 'abc', KAFKA_BROKERS: '127.0.0.1:1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(res.status).toBe(1);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      'Invalid configuration: BIND_PORT must be a whole number from 0 to 65535 (got "abc")',
    );
  });

  describe('with a database', () => {
    let db: TestDatabase;
    let blocker: Server;
    beforeAll(async () => {
      db = await createTestDatabase('platform_start');
      blocker = createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    });
    afterAll(async () => {
      blocker.close();
      await db.drop();
    });

    it('when the port is taken, then the service exits 1 with one line naming the port', () => {
      const addr = blocker.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      const res = spawnSync(process.execPath, [MAIN], {
        env: {
          ...process.env,
          ...serviceEnv(db.url, ['127.0.0.1:1']),
          BIND_ADDRESS: '127.0.0.1',
          BIND_PORT: String(port),
        },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(res.status).toBe(1);
      expect(res.stderr.trim()).toBe(
        `Cannot listen on 127.0.0.1:${port}: the port is already in use (BIND_PORT)`,
      );
    });
  });
});

describe('migrations at start', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('platform_migrate');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('when two replicas start together on a fresh schema, then both boot and the migrations run once', async () => {
    const boot = () =>
      fixture.platform.createServiceApp(
        fixture.ledgerModule({
          env: serviceEnv(db.url, ['127.0.0.1:1']),
          schema: 'replicas',
          logDestination: quietLogs(),
        }),
      );
    const apps = await Promise.all([boot(), boot()]);
    await Promise.all(apps.map((a) => a.close()));
    const rows = await query<{ name: string }>(db.url, 'SELECT name FROM replicas.migrations ORDER BY id');
    expect(rows.map((r) => r.name)).toEqual(['PlatformEventBus1763800000000', 'PlatformOutboxParked1763800000100', 'CreateLedger1763850000000']);
  });

  it('when a migration fails, then the boot stops and names the schema', async () => {
    await expect(
      fixture.platform.createServiceApp(
        fixture.ledgerModule({
          env: serviceEnv(db.url, ['127.0.0.1:1']),
          schema: 'strict_boot',
          brokenMigration: true,
          logDestination: quietLogs(),
        }),
      ),
    ).rejects.toThrow(/Migrations failed in schema "strict_boot": .*table_that_does_not_exist/);
  });

  it('when a migration fails with ALLOW_MIGRATION_FAILURE=true, then the boot continues with a loud warning', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const app = await fixture.platform.createServiceApp(
      fixture.ledgerModule({
        env: serviceEnv(db.url, ['127.0.0.1:1'], { ALLOW_MIGRATION_FAILURE: 'true' }),
        schema: 'lenient_boot',
        brokenMigration: true,
        logDestination: sink,
      }),
    );
    try {
      const url = await app.listen(0, '127.0.0.1');
      const res = await fetch(`${url}/healthz`);
      expect(res.status).toBe(200);
      // The good migration before the broken one committed on its own.
      const tables = await query<{ t: string }>(
        db.url,
        `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'lenient_boot'`,
      );
      expect(tables.map((t) => t.t)).toEqual(expect.arrayContaining(['effects', 'outbox', 'inbox']));
    } finally {
      await app.close();
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(lines.join('')).toContain('MIGRATIONS FAILED');
  });
});
