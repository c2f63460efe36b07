// Every query of the server registry. Each method takes the manager it runs on, so a lookup made inside a
// transaction always runs in that transaction (see Transactions in the kit).
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';
import { ServerEntity } from './server.entity';

export interface ServerListFilter {
  limit: number;
  after?: { createdAt: string; id: string };
  q?: string;
  status?: string;
}

const COLUMNS =
  'id, name, server_type, source_repository, source_branch, dockerfile_path, tier, owner, status, version, created_at, updated_at';

@Injectable()
export class ServerRepository {
  async findById(m: Manager, id: string): Promise<ServerEntity | undefined> {
    const rows = (await m.query(`SELECT ${COLUMNS} FROM servers WHERE id = $1`, [id])) as ServerEntity[];
    return rows[0];
  }

  /** Rows in keyset order; `cursor_ts` keeps the microseconds a JavaScript Date would drop. */
  async list(m: Manager, f: ServerListFilter): Promise<(ServerEntity & { cursor_ts: string })[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.after) {
      params.push(f.after.createdAt, f.after.id);
      where.push(`(created_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    if (f.q) {
      params.push(`%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`name ILIKE $${params.length}`);
    }
    if (f.status) {
      params.push(f.status);
      where.push(`status = $${params.length}`);
    }
    params.push(f.limit);
    return (await m.query(
      `SELECT ${COLUMNS}, created_at::text AS cursor_ts FROM servers ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at, id LIMIT $${params.length}`,
      params,
    )) as (ServerEntity & { cursor_ts: string })[];
  }

  async insert(
    m: Manager,
    s: Omit<ServerEntity, 'created_at' | 'updated_at' | 'version'>,
  ): Promise<ServerEntity> {
    const rows = (await m.query(
      `INSERT INTO servers (id, name, server_type, source_repository, source_branch, dockerfile_path, tier, owner, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [
        s.id,
        s.name,
        s.server_type,
        s.source_repository,
        s.source_branch,
        s.dockerfile_path,
        s.tier,
        s.owner,
        s.status,
      ],
    )) as ServerEntity[];
    return rows[0];
  }

  /** Applies `changes` only if the row is still at `version`; undefined means the version was stale or the row gone. */
  async updateIfVersion(
    m: Manager,
    id: string,
    version: number,
    changes: Partial<
      Pick<
        ServerEntity,
        | 'name'
        | 'server_type'
        | 'source_repository'
        | 'source_branch'
        | 'dockerfile_path'
        | 'tier'
        | 'owner'
        | 'status'
      >
    >,
  ): Promise<ServerEntity | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [id, version];
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) continue;
      params.push(v);
      sets.push(`${k} = $${params.length}`);
    }
    sets.push('version = version + 1', 'updated_at = now()');
    const [rows] = (await m.query(
      `UPDATE servers SET ${sets.join(', ')} WHERE id = $1 AND version = $2 RETURNING ${COLUMNS}`,
      params,
    )) as [ServerEntity[], number];
    return rows[0];
  }

  /** Moves a server to a build status, bumping its version; undefined when the server no longer exists. */
  async setBuildStatus(
    m: Manager,
    id: string,
    buildId: string,
    status: string,
    reason: string | null,
  ): Promise<ServerEntity | undefined> {
    const [rows] = (await m.query(
      `UPDATE servers SET status = $2, status_reason = $3, last_build_id = $4, version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, status, reason, buildId],
    )) as [ServerEntity[], number];
    return rows[0];
  }

  /** The row, locked until the transaction ends, so launches and stops of one server run one at a time. */
  async lockById(
    m: Manager,
    id: string,
  ): Promise<(ServerEntity & { status_reason: string | null }) | undefined> {
    const rows = (await m.query(`SELECT ${COLUMNS}, status_reason FROM servers WHERE id = $1 FOR UPDATE`, [
      id,
    ])) as (ServerEntity & { status_reason: string | null })[];
    return rows[0];
  }

  /** Moves a server to a runtime status with its reason, bumping its version; undefined when it no longer exists. */
  async setRuntimeStatus(
    m: Manager,
    id: string,
    status: string,
    reason: string | null,
  ): Promise<ServerEntity | undefined> {
    const [rows] = (await m.query(
      `UPDATE servers SET status = $2, status_reason = $3, version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, status, reason],
    )) as [ServerEntity[], number];
    return rows[0];
  }

  /** Servers a gate held, for re-evaluation when governance, promotion or certification facts change. */
  async listPaused(m: Manager): Promise<ServerEntity[]> {
    return (await m.query(
      `SELECT ${COLUMNS} FROM servers WHERE status IN ('pending-evaluation', 'pending-governance') ORDER BY id`,
    )) as ServerEntity[];
  }

  async deleteIfVersion(m: Manager, id: string, version?: number): Promise<ServerEntity | undefined> {
    const [rows] = (await m.query(
      `DELETE FROM servers WHERE id = $1 ${version === undefined ? '' : 'AND version = $2'} RETURNING ${COLUMNS}`,
      version === undefined ? [id] : [id, version],
    )) as [ServerEntity[], number];
    return rows[0];
  }
}
