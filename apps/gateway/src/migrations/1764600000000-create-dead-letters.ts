// Dead letters collected from every topic's `.dlq` twin: one row per original topic and event id, counting how often
// the event was dead-lettered and redriven; the original bytes are kept so a redrive sends them unchanged.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateDeadLetters1764600000000 implements MigrationInterface {
  name = 'CreateDeadLetters1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dead_letters (
        id uuid NOT NULL UNIQUE,
        topic text NOT NULL,
        event_id text NOT NULL,
        event_type text,
        reason text NOT NULL,
        error text NOT NULL,
        consumer_group text,
        original_partition integer,
        original_offset bigint,
        message_key text,
        payload bytea,
        headers jsonb NOT NULL,
        dlq_partition integer NOT NULL,
        dlq_offset bigint NOT NULL,
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        count integer NOT NULL DEFAULT 1,
        redrive_count integer NOT NULL DEFAULT 0,
        last_redriven_at timestamptz,
        PRIMARY KEY (topic, event_id)
      )`);
    await q.query('CREATE INDEX dead_letters_keyset_idx ON dead_letters (first_seen_at, id)');
    await q.query('CREATE INDEX dead_letters_topic_seen_idx ON dead_letters (topic, last_seen_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE dead_letters');
  }
}
