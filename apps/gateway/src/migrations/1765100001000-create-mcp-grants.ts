// The gateway's copy of MCP tool grants (projected from grant.created / grant.deleted), read by the /mcp door.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateMcpGrants1765100001000 implements MigrationInterface {
  name = 'CreateMcpGrants1765100001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mcp_grants (
        id uuid PRIMARY KEY,
        server_id uuid NOT NULL,
        subject text NOT NULL,
        allow_tools text[] NOT NULL,
        deny_tools text[] NOT NULL,
        version integer NOT NULL
      )`);
    await q.query('CREATE INDEX mcp_grants_server_idx ON mcp_grants (server_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE mcp_grants');
  }
}
