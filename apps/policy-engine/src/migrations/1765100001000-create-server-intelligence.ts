// Capability intelligence: the signals projected per server (one row per event, so a redelivery adds nothing) and
// the anomaly notes detected from them.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateServerIntelligence1765100001000 implements MigrationInterface {
  name = 'CreateServerIntelligence1765100001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE server_intelligence_signals (
        event_id text PRIMARY KEY,
        server_id uuid NOT NULL,
        signal text NOT NULL,
        occurred_at timestamptz NOT NULL
      )`);
    await q.query(
      'CREATE INDEX server_intelligence_signals_window ON server_intelligence_signals (server_id, signal, occurred_at)',
    );
    await q.query(`
      CREATE TABLE server_intelligence_anomalies (
        server_id uuid NOT NULL,
        signal text NOT NULL,
        hour timestamptz NOT NULL,
        last_hour integer NOT NULL,
        baseline_per_hour double precision NOT NULL,
        note text NOT NULL,
        detected_at timestamptz NOT NULL,
        PRIMARY KEY (server_id, signal, hour)
      )`);
    await q.query(
      'CREATE INDEX server_intelligence_anomalies_recent ON server_intelligence_anomalies (server_id, detected_at)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE server_intelligence_anomalies');
    await q.query('DROP TABLE server_intelligence_signals');
  }
}
