// The server registry table, with a keyset index for listing and a trigram index for `q` search.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateServers1763900000000 implements MigrationInterface {
  name = 'CreateServers1763900000000';

  async up(q: QueryRunner): Promise<void> {
    // Services migrate concurrently in one database; the lock keeps CREATE EXTENSION from racing itself.
    await q.query(`SELECT pg_advisory_xact_lock(hashtext('mcp-host.extension.pg_trgm'))`);
    await q.query('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public');
    await q.query(`
      CREATE TABLE servers (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        server_type text NOT NULL,
        source_repository text,
        source_branch text,
        dockerfile_path text,
        tier text,
        owner text,
        status text NOT NULL DEFAULT 'registered',
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE UNIQUE INDEX servers_name_key ON servers (lower(name))');
    await q.query('CREATE INDEX servers_keyset_idx ON servers (created_at, id)');
    await q.query('CREATE INDEX servers_name_trgm_idx ON servers USING gin (name public.gin_trgm_ops)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE servers');
  }
}
