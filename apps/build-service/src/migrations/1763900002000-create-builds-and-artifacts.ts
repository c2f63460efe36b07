// Build runs, and the artifact ledger (build_artifact_runs + build_artifact_platforms) that other services rely on.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateBuildsAndArtifacts1763900002000 implements MigrationInterface {
  name = 'CreateBuildsAndArtifacts1763900002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE build_runs (
        id uuid PRIMARY KEY,
        server_id uuid NOT NULL,
        status text NOT NULL,
        platforms text[] NOT NULL,
        source_kind text NOT NULL,
        source_repository text,
        source_branch text,
        source_revision text,
        dockerfile_path text NOT NULL,
        registry_image text,
        manifest_digest text,
        artifact_run_id uuid,
        stage text,
        error_kind text,
        error text,
        requested_by text,
        log_sequence integer NOT NULL DEFAULT -1,
        started_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        heartbeat_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX build_runs_server_keyset_idx ON build_runs (server_id, started_at, id)');
    await q.query(
      `CREATE INDEX build_runs_active_idx ON build_runs (heartbeat_at) WHERE status IN ('queued', 'running')`,
    );
    await q.query('ALTER TABLE servers ADD COLUMN last_build_id uuid, ADD COLUMN status_reason text');

    await q.query(`
      CREATE TABLE build_artifact_runs (
        id uuid PRIMARY KEY,
        server_id uuid NOT NULL,
        build_id uuid UNIQUE,
        source_repo text NOT NULL,
        source_branch text NOT NULL,
        source_revision text,
        local_image text NOT NULL,
        registry_image text NOT NULL,
        manifest_tag text,
        manifest_digest text,
        started_at timestamptz NOT NULL,
        completed_at timestamptz NOT NULL,
        multi_arch boolean NOT NULL,
        auth_refresh_attempted boolean NOT NULL,
        auth_refresh_succeeded boolean NOT NULL,
        auth_rotation_attempted boolean NOT NULL,
        auth_rotation_succeeded boolean NOT NULL,
        credential_health_status text NOT NULL,
        status text NOT NULL DEFAULT 'succeeded'
      )`);
    await q.query(
      'CREATE INDEX build_artifact_runs_server_keyset_idx ON build_artifact_runs (server_id, completed_at, id)',
    );
    await q.query('CREATE INDEX build_artifact_runs_digest_idx ON build_artifact_runs (manifest_digest)');
    await q.query(`
      CREATE TABLE build_artifact_platforms (
        artifact_run_id uuid NOT NULL REFERENCES build_artifact_runs (id) ON DELETE CASCADE,
        platform text NOT NULL,
        remote_image text NOT NULL,
        digest text,
        auth_refresh_attempted boolean NOT NULL,
        auth_refresh_succeeded boolean NOT NULL,
        auth_rotation_attempted boolean NOT NULL,
        auth_rotation_succeeded boolean NOT NULL,
        credential_health_status text NOT NULL,
        PRIMARY KEY (artifact_run_id, platform)
      )`);
    await q.query('CREATE INDEX build_artifact_platforms_digest_idx ON build_artifact_platforms (digest)');
    // The machine-readable marker downstream tooling looks for to discover the ledger's contract.
    await q.query(
      `COMMENT ON TABLE build_artifact_runs IS 'mcp-host:schema-contract event=artifact.recorded topic=mcp-host.build.artifacts.v1'`,
    );
    await q.query(
      `COMMENT ON TABLE build_artifact_platforms IS 'mcp-host:schema-contract event=artifact.recorded field=platforms'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE build_artifact_platforms');
    await q.query('DROP TABLE build_artifact_runs');
    await q.query('ALTER TABLE servers DROP COLUMN last_build_id, DROP COLUMN status_reason');
    await q.query('DROP TABLE build_runs');
  }
}
