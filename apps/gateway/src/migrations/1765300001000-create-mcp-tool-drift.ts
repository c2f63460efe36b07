// The gateway's copy of each server's tool drift (projected from server.tools.drifted / drift_cleared): the tools
// the /mcp door refuses while the live manifest differs from the certified one.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateMcpToolDrift1765300001000 implements MigrationInterface {
  name = 'CreateMcpToolDrift1765300001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mcp_tool_drift (
        server_id uuid PRIMARY KEY,
        artifact_run_id uuid,
        blocked_tools text[] NOT NULL DEFAULT '{}',
        changed jsonb NOT NULL DEFAULT '[]',
        detected_at timestamptz,
        cleared_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE mcp_tool_drift');
  }
}
