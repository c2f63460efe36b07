// For other services' integration tests: starts the service under test next to a real policy engine on one fresh
// database and the embedded broker, so server events in tests are the real ones, published through the outbox.
import type { DynamicModule } from '@nestjs/common';
import type { EventPayload, EventType, Server } from '@mcp-host/contracts';
import { createServiceApp, OutboxService, type ServiceApp } from '@mcp-host/platform';
import {
  createTestDatabase,
  startTestKafka,
  waitFor,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { PolicyEngineModule } from '../policy-engine.module';
import { DataSource } from 'typeorm';

export interface Harness {
  /** The environment both services were started with. */
  env: Record<string, string>;
  db: TestDatabase;
  kafka: TestKafka;
  policy: ServiceApp;
  policyUrl: string;
  service: ServiceApp;
  url: string;
  /** The service's own DataSource (its schema first on the search_path). */
  serviceDb: DataSource;
  registerServer(body: Record<string, unknown>): Promise<Server>;
  updateServer(id: string, body: Record<string, unknown>): Promise<Server>;
  deleteServer(id: string): Promise<void>;
  /** Publishes an arbitrary event through the policy engine's outbox, as a replay or a late duplicate would arrive. */
  publishFromPolicy<T extends EventType>(type: T, payload: EventPayload<T>): Promise<string>;
  /** Resolves once the service's consumer has applied (or deduplicated) the event with this id. */
  waitForInbox(eventId: string): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  prefix: string,
  module: (env: Record<string, string>) => DynamicModule,
  extraEnv: Record<string, string> = {},
): Promise<Harness> {
  const db = await createTestDatabase(prefix);
  const kafka = await startTestKafka();
  const env = {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: kafka.brokers.join(','),
    BIND_PORT: '0',
    LOG_LEVEL: 'warn',
    OUTBOX_POLL_INTERVAL_MS: '100',
    DATABASE_POOL_SIZE: '4',
    ...extraEnv,
  };
  const started: ServiceApp[] = [];
  try {
    const policy = await createServiceApp(PolicyEngineModule.forRoot({ env }));
    started.push(policy);
    const policyUrl = await policy.listen(0, '127.0.0.1');
    const service = await createServiceApp(module(env));
    started.push(service);
    const url = await service.listen(0, '127.0.0.1');
    const serviceDb = service.app.get(DataSource);
    const policyDb = policy.app.get(DataSource);
    const outbox = policy.app.get(OutboxService);

    const call = async (method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`${policyUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const expectOk = async (res: Response): Promise<unknown> => {
      if (!res.ok) throw new Error(`policy engine answered ${res.status}: ${await res.text()}`);
      return res.status === 204 ? undefined : res.json();
    };

    return {
      env,
      db,
      kafka,
      policy,
      policyUrl,
      service,
      url,
      serviceDb,
      registerServer: async (body) => (await expectOk(await call('POST', '/api/servers', body))) as Server,
      updateServer: async (id, body) =>
        (await expectOk(await call('PATCH', `/api/servers/${id}`, body))) as Server,
      deleteServer: async (id) => {
        await expectOk(await call('DELETE', `/api/servers/${id}`));
      },
      publishFromPolicy: (type, payload) => policyDb.transaction((m) => outbox.publish(m, type, payload)),
      waitForInbox: async (eventId) => {
        await waitFor(
          async () =>
            (await serviceDb.query<unknown[]>('SELECT 1 FROM inbox WHERE event_id = $1', [eventId])).length >
            0,
          { timeoutMs: 15_000, what: `event ${eventId} in the inbox` },
        );
      },
      close: async () => {
        for (const s of started.reverse()) await s.close();
        await kafka.stop();
        await db.drop();
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.close().catch(() => undefined);
    await kafka.stop().catch(() => undefined);
    await db.drop().catch(() => undefined);
    throw err;
  }
}
