// A build request's Idempotency-Key, unique per server, so a retried POST finds the run the first one started.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class BuildRunsIdempotencyKey1764900000000 implements MigrationInterface {
  name = 'BuildRunsIdempotencyKey1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE build_runs ADD COLUMN idempotency_key text');
    await q.query(
      `CREATE UNIQUE INDEX build_runs_idempotency_key_idx ON build_runs (server_id, idempotency_key)
       WHERE idempotency_key IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS build_runs_idempotency_key_idx');
    await q.query('ALTER TABLE build_runs DROP COLUMN IF EXISTS idempotency_key');
  }
}
