// Builds the TypeORM DataSource of one service: its own schema first on the search_path, never synchronize.
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';
import { PlatformEventBus1763800000000 } from './event-bus.migration';
import { PlatformOutboxParked1763800000100 } from './event-bus-parked.migration';

export type MigrationClass = new () => object;
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityList = MixedList<Function | string | EntitySchema>;

export interface ServiceDataSourceOptions {
  url: string;
  schema: string;
  entities?: EntityList;
  migrations?: MigrationClass[];
  poolSize?: number;
  applicationName?: string;
  /** Longest wait for a free pool connection (pg-pool's connectionTimeoutMillis). */
  acquireTimeoutMs?: number;
  /** statement_timeout of every connection; 0 or unset means none (migrations). */
  statementTimeoutMs?: number;
  /** lock_timeout of every connection; 0 or unset means none (migrations). */
  lockTimeoutMs?: number;
}

/**
 * The `options` every connection of the service opens with: its schema first on the search_path, then its timeouts.
 * The DataSource's pool uses them, and so does the outbox relay's own pool when it runs on a thread of its own.
 */
export function connectionOptions(
  o: Pick<ServiceDataSourceOptions, 'schema' | 'statementTimeoutMs' | 'lockTimeoutMs'>,
): string {
  return [
    `-c search_path="${o.schema}",public`,
    o.statementTimeoutMs ? `-c statement_timeout=${o.statementTimeoutMs}` : '',
    o.lockTimeoutMs ? `-c lock_timeout=${o.lockTimeoutMs}` : '',
    // A transaction left open by a stuck request cannot hold its locks for ever.
    o.statementTimeoutMs ? `-c idle_in_transaction_session_timeout=${o.statementTimeoutMs * 4}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

export function dataSourceOptions(o: ServiceDataSourceOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: o.url,
    schema: o.schema,
    entities: o.entities ?? [],
    migrations: [PlatformEventBus1763800000000, PlatformOutboxParked1763800000100, ...(o.migrations ?? [])],
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    poolSize: o.poolSize ?? 10,
    applicationName: o.applicationName,
    extra: {
      options: connectionOptions(o),
      ...(o.acquireTimeoutMs ? { connectionTimeoutMillis: o.acquireTimeoutMs } : {}),
      // Idle connections close after 10 s, but not the last two: the first requests after a quiet spell would
      // otherwise wait for new connections (10-20 ms each here, more under load).
      min: Math.min(2, o.poolSize ?? 10),
    },
  };
}

export function createServiceDataSource(o: ServiceDataSourceOptions): DataSource {
  return new DataSource(dataSourceOptions(o));
}
