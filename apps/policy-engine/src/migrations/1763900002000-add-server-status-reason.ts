// Why a server is in its status (the failing build's reason for `error`), and which build last moved it.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddServerStatusReason1763900002000 implements MigrationInterface {
  name = 'AddServerStatusReason1763900002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE servers ADD COLUMN status_reason text, ADD COLUMN last_build_id uuid');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE servers DROP COLUMN status_reason, DROP COLUMN last_build_id');
  }
}
