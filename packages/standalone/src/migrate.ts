// `mcp-host migrate`: every service's migrations against DATABASE_URL, or against the data dir's embedded Postgres.
import { randomBytes } from 'node:crypto';
import { migrateService, type Env } from '@mcp-host/platform';
import { DataDir } from './data-dir';
import { EmbeddedPostgres, stopOrphanPostgres } from './embedded-postgres';
import { DATABASE_NAME } from './host';
import { freePort, portIsFree } from './ports';
import { HOSTED_SERVICES } from './services';

export interface MigrateResult {
  database: 'external' | 'embedded';
  applied: { service: string; migrations: string[] }[];
}

export async function migrateAll(o: { dataDir: string; env: Env }): Promise<MigrateResult> {
  if (o.env.DATABASE_URL) {
    return { database: 'external', applied: await runAll(o.env) };
  }
  const dataDir = new DataDir(o.dataDir);
  await dataDir.ensure();
  await dataDir.lock();
  try {
    await stopOrphanPostgres(dataDir.postgres);
    const state = await dataDir.readState();
    let port = state.postgres?.port;
    if (!port || !(await portIsFree(port, '127.0.0.1'))) port = await freePort();
    const password = state.postgres?.password ?? randomBytes(18).toString('base64url');
    await dataDir.writeState({ ...state, postgres: { port, password } });
    const pg = new EmbeddedPostgres({
      dataDir: dataDir.postgres,
      port,
      password,
      logFile: dataDir.postgresLog,
    });
    await pg.start();
    try {
      await pg.ensureDatabase(DATABASE_NAME);
      return {
        database: 'embedded',
        applied: await runAll({ ...o.env, DATABASE_URL: pg.url(DATABASE_NAME) }),
      };
    } finally {
      await pg.stop();
    }
  } finally {
    await dataDir.unlock();
  }
}

async function runAll(env: Env): Promise<MigrateResult['applied']> {
  const applied: MigrateResult['applied'] = [];
  // One after the other: concurrent CREATE EXTENSION and schema creation gain nothing here and race.
  for (const svc of HOSTED_SERVICES) {
    applied.push({ service: svc.name, migrations: await migrateService(svc.definition, env) });
  }
  return applied;
}
