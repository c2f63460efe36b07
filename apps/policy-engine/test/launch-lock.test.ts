// Two policy-engine replicas on one database never launch the same server twice at once: the launch lock (a Postgres
// advisory lock per server) lets one place the instance while the other leaves it alone, and an orphan sweep on the
// other replica never removes an instance being launched.
import { PassThrough, type Readable } from 'node:stream';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@mcp-host/platform/testing';
import { DataSource } from 'typeorm';
import { PolicyEngineModule } from '../src';
import { ExecutorRegistry } from '../src/runtime/executor-registry';
import { RuntimeOrchestrator } from '../src/runtime/runtime-orchestrator';
import type { LaunchSpec, ManagedInstance, RuntimeExecutor } from '../src/runtime/runtime-executor';
import { ServerRuntimeService } from '../src/runtime/server-runtime.service';
import { ServerLaunchLock } from '../src/servers/server-launch.lock';
import { ServerService } from '../src/servers/server.service';

/**
 * One engine both replicas share (as two replicas share one Docker host): it records every launch, how many launches
 * of a server are in flight at once, and lists its instances with their labels like the real executors do.
 * A launch can be held at a gate the test opens.
 */
class SharedEngine implements RuntimeExecutor {
  readonly descriptor = { name: 'shared-engine', kind: 'docker', capabilities: ['container'] as const };
  readonly launches: LaunchSpec[] = [];
  readonly maxInFlight = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly instances = new Map<string, ManagedInstance>();
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  private seq = 0;

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  async launch(spec: LaunchSpec) {
    this.launches.push(spec);
    const n = (this.inFlight.get(spec.serverId) ?? 0) + 1;
    this.inFlight.set(spec.serverId, n);
    this.maxInFlight.set(spec.serverId, Math.max(n, this.maxInFlight.get(spec.serverId) ?? 0));
    try {
      if (this.gate) await this.gate;
      // Yield a few turns so a racing replica gets every chance to run meanwhile.
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      const ref = `shared-${++this.seq}`;
      this.instances.set(ref, {
        instanceRef: ref,
        serverId: spec.serverId,
        decisionId: spec.decisionId,
        running: true,
      });
      return { instanceRef: ref, endpoint: null };
    } finally {
      this.inFlight.set(spec.serverId, (this.inFlight.get(spec.serverId) ?? 1) - 1);
    }
  }

  stop(ref: string) {
    this.instances.delete(ref);
    return Promise.resolve();
  }

  isRunning(ref: string) {
    return Promise.resolve(this.instances.has(ref));
  }

  restart(ref: string) {
    return Promise.resolve({ instanceRef: ref, endpoint: null });
  }

  list() {
    return Promise.resolve([...this.instances.values()]);
  }

  running(serverId: string): ManagedInstance[] {
    return [...this.instances.values()].filter((i) => i.serverId === serverId);
  }

  logs(): Promise<Readable> {
    const out = new PassThrough();
    out.end('');
    return Promise.resolve(out);
  }
}

describe('cross-replica launch lock', () => {
  let db: TestDatabase;
  let a: ServiceApp;
  let b: ServiceApp;
  const engine = new SharedEngine();

  const replica = () =>
    createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: '127.0.0.1:1',
          EVENT_CONSUMER_ENABLED: 'false',
          OUTBOX_RELAY_ENABLED: 'false',
          LOG_LEVEL: 'warn',
          // Each replica's own sweep runs often, racing the other's launches too.
          RUNTIME_RECONCILE_INTERVAL_MS: '100',
          RUNTIME_HEALTH_INTERVAL_MS: '200',
          RUNTIME_DEFAULT_IMAGES: 'Router=localhost/mcp-host/router:latest',
        },
      }),
    );

  const statusOf = async (id: string) =>
    (
      (await a.app.get(DataSource).query('SELECT status FROM servers WHERE id = $1', [id])) as {
        status: string;
      }[]
    )[0].status;

  beforeAll(async () => {
    db = await createTestDatabase('policy_launch_lock');
    [a, b] = await Promise.all([replica(), replica()]);
    a.app.get(ExecutorRegistry).register(engine);
    b.app.get(ExecutorRegistry).register(engine);
  });

  afterAll(async () => {
    engine.release();
    await Promise.all([a?.close(), b?.close()]);
    await db.drop();
  });

  it('when one replica is launching a server, then the other replica launches nothing, removes nothing, and the lock is free afterwards', async () => {
    const server = await a.app
      .get(ServerService)
      .register({
        name: 'locked-one',
        server_type: 'Router',
        source_branch: 'main',
        dockerfile_path: 'Dockerfile',
      });
    engine.hold();
    const started = await a.app.get(ServerRuntimeService).start(server.id, { capabilities: [] });
    expect(started.status).toBe('starting');
    await waitFor(() => engine.launches.some((l) => l.serverId === server.id), {
      what: 'the launch on replica A',
    });
    const lockB = b.app.get(ServerLaunchLock);
    expect(await lockB.isHeld(server.id)).toBe(true);

    // Replica B is asked to launch and to sweep while A's launch is in flight: it leaves both to A.
    const orchestratorB = b.app.get(RuntimeOrchestrator);
    await Promise.all([
      orchestratorB.launch(server.id),
      orchestratorB.sweep(),
      orchestratorB.launch(server.id),
    ]);
    expect(engine.launches.filter((l) => l.serverId === server.id)).toHaveLength(1);
    expect(await lockB.tryWith(server.id, () => Promise.resolve('B got it'))).toEqual({ held: false });

    engine.release();
    await waitFor(async () => (await statusOf(server.id)) === 'running', { what: 'running' });
    await waitFor(async () => !(await lockB.isHeld(server.id)), { what: 'the lock released' });
    // Once placed, another launch on B finds the instance and adds none; the instance survives B's sweeps.
    await orchestratorB.launch(server.id);
    await orchestratorB.sweep();
    expect(engine.launches.filter((l) => l.serverId === server.id)).toHaveLength(1);
    expect(engine.running(server.id)).toHaveLength(1);
    expect(engine.maxInFlight.get(server.id)).toBe(1);
  });

  it('when 20 servers are started on both replicas and both race to launch and sweep them, then each runs exactly one instance, never two launches at once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const s = await a.app.get(ServerService).register({
        name: `race-${i}`,
        server_type: 'Router',
        source_branch: 'main',
        dockerfile_path: 'Dockerfile',
      });
      ids.push(s.id);
    }
    const replicas = [a, b];
    await Promise.all(
      ids.map((id, i) => replicas[i % 2].app.get(ServerRuntimeService).start(id, { capabilities: [] })),
    );
    // Every server is launched from both replicas at once, on top of their own dispatch and sweeps.
    await Promise.all(ids.flatMap((id) => replicas.map((r) => r.app.get(RuntimeOrchestrator).launch(id))));
    await Promise.all(replicas.map((r) => r.app.get(RuntimeOrchestrator).sweep()));
    for (const id of ids) {
      await waitFor(async () => (await statusOf(id)) === 'running', { what: `server ${id} running` });
    }
    await Promise.all(replicas.map((r) => r.app.get(RuntimeOrchestrator).sweep()));
    for (const id of ids) {
      expect(engine.launches.filter((l) => l.serverId === id)).toHaveLength(1);
      expect(engine.maxInFlight.get(id)).toBe(1);
      expect(engine.running(id)).toHaveLength(1);
    }
    const held = await Promise.all(ids.map((id) => b.app.get(ServerLaunchLock).isHeld(id)));
    expect(held.every((h) => !h)).toBe(true);
  });
});
