// Tool names each server is known to expose, from the gateway's audit of forwarded MCP tool calls.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateServerKnownTools1765100002000 implements MigrationInterface {
  name = 'CreateServerKnownTools1765100002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE server_known_tools (
        server_id uuid NOT NULL,
        tool text NOT NULL,
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        PRIMARY KEY (server_id, tool)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE server_known_tools');
  }
}
