// The server projection fed by server events, the tombstones that keep deleted servers deleted, and the trigram
// index that lets the catalog's `q` search find servers by name without a scan.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateServerProjection1763900000000 implements MigrationInterface {
  name = 'CreateServerProjection1763900000000';

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
        status text NOT NULL,
        version integer NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE server_tombstones (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        version integer NOT NULL,
        deleted_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX servers_name_trgm_idx ON servers USING gin (name public.gin_trgm_ops)');
    await q.query('CREATE INDEX servers_catalog_order_idx ON servers (name, id)');
    await q.query('CREATE INDEX servers_server_type_idx ON servers (server_type)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE server_tombstones');
    await q.query('DROP TABLE servers');
  }
}
