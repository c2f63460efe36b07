// Public surface of the standalone host, for tests and embedding.
export {
  startHost,
  HostError,
  DATABASE_NAME,
  type Host,
  type StartOptions,
  type RunningService,
} from './host';
export { migrateAll, type MigrateResult } from './migrate';
export { EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded-postgres';
export { HOSTED_SERVICES, type HostedService } from './services';
export { main, buildProgram } from './cli';
