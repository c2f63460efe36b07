// The lifecycle console: one snapshot row per server (the JSON the list returns, plus the columns it filters on),
// the retry ledger of each remediation run attributed to a server, and what governance needs of the marketplace
// catalog (tier and health per server).
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateLifecycleSnapshots1765400001000 implements MigrationInterface {
  name = 'CreateLifecycleSnapshots1765400001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE lifecycle_snapshots (
        server_id uuid PRIMARY KEY,
        lifecycle_state text NOT NULL,
        owner_id text,
        promotion_lane text,
        promotion_track text,
        body jsonb NOT NULL,
        content_hash text NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(
      `CREATE INDEX lifecycle_snapshots_keyset_idx ON lifecycle_snapshots (created_at, server_id)`,
    );
    await q.query(
      `CREATE INDEX lifecycle_snapshots_state_idx ON lifecycle_snapshots (lifecycle_state, created_at, server_id)`,
    );
    await q.query(
      `CREATE INDEX lifecycle_snapshots_owner_idx ON lifecycle_snapshots (owner_id, created_at, server_id)`,
    );
    await q.query(
      `CREATE INDEX lifecycle_snapshots_lane_idx ON lifecycle_snapshots (promotion_lane, created_at, server_id)`,
    );
    await q.query(
      `CREATE INDEX lifecycle_snapshots_track_idx ON lifecycle_snapshots (promotion_track, created_at, server_id)`,
    );
    await q.query(`
      CREATE TABLE lifecycle_run_ledger (
        run_id uuid PRIMARY KEY,
        server_id uuid NOT NULL,
        entries jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(
      `CREATE INDEX lifecycle_run_ledger_server_idx ON lifecycle_run_ledger (server_id, created_at DESC, run_id DESC)`,
    );
    await q.query(`
      CREATE TABLE lifecycle_marketplace (
        server_id uuid PRIMARY KEY,
        server_name text,
        tier text NOT NULL,
        build_status text,
        manifest_digest text,
        issues jsonb NOT NULL DEFAULT '[]'::jsonb,
        updated_at timestamptz NOT NULL
      )`);
    // The snapshot reads a server's ledger by server.
    await q.query(
      `CREATE INDEX IF NOT EXISTS ledger_artifacts_server_idx ON ledger_artifacts (server_id, completed_at DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ledger_artifacts_server_idx`);
    await q.query(`DROP TABLE lifecycle_marketplace`);
    await q.query(`DROP TABLE lifecycle_run_ledger`);
    await q.query(`DROP TABLE lifecycle_snapshots`);
  }
}
