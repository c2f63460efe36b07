// GET /api/audit: the recorded tool calls, newest first, in keyset pages.
import { Injectable } from '@nestjs/common';
import type { AuditEntry, AuditListQuery, AuditListResponse } from '@mcp-host/contracts';
import { Transactions, decodeKeysetCursor, encodeKeysetCursor } from '@mcp-host/platform';
import { AuditErrorCode, AuditException } from './audit.exception';
import { AuditRepository, type ToolCallRow } from './audit.repository';

function toEntry(row: ToolCallRow): AuditEntry {
  return {
    id: row.id,
    server_id: row.server_id,
    tool: row.tool,
    subject: row.subject,
    token_id: row.token_id,
    agent_id: row.agent_id,
    session_id: row.session_id,
    agent_session_id: row.agent_session_id,
    decision: row.decision,
    rule: row.rule,
    result_status: row.result_status,
    upstream_status: row.upstream_status,
    latency_ms: Number(row.latency_ms),
    arguments_sha256: row.arguments_sha256,
    called_at: row.called_at.toISOString(),
  };
}

@Injectable()
export class AuditService {
  constructor(
    private readonly tx: Transactions,
    private readonly repo: AuditRepository,
  ) {}

  async list(query: AuditListQuery): Promise<AuditListResponse> {
    let before: { calledAt: string; id: string } | undefined;
    if (query.cursor !== undefined) {
      const c = decodeKeysetCursor(query.cursor);
      if (!c)
        throw new AuditException(AuditErrorCode.INVALID_CURSOR, 'The cursor is not one this API returned.');
      before = { calledAt: c.key, id: c.id };
    }
    const rows = await this.tx.read((m) =>
      this.repo.list(
        m,
        {
          server_id: query.server_id,
          subject: query.subject,
          tool: query.tool,
          decision: query.decision,
          result_status: query.result_status,
        },
        query.limit + 1,
        before,
      ),
    );
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toEntry),
      next_cursor: rows.length > query.limit && last ? encodeKeysetCursor(last.cursor_ts, last.id) : null,
    };
  }
}
