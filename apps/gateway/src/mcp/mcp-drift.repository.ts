// Rows of mcp_tool_drift; every method takes the caller's manager. A server's tools are blocked while its latest
// drift is newer than its latest clear; events arriving late or twice change nothing (timestamps decide).
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';

@Injectable()
export class McpDriftRepository {
  /** Records a drift unless a drift or a clear at least as recent is already recorded. */
  async drifted(
    m: Manager,
    d: {
      server_id: string;
      artifact_run_id: string;
      blocked_tools: readonly string[];
      changed: unknown;
      detected_at: string;
    },
  ): Promise<void> {
    await m.query(
      `INSERT INTO mcp_tool_drift (server_id, artifact_run_id, blocked_tools, changed, detected_at)
       VALUES ($1, $2, $3, $4::jsonb, $5)
       ON CONFLICT (server_id) DO UPDATE
         SET artifact_run_id = EXCLUDED.artifact_run_id, blocked_tools = EXCLUDED.blocked_tools,
             changed = EXCLUDED.changed, detected_at = EXCLUDED.detected_at
         WHERE (mcp_tool_drift.detected_at IS NULL OR mcp_tool_drift.detected_at < EXCLUDED.detected_at)
           AND (mcp_tool_drift.cleared_at IS NULL OR mcp_tool_drift.cleared_at < EXCLUDED.detected_at)`,
      [d.server_id, d.artifact_run_id, [...d.blocked_tools], JSON.stringify(d.changed), d.detected_at],
    );
  }

  /** Records a clear unless a more recent one is recorded; a drift detected after it stays in force. */
  async cleared(m: Manager, serverId: string, clearedAt: string): Promise<void> {
    await m.query(
      `INSERT INTO mcp_tool_drift (server_id, cleared_at) VALUES ($1, $2)
       ON CONFLICT (server_id) DO UPDATE SET cleared_at = EXCLUDED.cleared_at
         WHERE mcp_tool_drift.cleared_at IS NULL OR mcp_tool_drift.cleared_at < EXCLUDED.cleared_at`,
      [serverId, clearedAt],
    );
  }

  /** The tools a server's drift blocks now (none when it has no drift, or it was cleared after). */
  async blockedTools(m: Manager, serverId: string): Promise<string[]> {
    const rows = (await m.query(
      `SELECT blocked_tools FROM mcp_tool_drift
       WHERE server_id = $1 AND detected_at IS NOT NULL AND (cleared_at IS NULL OR cleared_at < detected_at)`,
      [serverId],
    )) as { blocked_tools: string[] }[];
    return rows[0]?.blocked_tools ?? [];
  }
}
