// MCP tool manifests: the one discovered on each running server (with its drift against the certified one), the
// manifests the conformance evaluator certified per artifact run, and the evaluator's queue of requested runs.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateToolManifests1765400100000 implements MigrationInterface {
  name = 'CreateToolManifests1765400100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE server_tool_manifests (
        server_id uuid PRIMARY KEY,
        artifact_run_id uuid,
        endpoint text NOT NULL,
        digest text NOT NULL,
        tools jsonb NOT NULL,
        certified_digest text,
        drifted boolean NOT NULL DEFAULT false,
        changed jsonb NOT NULL DEFAULT '[]',
        blocked_tools text[] NOT NULL DEFAULT '{}',
        discovered_at timestamptz NOT NULL,
        refreshed_at timestamptz NOT NULL,
        version integer NOT NULL DEFAULT 1
      )`);
    await q.query(
      'CREATE INDEX server_tool_manifests_artifact_idx ON server_tool_manifests (artifact_run_id)',
    );
    await q.query(`
      CREATE TABLE certified_tool_manifests (
        artifact_run_id uuid PRIMARY KEY,
        certification_id uuid NOT NULL,
        status text NOT NULL CHECK (status IN ('pass', 'fail')),
        digest text,
        tools jsonb,
        valid_until timestamptz NOT NULL,
        evaluated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE conformance_runs (
        id uuid PRIMARY KEY,
        certification_id uuid NOT NULL,
        certification_version integer NOT NULL,
        artifact_run_id uuid NOT NULL,
        request jsonb NOT NULL,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done')),
        attempts integer NOT NULL DEFAULT 0,
        claimed_at timestamptz,
        not_before timestamptz NOT NULL DEFAULT now(),
        result_status text CHECK (result_status IN ('pass', 'fail')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (certification_id, certification_version)
      )`);
    await q.query(
      'CREATE INDEX conformance_runs_queue_idx ON conformance_runs (status, not_before, created_at)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE conformance_runs');
    await q.query('DROP TABLE certified_tool_manifests');
    await q.query('DROP TABLE server_tool_manifests');
  }
}
