// Everything a service gets from the kit in one import: typed config, logging, its database, the event bus and operations.
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, DiscoveryModule, Reflector } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import pino, { type Logger } from 'pino';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { baseConfigShape, type BaseConfig } from './config/config.schema';
import { loadConfig, processEnvWithDotenv, type Env } from './config/load-config';
import {
  connectionOptions,
  dataSourceOptions,
  type EntityList,
  type MigrationClass,
} from './database/data-source';
import { runMigrations } from './database/migrate';
import { Transactions } from './database/transactions';
import { EventBusLifecycle } from './events/event-bus.lifecycle';
import { KafkaConnection } from './events/kafka-connection';
import { OutboxRelay, type RelayDatabase } from './events/outbox.relay';
import { OutboxRelayThread } from './events/outbox-relay.thread';
import { OutboxService } from './events/outbox.service';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { RequestTimeoutInterceptor } from './http/request-timeout.interceptor';
import { HealthController } from './ops/health.controller';
import { MetricsController } from './ops/metrics.controller';
import { PlatformMetrics } from './ops/platform-metrics';
import {
  INTERNAL_AUTH,
  OUTBOX_RELAY,
  PLATFORM_CONFIG,
  PLATFORM_LOGGER,
  PLATFORM_OPTIONS,
  type InternalAuth,
} from './tokens';
import { internalTokenOf } from './http/internal-auth';

export type PlatformConfig = BaseConfig;

export interface PlatformModuleOptions {
  /** The service name: logs, metrics, the CloudEvents source and the consumer group derive from it. */
  service: string;
  /** The Postgres schema this service owns. */
  dbSchema: string;
  /** Extra config variables of this service, as a zod shape merged over the kit's. */
  configShape?: z.ZodRawShape;
  /** Defaults to process.env over `.env`. Standalone passes one env per service. */
  env?: Env;
  entities?: EntityList;
  migrations?: MigrationClass[];
  consumerGroup?: string;
  /**
   * The public door (the gateway): it sends the internal token with what it forwards instead of requiring it from
   * its callers. Every other service requires it on each request when one is configured.
   */
  publicDoor?: boolean;
  /** A logger destination (tests collect lines); defaults to stdout. */
  logDestination?: pino.DestinationStream;
}

/** Parses the config of a service (kit variables + its own); throws ConfigError on the first bad variable. */
export function loadServiceConfig<S extends z.ZodRawShape>(shape: S | undefined, env?: Env) {
  const schema = z.object({ ...baseConfigShape, ...(shape ?? {}) });
  return loadConfig(schema, env ?? processEnvWithDotenv()) as BaseConfig & z.infer<z.ZodObject<S>>;
}

@Module({})
export class PlatformModule {
  static forRoot(options: PlatformModuleOptions): DynamicModule {
    const config = loadServiceConfig(options.configShape, options.env);
    const internalAuth: InternalAuth = { token: internalTokenOf(config) };
    const logger: Logger = pino(
      {
        level: config.LOG_LEVEL,
        base: { service: options.service },
        timestamp: pino.stdTimeFunctions.isoTime,
        redact: ['req.headers.authorization', 'req.headers.cookie'],
      },
      options.logDestination ?? pino.destination({ sync: false }),
    );
    const metrics = new PlatformMetrics(options.service);

    const providers: Provider[] = [
      { provide: PLATFORM_CONFIG, useValue: config },
      { provide: PLATFORM_OPTIONS, useValue: options },
      { provide: INTERNAL_AUTH, useValue: internalAuth },
      { provide: PLATFORM_LOGGER, useValue: logger },
      { provide: PlatformMetrics, useValue: metrics },
      {
        provide: KafkaConnection,
        useFactory: () =>
          new KafkaConnection({
            clientId: config.KAFKA_CLIENT_ID ?? `mcp-host.${options.service}`,
            brokers: config.KAFKA_BROKERS,
            logger,
          }),
      },
      {
        provide: OutboxService,
        inject: [DataSource],
        useFactory: (dataSource: DataSource) => {
          const outbox = new OutboxService(options.service, options.dbSchema, config.EVENT_MAX_BYTES);
          outbox.attach(dataSource);
          return outbox;
        },
      },
      {
        provide: OUTBOX_RELAY,
        inject: [DataSource, KafkaConnection],
        useFactory: (dataSource: DataSource, kafka: KafkaConnection) => {
          const db: RelayDatabase = {
            query: (sql, params) => dataSource.query(sql, params),
            transaction: (work) =>
              dataSource.transaction((m) => work({ query: (sql, params) => m.query(sql, params) })),
          };
          const relayLogger = logger.child({ component: 'outbox-relay' });
          if (config.OUTBOX_RELAY_THREAD === 'worker') {
            return new OutboxRelayThread({
              db,
              metrics,
              logger: relayLogger,
              data: {
                databaseUrl: config.DATABASE_URL,
                connectionOptions: connectionOptions({
                  schema: options.dbSchema,
                  statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
                  lockTimeoutMs: config.DATABASE_LOCK_TIMEOUT_MS,
                }),
                schema: options.dbSchema,
                clientId: `${config.KAFKA_CLIENT_ID ?? `mcp-host.${options.service}`}.relay`,
                brokers: config.KAFKA_BROKERS,
                batchSize: config.OUTBOX_BATCH_SIZE,
                maxBatchBytes: config.KAFKA_MAX_BATCH_BYTES,
                pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
                logLevel: config.LOG_LEVEL,
              },
            });
          }
          return new OutboxRelay({
            db,
            kafka,
            metrics,
            databaseUrl: config.DATABASE_URL,
            schema: options.dbSchema,
            logger: relayLogger,
            batchSize: config.OUTBOX_BATCH_SIZE,
            maxBatchBytes: config.KAFKA_MAX_BATCH_BYTES,
            pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
          });
        },
      },
      EventBusLifecycle,
      Transactions,
      { provide: APP_FILTER, useFactory: () => new ApiExceptionFilter(logger) },
      {
        provide: APP_INTERCEPTOR,
        inject: [Reflector],
        useFactory: (reflector: Reflector) =>
          new RequestTimeoutInterceptor(reflector, config.HTTP_REQUEST_TIMEOUT_MS),
      },
    ];

    return {
      module: PlatformModule,
      global: true,
      imports: [
        DiscoveryModule,
        // nestjs-pino carries Nest's own log lines to the service's logger; the access log is a Fastify hook
        // (createServiceApp), so no per-request middleware or child logger runs.
        LoggerModule.forRoot({ forRoutes: [], pinoHttp: { logger } }),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions({
              url: config.DATABASE_URL,
              schema: options.dbSchema,
              entities: options.entities,
              migrations: options.migrations,
              poolSize: config.DATABASE_POOL_SIZE,
              applicationName: `mcp-host.${options.service}`,
              acquireTimeoutMs: config.DATABASE_ACQUIRE_TIMEOUT_MS,
              statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
              lockTimeoutMs: config.DATABASE_LOCK_TIMEOUT_MS,
            }),
            // Nest's own retry loop would hide a bad DATABASE_URL behind minutes of silence.
            retryAttempts: 0,
          }),
          dataSourceFactory: async (opts) => {
            // Migrations run on their own short-lived connections without the request timeouts: an index build
            // on a large table may rightly take longer than any request should.
            const migrator = new DataSource(
              dataSourceOptions({
                url: config.DATABASE_URL,
                schema: options.dbSchema,
                entities: options.entities,
                migrations: options.migrations,
                poolSize: 2,
                applicationName: `mcp-host.${options.service}.migrate`,
              }),
            );
            await migrator.initialize();
            try {
              await runMigrations(migrator, options.dbSchema, {
                allowFailure: config.ALLOW_MIGRATION_FAILURE,
                logger: logger.child({ component: 'migrations' }),
              });
            } finally {
              await migrator.destroy();
            }
            const ds = new DataSource(opts!);
            await ds.initialize();
            return ds;
          },
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers,
      exports: [
        PLATFORM_CONFIG,
        PLATFORM_OPTIONS,
        PLATFORM_LOGGER,
        INTERNAL_AUTH,
        PlatformMetrics,
        KafkaConnection,
        OutboxService,
        Transactions,
      ],
    };
  }
}
