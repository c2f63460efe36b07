// Creates, starts and stops one service's Nest application; main.ts and the standalone host both go through here.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IDENTITY_HEADER, decodeIdentityValue } from '@mcp-host/contracts';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig, processEnvWithDotenv, type Env } from '../config/load-config';
import { baseConfigSchema } from '../config/config.schema';
import { createServiceDataSource } from '../database/data-source';
import { runMigrations } from '../database/migrate';
import { PlatformMetrics } from '../ops/platform-metrics';
import { installFrameworkErrorAnswers } from '../http/framework-errors';
import { currentScope, enterScope, isTraceparent, newTraceparent } from '../telemetry/trace-context';
import {
  INTERNAL_AUTH,
  PLATFORM_CONFIG,
  PLATFORM_LOGGER,
  PLATFORM_OPTIONS,
  type InternalAuth,
} from '../tokens';
import { InternalAuthCheck, INTERNAL_TOKEN_HEADER } from '../http/internal-auth';
import type { PlatformConfig, PlatformModuleOptions } from '../platform.module';
import pino from 'pino';

export interface ServiceApp {
  app: NestFastifyApplication;
  config: PlatformConfig;
  options: PlatformModuleOptions;
  logger: Logger;
  /** Listens on BIND_ADDRESS:BIND_PORT (or the given port) and returns the URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

export class ListenError extends Error {}

export async function createServiceApp(module: DynamicModule): Promise<ServiceApp> {
  // The platform module is built first so the HTTP settings are known before Fastify starts.
  const settings = httpSettingsOf(module);
  const adapter = new FastifyAdapter({
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && given.length > 0 && given.length <= 128 ? given : randomUUID();
    },
    bodyLimit: settings.bodyLimit,
    trustProxy: settings.trustProxy,
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(PinoNestLogger));
  const config = app.get<PlatformConfig>(PLATFORM_CONFIG);
  const options = app.get<PlatformModuleOptions>(PLATFORM_OPTIONS);
  const logger = app.get<Logger>(PLATFORM_LOGGER);
  const metrics = app.get(PlatformMetrics);
  const internalToken = app.get<InternalAuth>(INTERNAL_AUTH).token;
  const internalCheck =
    internalToken !== undefined && !options.publicDoor ? new InternalAuthCheck(internalToken) : undefined;

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (req, reply, done) => {
    // Before anything reads the identity headers: without the gateway's token they are a stranger's claims.
    const refused = internalCheck?.refusal(req.url, req.headers[INTERNAL_TOKEN_HEADER]);
    if (refused) {
      void reply.code(refused.status).header('content-type', 'application/json').send(refused.toBody());
      return;
    }
    // The gateway percent-encodes identity values (any Unicode subject); controllers read them decoded.
    for (const name of [IDENTITY_HEADER.subject, IDENTITY_HEADER.tokenId]) {
      const v = req.headers[name];
      if (typeof v === 'string') req.headers[name] = decodeIdentityValue(v);
    }
    const incoming = req.headers.traceparent;
    enterScope({ requestId: req.id, traceparent: isTraceparent(incoming) ? incoming : newTraceparent() });
    void reply.header('x-request-id', req.id);
    done();
  });
  // One access line per request, built only when info is on; probes and scrapes are left out.
  const quiet = new Set(['/healthz', '/readyz', '/metrics']);
  const logged = (url: string): boolean => {
    const q = url.indexOf('?');
    return !quiet.has(q === -1 ? url : url.slice(0, q));
  };
  fastify.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const labels = { method: req.method, route, status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    if (logger.isLevelEnabled('info') && logged(req.url)) {
      logger.info(
        {
          reqId: req.id,
          method: req.method,
          url: req.url,
          route,
          status: reply.statusCode,
          responseTimeMs: Math.round(reply.elapsedTime * 100) / 100,
          traceparent: currentScope()?.traceparent,
        },
        'request completed',
      );
    }
    done();
  });

  await app.init();
  installFrameworkErrorAnswers(fastify.server, logger);
  return {
    app,
    config,
    options,
    logger,
    async listen(port = config.BIND_PORT, host = config.BIND_ADDRESS) {
      try {
        await app.listen(port, host);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE')
          throw new ListenError(`Cannot listen on ${host}:${port}: the port is already in use (BIND_PORT)`);
        if (code === 'EADDRNOTAVAIL')
          throw new ListenError(`Cannot listen on ${host}:${port}: no such address (BIND_ADDRESS)`);
        throw err;
      }
      const addr = app.getHttpServer().address();
      const actualPort = typeof addr === 'object' && addr ? addr.port : port;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      return `http://${shownHost}:${actualPort}`;
    },
    async close() {
      // Idle keep-alive connections close at once; a request that never finishes (a caller that half-closed its
      // side of a stream, say) is cut after the drain rather than holding the process for the keep-alive timeout.
      const server = app.getHttpServer() as import('node:http').Server;
      const cut = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_DRAIN_MS);
      cut.unref();
      try {
        await app.close();
      } finally {
        clearTimeout(cut);
      }
      logger.flush();
    },
  };
}

function httpSettingsOf(module: DynamicModule): { bodyLimit: number; trustProxy: boolean } {
  const config = findConfig(module);
  return {
    bodyLimit: config?.HTTP_BODY_LIMIT_BYTES ?? 1024 * 1024,
    trustProxy: config?.HTTP_TRUST_PROXY ?? false,
  };
}

function findConfig(module: DynamicModule): PlatformConfig | undefined {
  const visit = (m: DynamicModule): PlatformConfig | undefined => {
    for (const imp of m.imports ?? []) {
      const dyn = imp as DynamicModule;
      const providers = dyn.providers ?? [];
      for (const p of providers) {
        if (typeof p === 'object' && 'provide' in p && p.provide === PLATFORM_CONFIG && 'useValue' in p) {
          return p.useValue as PlatformConfig;
        }
      }
      if (dyn.module) {
        const found = visit(dyn);
        if (found) return found;
      }
    }
    return undefined;
  };
  return visit(module);
}

/** main.ts of a service: build the module, listen, and stop cleanly on SIGINT/SIGTERM. Bad config is one line and exit 1. */
export async function runService(factory: () => DynamicModule): Promise<void> {
  let service: ServiceApp;
  try {
    service = await createServiceApp(factory());
    const url = await service.listen();
    service.logger.info({ url }, `${service.options.service} listening`);
  } catch (err) {
    process.stderr.write(`${oneLine(err)}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    service.logger.info({ signal }, 'shutting down');
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${oneLine(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

export function oneLine(err: unknown): string {
  if (err instanceof ConfigError || err instanceof ListenError) return err.message;
  const e = err as Error;
  return (e?.message ?? String(err)).split('\n')[0];
}

/** Runs one service's migrations against DATABASE_URL and returns the names applied. */
export async function migrateService(
  options: Pick<PlatformModuleOptions, 'service' | 'dbSchema' | 'entities' | 'migrations'>,
  env: Env = processEnvWithDotenv(),
): Promise<string[]> {
  const config = loadConfig(baseConfigSchema, env);
  const ds: DataSource = createServiceDataSource({
    url: config.DATABASE_URL,
    schema: options.dbSchema,
    entities: options.entities,
    migrations: options.migrations,
    poolSize: 2,
    applicationName: `mcp-host.${options.service}.migrate`,
  });
  await ds.initialize();
  try {
    const res = await runMigrations(ds, options.dbSchema, {
      allowFailure: false,
      logger: pino({ level: 'silent' }),
    });
    return res.applied;
  } finally {
    await ds.destroy();
  }
}
