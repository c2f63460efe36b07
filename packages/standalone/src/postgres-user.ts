// PostgreSQL refuses to run as root; as root, the embedded cluster runs as a dedicated unprivileged system user.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const POSTGRES_SYSTEM_USER = 'mcp-host-pg';

export interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

async function lookup(name: string): Promise<RunAs | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()), name };
  } catch {
    return undefined;
  }
}

/** Undefined when not root (Postgres runs as us); otherwise the system user, created on first use. */
export async function postgresRunAs(): Promise<RunAs | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const existing = await lookup(POSTGRES_SYSTEM_USER);
  if (existing) return existing;
  try {
    await run('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      POSTGRES_SYSTEM_USER,
    ]);
  } catch (err) {
    // Another mcp-host may have created it a moment ago.
    const raced = await lookup(POSTGRES_SYSTEM_USER);
    if (raced) return raced;
    const detail = ((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n')[0];
    throw new Error(
      `Running as root: could not create the system user ${POSTGRES_SYSTEM_USER} for PostgreSQL: ${detail}`,
    );
  }
  const created = await lookup(POSTGRES_SYSTEM_USER);
  if (!created)
    throw new Error(
      `Running as root: the system user ${POSTGRES_SYSTEM_USER} was created but cannot be found`,
    );
  return created;
}
