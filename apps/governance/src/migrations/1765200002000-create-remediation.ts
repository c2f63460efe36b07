// Remediation: playbooks (seeded from configuration), runs with their approval and SLA, and the artifacts they store.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRemediation1765200002000 implements MigrationInterface {
  name = 'CreateRemediation1765200002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE remediation_playbooks (
        name text PRIMARY KEY,
        executor_type text NOT NULL,
        requires_approval boolean NOT NULL,
        sla_seconds integer NOT NULL,
        parameters jsonb NOT NULL DEFAULT '{}'::jsonb,
        description text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE remediation_runs (
        id uuid PRIMARY KEY,
        instance_id uuid NOT NULL,
        playbook text NOT NULL,
        executor_type text NOT NULL,
        owner text,
        status text NOT NULL,
        approval_state text NOT NULL,
        approver text,
        notes text,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        payload jsonb NOT NULL DEFAULT '{}'::jsonb,
        attempt integer NOT NULL DEFAULT 1,
        version integer NOT NULL DEFAULT 1,
        sla_due_at timestamptz NOT NULL,
        sla_breached boolean NOT NULL DEFAULT false,
        failure_reason text,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX remediation_runs_keyset_idx ON remediation_runs (created_at, id)`);
    await q.query(
      `CREATE INDEX remediation_runs_instance_idx ON remediation_runs (instance_id, created_at, id)`,
    );
    await q.query(
      `CREATE INDEX remediation_runs_open_sla_idx ON remediation_runs (sla_due_at)
       WHERE NOT sla_breached AND status IN ('pending', 'awaiting_approval', 'running')`,
    );
    await q.query(`
      CREATE TABLE remediation_artifacts (
        id uuid PRIMARY KEY,
        run_id uuid NOT NULL REFERENCES remediation_runs (id) ON DELETE CASCADE,
        kind text NOT NULL,
        digest text NOT NULL,
        size_bytes integer NOT NULL,
        content bytea NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(
      `CREATE INDEX remediation_artifacts_run_idx ON remediation_artifacts (run_id, recorded_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE remediation_artifacts`);
    await q.query(`DROP TABLE remediation_runs`);
    await q.query(`DROP TABLE remediation_playbooks`);
  }
}
