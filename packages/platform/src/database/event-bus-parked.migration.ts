// The relay's parking lot: outbox rows the broker refused for good, kept with the reason instead of retried forever.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PlatformOutboxParked1763800000100 implements MigrationInterface {
  name = 'PlatformOutboxParked1763800000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox_parked (
        id bigint PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        topic text NOT NULL,
        event_key text NOT NULL,
        event_type text NOT NULL,
        headers jsonb NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        reason text NOT NULL,
        parked_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The inbox is pruned by age (INBOX_RETENTION_HOURS).
    await q.query('CREATE INDEX inbox_processed_at_idx ON inbox (processed_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX inbox_processed_at_idx');
    await q.query('DROP TABLE outbox_parked');
  }
}
