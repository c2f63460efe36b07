// Rows of mcp_endpoints and mcp_sessions; every method takes the caller's manager.
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';

export interface McpEndpointRow {
  server_id: string;
  status: string;
  endpoint: string | null;
  version: number;
}

export interface McpSessionRow {
  session_id: string;
  server_id: string;
  principal: string;
  subject: string;
  ended_at: Date | null;
}

@Injectable()
export class McpEndpointRepository {
  /** Applies a status change unless a newer one (by server row version) is already recorded. */
  async upsertIfNewer(m: Manager, row: McpEndpointRow & { changed_at: string }): Promise<void> {
    await m.query(
      `INSERT INTO mcp_endpoints (server_id, status, endpoint, version, changed_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (server_id) DO UPDATE
         SET status = EXCLUDED.status, endpoint = EXCLUDED.endpoint, version = EXCLUDED.version,
             changed_at = EXCLUDED.changed_at
         WHERE mcp_endpoints.version < EXCLUDED.version`,
      [row.server_id, row.status, row.endpoint, row.version, row.changed_at],
    );
  }

  async markStopped(m: Manager, serverId: string): Promise<void> {
    await m.query(`UPDATE mcp_endpoints SET status = 'stopped', endpoint = NULL WHERE server_id = $1`, [
      serverId,
    ]);
  }

  async find(m: Manager, serverId: string): Promise<McpEndpointRow | undefined> {
    const rows = (await m.query(
      `SELECT server_id, status, endpoint, version FROM mcp_endpoints WHERE server_id = $1`,
      [serverId],
    )) as McpEndpointRow[];
    return rows[0];
  }

  async insertSession(
    m: Manager,
    s: { sessionId: string; serverId: string; principal: string; subject: string },
  ): Promise<void> {
    await m.query(
      `INSERT INTO mcp_sessions (session_id, server_id, principal, subject) VALUES ($1, $2, $3, $4)
       ON CONFLICT (server_id, session_id) DO NOTHING`,
      [s.sessionId, s.serverId, s.principal, s.subject],
    );
  }

  async findSession(m: Manager, serverId: string, sessionId: string): Promise<McpSessionRow | undefined> {
    const rows = (await m.query(
      `SELECT session_id, server_id, principal, subject, ended_at FROM mcp_sessions
       WHERE server_id = $1 AND session_id = $2`,
      [serverId, sessionId],
    )) as McpSessionRow[];
    return rows[0];
  }

  async endSession(m: Manager, serverId: string, sessionId: string): Promise<void> {
    await m.query(
      `UPDATE mcp_sessions SET ended_at = now() WHERE server_id = $1 AND session_id = $2 AND ended_at IS NULL`,
      [serverId, sessionId],
    );
  }
}

export interface McpGrantRow {
  id: string;
  server_id: string;
  subject: string;
  allow_tools: string[];
  deny_tools: string[];
  version: number;
}

@Injectable()
export class McpGrantRepository {
  async insert(m: Manager, g: McpGrantRow): Promise<void> {
    await m.query(
      `INSERT INTO mcp_grants (id, server_id, subject, allow_tools, deny_tools, version)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
      [g.id, g.server_id, g.subject, g.allow_tools, g.deny_tools, g.version],
    );
  }

  async delete(m: Manager, id: string): Promise<void> {
    await m.query(`DELETE FROM mcp_grants WHERE id = $1`, [id]);
  }

  async forServer(m: Manager, serverId: string): Promise<McpGrantRow[]> {
    return (await m.query(
      `SELECT id, server_id, subject, allow_tools, deny_tools, version FROM mcp_grants WHERE server_id = $1`,
      [serverId],
    )) as McpGrantRow[];
  }
}
