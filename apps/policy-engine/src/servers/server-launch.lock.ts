// The cross-replica launch lock: a Postgres session advisory lock per server, keyed by the schema and the server id,
// held on a connection of its own while one replica places the server's instance on an engine and records it.
// Another replica (or process) that asks meanwhile is told so at once and leaves the launch to the holder; a holder
// that dies loses its connection, and with it the lock, so the next sweep anywhere takes the launch over.
// The holder's work needs a second connection (reads and the record of the instance), so at most a bounded number of
// holders run at once in a process: never so many that their lock connections leave none for their own work.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export type LockOutcome<T> = { held: true; value: T } | { held: false };

const KEY = `SELECT hashtext(current_schema() || '.server-launch') AS ns, hashtext($1) AS id`;

@Injectable()
export class ServerLaunchLock {
  /** Holders at once: each takes one connection for the lock and at most one more for its work. */
  private readonly maxHolders: number;
  private holders = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(@InjectDataSource() private readonly ds: DataSource) {
    const pool = (ds.options as { poolSize?: number }).poolSize ?? 10;
    this.maxHolders = Math.max(1, Math.floor((pool - 2) / 2));
  }

  /** Runs `fn` while holding the server's launch lock; `{ held: false }` when another session holds it. */
  async tryWith<T>(serverId: string, fn: () => Promise<T>): Promise<LockOutcome<T>> {
    if (this.holders >= this.maxHolders) await new Promise<void>((wake) => this.waiting.push(wake));
    else this.holders += 1;
    try {
      return await this.tryWithConnection(serverId, fn);
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so a newcomer cannot overtake it.
      if (next) next();
      else this.holders -= 1;
    }
  }

  private async tryWithConnection<T>(serverId: string, fn: () => Promise<T>): Promise<LockOutcome<T>> {
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    let broken: Error | undefined;
    try {
      const [k] = (await qr.query(KEY, [serverId])) as { ns: number; id: number }[];
      const [row] = (await qr.query('SELECT pg_try_advisory_lock($1, $2) AS locked', [k.ns, k.id])) as {
        locked: boolean;
      }[];
      if (!row.locked) return { held: false };
      try {
        return { held: true, value: await fn() };
      } finally {
        await qr.query('SELECT pg_advisory_unlock($1, $2)', [k.ns, k.id]).catch((err: unknown) => {
          // A connection that cannot unlock is closed instead of going back to the pool: the lock ends with it.
          broken = err instanceof Error ? err : new Error(String(err));
        });
      }
    } finally {
      const release = broken
        ? (
            qr as unknown as { releasePostgresConnection(err: Error): Promise<void> }
          ).releasePostgresConnection(broken)
        : qr.release();
      await release.catch(() => undefined);
    }
  }

  /** Whether any session holds the server's launch lock now (for operators and tests). */
  async isHeld(serverId: string): Promise<boolean> {
    const [k] = (await this.ds.query(KEY, [serverId])) as { ns: number; id: number }[];
    const rows = (await this.ds.query(
      `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND classid = $1::int::oid AND objid = $2::int::oid AND objsubid = 2 AND granted`,
      [k.ns, k.id],
    )) as unknown[];
    return rows.length > 0;
  }
}
