// The gateway's MCP tables: where each running server answers (projected from runtime.server.status_changed), and
// which principal opened each MCP session (a session id is usable only by the principal that opened it).
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateMcpTables1765100000000 implements MigrationInterface {
  name = 'CreateMcpTables1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mcp_endpoints (
        server_id uuid PRIMARY KEY,
        status text NOT NULL,
        endpoint text,
        version integer NOT NULL,
        changed_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE mcp_sessions (
        session_id text NOT NULL,
        server_id uuid NOT NULL,
        principal text NOT NULL,
        subject text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        ended_at timestamptz,
        PRIMARY KEY (server_id, session_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE mcp_sessions');
    await q.query('DROP TABLE mcp_endpoints');
  }
}
