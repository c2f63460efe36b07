// Rows of mcp_tool_calls; every method takes the caller's manager.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import type { Manager } from '@mcp-host/platform';

export type ToolCallRecord = Required<EventPayload<'mcp.tool.called'>>;

export interface ToolCallRow {
  id: string;
  server_id: string;
  tool: string;
  subject: string;
  token_id: string | null;
  agent_id: string | null;
  session_id: string | null;
  agent_session_id: string | null;
  decision: 'allow' | 'deny';
  rule: string;
  result_status: 'ok' | 'error' | 'denied' | 'upstream_error';
  upstream_status: number | null;
  latency_ms: number;
  arguments_sha256: string;
  called_at: Date;
  /** called_at as Postgres renders it, so a cursor keeps the microseconds. */
  cursor_ts: string;
}

export interface ToolCallFilter {
  server_id?: string;
  subject?: string;
  tool?: string;
  decision?: string;
  result_status?: string;
}

const COLUMNS = 15;

@Injectable()
export class AuditRepository {
  /** Inserts a batch in one statement; a call already recorded (same id) is left as it is. */
  async insertMany(m: Manager, calls: readonly ToolCallRecord[]): Promise<void> {
    if (calls.length === 0) return;
    const values: string[] = [];
    const params: unknown[] = [];
    for (const c of calls) {
      const n = params.length;
      values.push(`(${Array.from({ length: COLUMNS }, (_, i) => `$${n + i + 1}`).join(', ')})`);
      params.push(
        c.call_id,
        c.server_id,
        c.tool,
        c.subject,
        c.token_id,
        c.agent_id,
        c.session_id,
        c.agent_session_id,
        c.decision,
        c.rule,
        c.result_status,
        c.upstream_status,
        c.latency_ms,
        c.arguments_sha256,
        c.called_at,
      );
    }
    await m.query(
      `INSERT INTO mcp_tool_calls (id, server_id, tool, subject, token_id, agent_id, session_id, agent_session_id,
         decision, rule, result_status, upstream_status, latency_ms, arguments_sha256, called_at)
       VALUES ${values.join(', ')} ON CONFLICT (id) DO NOTHING`,
      params,
    );
  }

  /** Newest first, `limit` rows after the keyset position `before` (exclusive). */
  async list(
    m: Manager,
    filter: ToolCallFilter,
    limit: number,
    before?: { calledAt: string; id: string },
  ): Promise<ToolCallRow[]> {
    return await m.query<ToolCallRow[]>(
      `SELECT id, server_id, tool, subject, token_id, agent_id, session_id, agent_session_id, decision, rule,
              result_status, upstream_status, latency_ms, arguments_sha256, called_at, called_at::text AS cursor_ts
       FROM mcp_tool_calls
       WHERE ($1::uuid IS NULL OR server_id = $1)
         AND ($2::text IS NULL OR subject = $2)
         AND ($3::text IS NULL OR tool = $3)
         AND ($4::text IS NULL OR decision = $4)
         AND ($5::text IS NULL OR result_status = $5)
         AND ($6::timestamptz IS NULL OR (called_at, id) < ($6::timestamptz, $7::uuid))
       ORDER BY called_at DESC, id DESC
       LIMIT $8`,
      [
        filter.server_id ?? null,
        filter.subject ?? null,
        filter.tool ?? null,
        filter.decision ?? null,
        filter.result_status ?? null,
        before?.calledAt ?? null,
        before?.id ?? null,
        limit,
      ],
    );
  }
}
