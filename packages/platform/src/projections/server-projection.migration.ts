// The server projection fed by server events, and the tombstones that keep deleted servers deleted.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateServerProjection1763900000000 implements MigrationInterface {
  name = 'CreateServerProjection1763900000000';

  async up(q: QueryRunner): Promise<void> {
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
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE server_tombstones');
    await q.query('DROP TABLE servers');
  }
}
