// Runs a service's migrations in its own schema; ALLOW_MIGRATION_FAILURE decides whether a failure stops the boot.
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';

export class MigrationFailedError extends Error {
  constructor(schema: string, cause: unknown) {
    super(
      `Migrations failed in schema "${schema}": ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'MigrationFailedError';
  }
}

export async function runMigrations(
  ds: DataSource,
  schema: string,
  opts: { allowFailure: boolean; logger: Logger },
): Promise<{ applied: string[]; failed: boolean }> {
  // Replicas of one service may start together on a fresh database; one migrates while the others wait.
  const lock = ds.createQueryRunner();
  await lock.connect();
  const key = `mcp-host.migrations.${schema}`;
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    await ds.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const applied = await ds.runMigrations({ transaction: 'each' });
    if (applied.length > 0) {
      opts.logger.info({ schema, applied: applied.map((m) => m.name) }, 'migrations applied');
    }
    return { applied: applied.map((m) => m.name), failed: false };
  } catch (err) {
    const failure = new MigrationFailedError(schema, err);
    if (!opts.allowFailure) throw failure;
    opts.logger.warn(
      { schema, err: failure.message },
      '!!! MIGRATIONS FAILED — continuing because ALLOW_MIGRATION_FAILURE=true; the schema may be incomplete !!!',
    );
    return { applied: [], failed: true };
  } finally {
    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => undefined);
    await lock.release();
  }
}
