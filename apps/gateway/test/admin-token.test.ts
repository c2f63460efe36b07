// The bootstrap admin token across real gateway starts: replicas racing on a fresh database, and restarts.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServiceApp, migrateService, type ServiceApp } from '@mcp-host/platform';
import {
  createTestDatabase,
  startTestKafka,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { DataSource } from 'typeorm';
import { GatewayModule, gatewayDefinition } from '../src';

describe('bootstrap admin token', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let dir: string;
  const apps: ServiceApp[] = [];

  const startGateway = async (tokenFile: string) => {
    const app = await createServiceApp(
      GatewayModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'silent',
          GATEWAY_ADMIN_TOKEN_FILE: tokenFile,
        },
      }),
    );
    apps.push(app);
    return app;
  };

  const exists = (file: string) =>
    fs.access(file).then(
      () => true,
      () => false,
    );

  beforeAll(async () => {
    [db, kafka] = await Promise.all([createTestDatabase('gateway_admin'), startTestKafka()]);
    dir = await fs.mkdtemp(join(tmpdir(), 'gateway-admin-'));
    // Migrated up front: two replicas migrating one fresh schema at once is the platform's concern, not this test's.
    await migrateService(gatewayDefinition, { DATABASE_URL: db.url });
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await kafka?.stop();
    await db?.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('when two gateways start together on a fresh database, then exactly one admin token is minted and written once', async () => {
    const files = [join(dir, 'a', 'admin-token'), join(dir, 'b', 'admin-token')];
    const [a] = await Promise.all(files.map((f) => startGateway(f)));
    const written = (await Promise.all(files.map(exists))).filter(Boolean);
    expect(written).toHaveLength(1);
    const rows = await a.app
      .get(DataSource)
      .query<{ n: number }[]>(`SELECT count(*)::int AS n FROM api_tokens WHERE role = 'admin'`);
    expect(rows[0].n).toBe(1);
  });

  it('when a gateway restarts, then the token file keeps its content and mode', async () => {
    const file = (await exists(join(dir, 'a', 'admin-token')))
      ? join(dir, 'a', 'admin-token')
      : join(dir, 'b', 'admin-token');
    const before = await fs.readFile(file, 'utf8');
    const restarted = await startGateway(file);
    const url = await restarted.listen(0, '127.0.0.1');
    expect(await fs.readFile(file, 'utf8')).toBe(before);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    const me = await fetch(`${url}/api/tokens/me`, { headers: { authorization: `Bearer ${before.trim()}` } });
    expect(me.status).toBe(200);
  });
});
