// `mcp-host migrate` against an external database, and `start --target` against external Postgres and Kafka.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestDatabase,
  startTestKafka,
  waitFor,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { cleanEnv, runCli } from './cli-process';

jest.setTimeout(120_000);

describe('mcp-host against external infrastructure', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let dir: string;

  beforeAll(async () => {
    [db, kafka] = await Promise.all([createTestDatabase('standalone'), startTestKafka()]);
    dir = await fs.mkdtemp(join(tmpdir(), 'mcp-host-target-'));
  });

  afterAll(async () => {
    await kafka?.stop();
    await db?.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('when migrate runs twice against DATABASE_URL, then the first applies every service and the second finds them up to date', async () => {
    const env = cleanEnv({ DATABASE_URL: db.url });
    const first = runCli(['migrate'], env);
    expect((await first.exited).code).toBe(0);
    for (const name of ['gateway', 'build-service', 'policy-engine', 'governance', 'marketplace']) {
      expect(first.stdout()).toMatch(new RegExp(`^${name}\\s+applied `, 'm'));
    }
    const second = runCli(['migrate'], env);
    expect((await second.exited).code).toBe(0);
    expect(second.stdout().match(/up to date/g)).toHaveLength(5);
  });

  it('when started with --target gateway,policy-engine, then only those run and the gateway forwards to the local one', async () => {
    const env = cleanEnv({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafka.brokers.join(','),
      // Port 9 (discard) is closed on loopback: the services not targeted must show as not ready.
      GATEWAY_UPSTREAM_MARKETPLACE: 'http://127.0.0.1:9',
    });
    const tokenFile = join(dir, 'data', 'admin-token');
    const cli = runCli(
      ['start', '--target', 'gateway,policy-engine', '--port', '0', '--data-dir', join(dir, 'data')],
      env,
    );
    try {
      const [, url] = await cli.waitForOutput(/gateway\s+(http:\/\/\S+)/);
      expect(cli.stdout()).not.toMatch(/postgres|kafka/);
      const token = (await fs.readFile(tokenFile, 'utf8')).trim();
      const auth = { authorization: `Bearer ${token}` };
      const status = await waitFor(async () => {
        const body = (await (await fetch(`${url}/api/status`, { headers: auth })).json()) as {
          services: Record<string, { status: string }>;
        };
        return body.services['policy-engine'].status === 'ready' ? body : undefined;
      });
      expect(status.services.gateway.status).toBe('ready');
      expect(status.services.marketplace.status).not.toBe('ready');
      expect((await fetch(`${url}/api/servers`, { headers: auth })).status).toBe(200);
    } finally {
      cli.child.kill('SIGTERM');
      expect((await cli.exited).code).toBe(0);
    }
  });
});
