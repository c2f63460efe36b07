// The audit trail of MCP tool calls: one row per tools/call through /mcp/:server, written with its mcp.tool.called
// event. Arguments are kept only as a SHA-256.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateMcpToolCalls1765300000000 implements MigrationInterface {
  name = 'CreateMcpToolCalls1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mcp_tool_calls (
        id uuid PRIMARY KEY,
        server_id uuid NOT NULL,
        tool text NOT NULL,
        subject text NOT NULL,
        token_id text,
        agent_id text,
        session_id text,
        agent_session_id text,
        decision text NOT NULL,
        rule text NOT NULL,
        result_status text NOT NULL,
        upstream_status integer,
        latency_ms double precision NOT NULL,
        arguments_sha256 text NOT NULL,
        called_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX mcp_tool_calls_called_idx ON mcp_tool_calls (called_at DESC, id DESC)');
    await q.query(
      'CREATE INDEX mcp_tool_calls_server_idx ON mcp_tool_calls (server_id, called_at DESC, id DESC)',
    );
    await q.query(
      'CREATE INDEX mcp_tool_calls_subject_idx ON mcp_tool_calls (subject, called_at DESC, id DESC)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE mcp_tool_calls');
  }
}
