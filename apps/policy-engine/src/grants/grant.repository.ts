// Rows of `grants`; every method takes the caller's manager.
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';

export interface GrantRow {
  id: string;
  server_id: string;
  subject: string;
  allow_tools: string[];
  deny_tools: string[];
  enabled: boolean;
  version: number;
  created_by: string;
  created_at: Date;
}

const COLUMNS = 'id, server_id, subject, allow_tools, deny_tools, enabled, version, created_by, created_at';

@Injectable()
export class GrantRepository {
  async insert(m: Manager, g: Omit<GrantRow, 'version' | 'created_at' | 'enabled'>): Promise<GrantRow> {
    const rows = (await m.query(
      `INSERT INTO grants (id, server_id, subject, allow_tools, deny_tools, created_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [g.id, g.server_id, g.subject, g.allow_tools, g.deny_tools, g.created_by],
    )) as GrantRow[];
    return rows[0];
  }

  async findById(m: Manager, id: string): Promise<GrantRow | undefined> {
    const rows = (await m.query(`SELECT ${COLUMNS} FROM grants WHERE id = $1`, [id])) as GrantRow[];
    return rows[0];
  }

  /** Rows in keyset order (created_at, id); `cursor_ts` keeps the microseconds a JavaScript Date would drop. */
  async list(
    m: Manager,
    f: { limit: number; after?: { createdAt: string; id: string }; serverId?: string; subject?: string },
  ): Promise<(GrantRow & { cursor_ts: string })[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.serverId) {
      params.push(f.serverId);
      where.push(`server_id = $${params.length}`);
    }
    if (f.subject) {
      params.push(f.subject);
      where.push(`subject = $${params.length}`);
    }
    if (f.after) {
      params.push(f.after.createdAt, f.after.id);
      where.push(`(created_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(f.limit);
    return (await m.query(
      `SELECT ${COLUMNS}, created_at::text AS cursor_ts FROM grants
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id LIMIT $${params.length}`,
      params,
    )) as (GrantRow & { cursor_ts: string })[];
  }

  /** Enables or disables the grant when it is at `version`, moving it to the next version; undefined otherwise. */
  async setEnabledIfVersion(
    m: Manager,
    id: string,
    version: number,
    enabled: boolean,
  ): Promise<GrantRow | undefined> {
    // TypeORM answers an UPDATE ... RETURNING on Postgres with [rows, affected].
    const [rows] = (await m.query(
      `UPDATE grants SET enabled = $3, version = version + 1 WHERE id = $1 AND version = $2 RETURNING ${COLUMNS}`,
      [id, version, enabled],
    )) as [GrantRow[], number];
    return rows[0];
  }

  /** Deletes the grant when it is at `version`; undefined when it is missing or at another version. */
  async deleteIfVersion(m: Manager, id: string, version: number): Promise<GrantRow | undefined> {
    // TypeORM answers a DELETE ... RETURNING on Postgres with [rows, affected].
    const [rows] = (await m.query(`DELETE FROM grants WHERE id = $1 AND version = $2 RETURNING ${COLUMNS}`, [
      id,
      version,
    ])) as [GrantRow[], number];
    return rows[0];
  }
}
