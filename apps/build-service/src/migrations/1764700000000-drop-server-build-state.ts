// The server's status has one writer, the policy engine: the build-service's projection drops the build state it
// used to write into it. A build's own state lives in build_runs.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DropServerBuildState1764700000000 implements MigrationInterface {
  name = 'DropServerBuildState1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE servers DROP COLUMN IF EXISTS last_build_id, DROP COLUMN IF EXISTS status_reason',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE servers ADD COLUMN last_build_id uuid, ADD COLUMN status_reason text');
  }
}
