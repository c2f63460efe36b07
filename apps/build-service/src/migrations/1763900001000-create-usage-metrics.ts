// Registry usage metrics per server; `details` is JSONB so new telemetry keys need no schema change.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsageMetrics1763900001000 implements MigrationInterface {
  name = 'CreateUsageMetrics1763900001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE usage_metrics (
        id uuid PRIMARY KEY,
        server_id uuid NOT NULL,
        build_id uuid,
        event text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX usage_metrics_server_keyset_idx ON usage_metrics (server_id, created_at, id)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE usage_metrics');
  }
}
