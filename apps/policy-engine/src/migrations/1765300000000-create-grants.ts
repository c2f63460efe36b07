// MCP tool grants: per server, a subject (token, subject or role) and the tools it is allowed or denied.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateGrants1765300000000 implements MigrationInterface {
  name = 'CreateGrants1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE grants (
        id uuid PRIMARY KEY,
        server_id uuid NOT NULL,
        subject text NOT NULL,
        allow_tools text[] NOT NULL,
        deny_tools text[] NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX grants_keyset_idx ON grants (created_at, id)');
    await q.query('CREATE INDEX grants_server_idx ON grants (server_id, created_at, id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE grants');
  }
}
