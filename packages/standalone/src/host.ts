// Runs the services in one process: embedded Postgres and Kafka (or external ones with --target), the four
// internal services on loopback, then the gateway in front of them; stops them in the reverse order.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { ServiceName } from '@mcp-host/contracts';
import { startEmbeddedKafka, type EmbeddedKafka } from '@mcp-host/embedded-kafka';
import { createServiceApp, ListenError, oneLine, type Env, type ServiceApp } from '@mcp-host/platform';
import { DataDir } from './data-dir';
import { EmbeddedPostgres, stopOrphanPostgres } from './embedded-postgres';
import { freePort, portIsFree } from './ports';
import { HOSTED_SERVICES, type HostedService } from './services';
import { startLocalEngine, type LocalEngine } from './local-engine';

export const DATABASE_NAME = 'mcp_host';

export interface StartOptions {
  dataDir: string;
  port: number;
  /** True when the port was chosen by the user, not defaulted (matters only without a local gateway). */
  portExplicit?: boolean;
  host: string;
  /** Only these services, against the external DATABASE_URL and KAFKA_BROKERS; undefined runs everything embedded. */
  targets?: ServiceName[];
  env: Env;
  /** Progress lines for the human summary. */
  say?: (line: string) => void;
  /** False skips the local container engine and registry (tests that do not build or launch). */
  localEngine?: boolean;
  /** Called when embedded Postgres stops on its own while the host runs. */
  onFatal?: (reason: string) => void;
}

export interface RunningService {
  name: ServiceName;
  url: string;
}

export interface Host {
  gatewayUrl?: string;
  adminTokenFile?: string;
  services: RunningService[];
  postgres?: { port: number };
  kafka?: { brokers: string[] };
  timings: Record<string, number>;
  stop(): Promise<void>;
}

export class HostError extends Error {}

type Stopper = { what: string; stop: () => Promise<void> };

export async function startHost(o: StartOptions): Promise<Host> {
  const say = o.say ?? (() => undefined);
  const embedded = o.targets === undefined;
  const targets = o.targets ?? HOSTED_SERVICES.map((s) => s.name);
  const wanted = HOSTED_SERVICES.filter((s) => targets.includes(s.name));
  const withGateway = targets.includes('gateway');
  const dataDir = new DataDir(o.dataDir);
  const started = Date.now();
  const timings: Record<string, number> = {};
  const stoppers: Stopper[] = [];

  if (!embedded) {
    const missing = ['DATABASE_URL', 'KAFKA_BROKERS'].filter((v) => !o.env[v]);
    if (missing.length > 0) {
      throw new HostError(
        `--target runs against an external Postgres and Kafka: set ${missing.join(' and ')} (missing)`,
      );
    }
  }
  if (withGateway && o.port !== 0 && !(await portIsFree(o.port, o.host))) {
    throw new HostError(`Port ${o.port} on ${o.host} is already in use (--port)`);
  }

  const stopAll = async () => {
    const errors: string[] = [];
    for (const s of stoppers.splice(0).reverse()) {
      await s.stop().catch((err: unknown) => errors.push(`${s.what}: ${(err as Error).message}`));
    }
    if (errors.length > 0) throw new Error(`stopping failed: ${errors.join('; ')}`);
  };

  try {
    let databaseUrl = o.env.DATABASE_URL ?? '';
    let kafkaBrokers = o.env.KAFKA_BROKERS ?? '';
    let postgres: EmbeddedPostgres | undefined;
    let kafka: EmbeddedKafka | undefined;
    let engine: LocalEngine | undefined;
    let providerKeysKey: string | undefined;

    if (embedded || withGateway) await dataDir.ensure();
    if (embedded) {
      await dataDir.lock();
      stoppers.push({ what: 'data dir lock', stop: () => dataDir.unlock() });
      // Only after the lock: a live host's server is never touched, a dead host's one frees its port for reuse.
      await stopOrphanPostgres(dataDir.postgres);
      const state = await dataDir.readState();
      let pgPort = state.postgres?.port;
      if (!pgPort || !(await portIsFree(pgPort, '127.0.0.1'))) pgPort = await freePort();
      const password = state.postgres?.password ?? randomBytes(18).toString('base64url');
      let registryPort = state.registry?.port;
      if (!registryPort || !(await portIsFree(registryPort, '127.0.0.1'))) registryPort = await freePort();
      providerKeysKey = state.providerKeysKey ?? randomBytes(32).toString('base64');
      await dataDir.writeState({
        ...state,
        postgres: { port: pgPort, password },
        registry: { port: registryPort },
        providerKeysKey,
      });

      postgres = new EmbeddedPostgres({
        dataDir: dataDir.postgres,
        port: pgPort,
        password,
        logFile: dataDir.postgresLog,
        onUnexpectedExit: (reason) =>
          o.onFatal?.(`PostgreSQL stopped unexpectedly (${reason}); see ${dataDir.postgresLog}`),
      });
      const pg = postgres;
      const t0 = Date.now();
      const [pgResult, kafkaResult, engineResult] = await Promise.allSettled([
        pg.start().then(async (r) => {
          await pg.ensureDatabase(DATABASE_NAME);
          timings.postgres = Date.now() - t0;
          return r;
        }),
        startEmbeddedKafka({ port: 0, host: '127.0.0.1', dataDir: dataDir.kafka }).then((k) => {
          timings.kafka = Date.now() - t0;
          return k;
        }),
        o.localEngine === false || o.env.MCP_HOST_LOCAL_ENGINE === 'false'
          ? Promise.resolve(undefined)
          : startLocalEngine({ dir: dataDir.root, registryPort, env: o.env }).then((e) => {
              timings.engine = Date.now() - t0;
              return e;
            }),
      ]);
      if (engineResult.status === 'fulfilled' && engineResult.value) {
        const e = engineResult.value;
        stoppers.push({ what: 'container engine', stop: () => e.stop() });
        engine = e;
      }
      // Postgres first, then the broker: stopping runs in reverse, so the broker stops before Postgres.
      stoppers.push({ what: 'postgres', stop: () => pg.stop() });
      if (kafkaResult.status === 'fulfilled') {
        const k = kafkaResult.value;
        stoppers.push({ what: 'kafka', stop: () => k.stop() });
      }
      if (pgResult.status === 'rejected')
        throw new HostError(`PostgreSQL did not start: ${oneLine(pgResult.reason)}`);
      if (kafkaResult.status === 'rejected') {
        throw new HostError(`The embedded Kafka broker did not start: ${oneLine(kafkaResult.reason)}`);
      }
      if (engineResult.status === 'rejected') {
        throw new HostError(`The local container engine did not start: ${oneLine(engineResult.reason)}`);
      }
      const pgStart = pgResult.value;
      const broker = kafkaResult.value;
      kafka = broker;
      databaseUrl = pg.url(DATABASE_NAME);
      kafkaBrokers = broker.brokers.join(',');
      say(
        `postgres  127.0.0.1:${pg.port} (embedded, ${pgStart.initialised ? 'initialised' : 'reused'} ${dataDir.postgres})`,
      );
      say(`kafka     ${kafkaBrokers} (embedded, ${dataDir.kafka})`);
      if (engine?.dockerHost) say(`engine    ${engine.dockerHost}`);
      if (engine?.registry) say(`registry  ${engine.registry}`);
      for (const note of engine?.notes ?? []) say(`note      ${note}`);
    }

    // The services answer only the gateway: one token per start, shared in this process, never written anywhere.
    const internalAuth: Env =
      o.env.INTERNAL_AUTH_TOKEN || o.env.INTERNAL_AUTH_TOKEN_FILE
        ? {}
        : { INTERNAL_AUTH_TOKEN: randomBytes(32).toString('hex') };
    const common: Env = {
      ...o.env,
      ...internalAuth,
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: kafkaBrokers,
      LOG_LEVEL: o.env.LOG_LEVEL ?? 'warn',
      DATABASE_POOL_SIZE: o.env.DATABASE_POOL_SIZE ?? '5',
      // The host's own engine and registry, for builds, pushes and launches; the demo builds local sources.
      ...(engine?.dockerHost && !o.env.DOCKER_HOST ? { DOCKER_HOST: engine.dockerHost } : {}),
      ...(engine?.registry && !o.env.REGISTRY_URL
        ? { REGISTRY_URL: `${engine.registry}/mcp-host`, REGISTRY_INSECURE: 'true' }
        : {}),
      ...(embedded
        ? {
            BUILD_ALLOW_LOCAL_SOURCES: o.env.BUILD_ALLOW_LOCAL_SOURCES ?? 'true',
            BUILD_WORKDIR: o.env.BUILD_WORKDIR ?? join(dataDir.root, 'builds'),
            ...(providerKeysKey && !o.env.PROVIDER_KEYS_ENCRYPTION_KEY
              ? { PROVIDER_KEYS_ENCRYPTION_KEY: providerKeysKey }
              : {}),
          }
        : {}),
    };

    const internal = wanted.filter((s) => s.name !== 'gateway');
    const t1 = Date.now();
    const running: RunningService[] = [];
    const startOne = async (
      svc: HostedService,
      port: number,
      host: string,
      env: Env,
    ): Promise<RunningService> => {
      let app: ServiceApp;
      try {
        app = await createServiceApp(svc.module({ ...env, BIND_ADDRESS: host, BIND_PORT: String(port) }));
      } catch (err) {
        throw new HostError(`${svc.name} did not start: ${oneLine(err)}`);
      }
      stoppers.push({ what: svc.name, stop: () => app.close() });
      let url: string;
      try {
        url = await app.listen(port, host);
      } catch (err) {
        if (err instanceof ListenError && svc.name === 'gateway') {
          throw new HostError(`Port ${port} on ${host} is already in use (--port)`);
        }
        throw err;
      }
      return { name: svc.name, url };
    };

    const internalHost = withGateway ? '127.0.0.1' : o.host;
    const internalPort = (svc: HostedService) => {
      if (withGateway) return 0;
      if (internal.length === 1 && o.portExplicit) return o.port;
      return svc.defaultPort;
    };
    // Settled, not raced: a failure stops the others only after every one has registered how to stop it.
    const results = await Promise.allSettled(
      internal.map((svc) => startOne(svc, internalPort(svc), internalHost, common)),
    );
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    for (const r of results) if (r.status === 'fulfilled') running.push(r.value);
    // The gateway goes last so its stopper runs first.
    timings.services = Date.now() - t1;

    let gatewayUrl: string | undefined;
    let adminTokenFile: string | undefined;
    if (withGateway) {
      const t2 = Date.now();
      const gatewayEnv: Env = { ...common };
      for (const r of running) {
        const svc = HOSTED_SERVICES.find((s) => s.name === r.name);
        if (svc?.upstreamVariable) gatewayEnv[svc.upstreamVariable] = r.url;
      }
      adminTokenFile = embedded
        ? dataDir.adminTokenFile
        : (o.env.GATEWAY_ADMIN_TOKEN_FILE ?? dataDir.adminTokenFile);
      gatewayEnv.GATEWAY_ADMIN_TOKEN_FILE = adminTokenFile;
      const gw = HOSTED_SERVICES.find((s) => s.name === 'gateway');
      if (!gw) throw new Error('gateway service missing from the service list');
      const r = await startOne(gw, o.port, o.host, gatewayEnv);
      running.push(r);
      gatewayUrl = r.url;
      timings.gateway = Date.now() - t2;
    }
    timings.total = Date.now() - started;

    return {
      gatewayUrl,
      adminTokenFile,
      services: running,
      postgres: postgres ? { port: postgres.port } : undefined,
      kafka: kafka ? { brokers: kafka.brokers } : undefined,
      timings,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}
