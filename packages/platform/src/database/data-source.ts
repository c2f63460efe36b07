// Builds the TypeORM DataSource of one service: its own schema first on the search_path, never synchronize.
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';
import { PlatformEventBus1763800000000 } from './event-bus.migration';

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
}

export function dataSourceOptions(o: ServiceDataSourceOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: o.url,
    schema: o.schema,
    entities: o.entities ?? [],
    migrations: [PlatformEventBus1763800000000, ...(o.migrations ?? [])],
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    poolSize: o.poolSize ?? 10,
    applicationName: o.applicationName,
    extra: { options: `-c search_path="${o.schema}",public` },
  };
}

export function createServiceDataSource(o: ServiceDataSourceOptions): DataSource {
  return new DataSource(dataSourceOptions(o));
}
