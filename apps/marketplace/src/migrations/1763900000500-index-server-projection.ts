// Indexes the catalog needs on the kit's server projection: trigram for `q` by name, and the list orders.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IndexServerProjection1763900000500 implements MigrationInterface {
  name = 'IndexServerProjection1763900000500';

  async up(q: QueryRunner): Promise<void> {
    // Services migrate concurrently in one database; the lock keeps CREATE EXTENSION from racing itself.
    await q.query(`SELECT pg_advisory_xact_lock(hashtext('mcp-host.extension.pg_trgm'))`);
    await q.query('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public');
    await q.query('CREATE INDEX servers_name_trgm_idx ON servers USING gin (name public.gin_trgm_ops)');
    await q.query('CREATE INDEX servers_catalog_order_idx ON servers (name, id)');
    await q.query('CREATE INDEX servers_server_type_idx ON servers (server_type)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX servers_server_type_idx');
    await q.query('DROP INDEX servers_catalog_order_idx');
    await q.query('DROP INDEX servers_name_trgm_idx');
  }
}
