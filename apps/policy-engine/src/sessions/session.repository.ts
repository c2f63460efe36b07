// Rows of `agent_sessions`; every method takes the caller's manager.
import { Injectable } from '@nestjs/common';
import type { TrustLevel } from '@mcp-host/contracts';
import type { Manager } from '@mcp-host/platform';

export interface SessionRow {
  id: string;
  agent_id: string;
  subject: string;
  server_id: string | null;
  trust_level: TrustLevel;
  expires_at: Date;
  revoked: boolean;
  revoked_at: Date | null;
  version: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  'id, agent_id, subject, server_id, trust_level, expires_at, revoked, revoked_at, version, created_by, created_at, updated_at';

export interface SessionFilter {
  limit: number;
  after?: { createdAt: string; id: string };
  agentId?: string;
  subject?: string;
  serverId?: string;
  state?: 'active' | 'revoked' | 'expired';
}

@Injectable()
export class SessionRepository {
  async insert(
    m: Manager,
    s: Pick<SessionRow, 'id' | 'agent_id' | 'subject' | 'server_id' | 'trust_level' | 'created_by'> & {
      ttlSeconds: number;
    },
  ): Promise<SessionRow> {
    const rows = (await m.query(
      `INSERT INTO agent_sessions (id, agent_id, subject, server_id, trust_level, expires_at, created_by)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6), $7) RETURNING ${COLUMNS}`,
      [s.id, s.agent_id, s.subject, s.server_id, s.trust_level, s.ttlSeconds, s.created_by],
    )) as SessionRow[];
    return rows[0];
  }

  async findById(m: Manager, id: string): Promise<SessionRow | undefined> {
    const rows = (await m.query(`SELECT ${COLUMNS} FROM agent_sessions WHERE id = $1`, [id])) as SessionRow[];
    return rows[0];
  }

  /** Rows in keyset order (created_at, id); `cursor_ts` keeps the microseconds a JavaScript Date would drop. */
  async list(m: Manager, f: SessionFilter): Promise<(SessionRow & { cursor_ts: string })[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const eq = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    eq('agent_id', f.agentId);
    eq('subject', f.subject);
    eq('server_id', f.serverId);
    if (f.state === 'active') where.push('NOT revoked AND expires_at > now()');
    if (f.state === 'revoked') where.push('revoked');
    if (f.state === 'expired') where.push('NOT revoked AND expires_at <= now()');
    if (f.after) {
      params.push(f.after.createdAt, f.after.id);
      where.push(`(created_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(f.limit);
    return (await m.query(
      `SELECT ${COLUMNS}, created_at::text AS cursor_ts FROM agent_sessions
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id LIMIT $${params.length}`,
      params,
    )) as (SessionRow & { cursor_ts: string })[];
  }

  /** Revokes or restores the session when it is at `version`, moving it to the next version; undefined otherwise. */
  async setRevokedIfVersion(
    m: Manager,
    id: string,
    version: number,
    revoked: boolean,
  ): Promise<SessionRow | undefined> {
    // TypeORM answers an UPDATE ... RETURNING on Postgres with [rows, affected].
    const [rows] = (await m.query(
      `UPDATE agent_sessions
         SET revoked = $3, revoked_at = CASE WHEN $3 THEN now() ELSE NULL END, version = version + 1,
             updated_at = now()
       WHERE id = $1 AND version = $2 RETURNING ${COLUMNS}`,
      [id, version, revoked],
    )) as [SessionRow[], number];
    return rows[0];
  }
}
