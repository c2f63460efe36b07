// The policy engine's projections of other services' facts (artifacts, marketplace health, certifications, tier
// requirements, governance runs, promotions), the runtime_policy_decisions audit log, and each server's persisted
// backend assignment.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRuntimePolicy1764600000000 implements MigrationInterface {
  name = 'CreateRuntimePolicy1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE policy_artifacts (
        id uuid PRIMARY KEY,
        server_id uuid NOT NULL,
        registry_image text NOT NULL,
        manifest_digest text,
        status text NOT NULL,
        credential_health_status text NOT NULL,
        completed_at timestamptz NOT NULL
      )`);
    await q.query(
      'CREATE INDEX policy_artifacts_server_idx ON policy_artifacts (server_id, completed_at DESC)',
    );
    await q.query('CREATE INDEX policy_artifacts_digest_idx ON policy_artifacts (manifest_digest)');

    await q.query(`
      CREATE TABLE policy_marketplace_health (
        server_id uuid PRIMARY KEY,
        artifact_run_id uuid,
        health_tier text NOT NULL,
        issues text[] NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL
      )`);

    await q.query(`
      CREATE TABLE policy_certifications (
        id uuid PRIMARY KEY,
        artifact_run_id uuid NOT NULL,
        manifest_digest text NOT NULL,
        tier text NOT NULL,
        policy_requirement text NOT NULL,
        status text NOT NULL,
        valid_from timestamptz,
        valid_until timestamptz,
        expired boolean NOT NULL DEFAULT false,
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(
      'CREATE INDEX policy_certifications_lookup_idx ON policy_certifications (manifest_digest, tier, policy_requirement, updated_at DESC)',
    );

    await q.query(`
      CREATE TABLE policy_tier_requirements (
        tier text PRIMARY KEY,
        requirements text[] NOT NULL,
        version integer NOT NULL,
        updated_at timestamptz NOT NULL
      )`);

    await q.query(`
      CREATE TABLE policy_governance_runs (
        run_id uuid PRIMARY KEY,
        workflow_id uuid NOT NULL,
        tier text NOT NULL,
        artifact_run_id uuid,
        manifest_digest text,
        promotion_id uuid,
        policy_decision_id uuid,
        status text NOT NULL,
        version integer NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(
      'CREATE INDEX policy_governance_runs_lookup_idx ON policy_governance_runs (tier, manifest_digest, updated_at DESC)',
    );

    await q.query(`
      CREATE TABLE policy_promotions (
        promotion_id uuid PRIMARY KEY,
        track_id uuid NOT NULL,
        manifest_digest text NOT NULL,
        stage text NOT NULL,
        tier text NOT NULL,
        artifact_run_id uuid,
        status text NOT NULL,
        governance_run_id uuid,
        version integer NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(
      'CREATE INDEX policy_promotions_lookup_idx ON policy_promotions (tier, manifest_digest, updated_at DESC)',
    );
    await q.query(
      'CREATE INDEX policy_promotions_active_idx ON policy_promotions (tier, status, updated_at DESC)',
    );

    await q.query(`
      CREATE TABLE runtime_policy_decisions (
        id uuid PRIMARY KEY,
        server_id uuid NOT NULL,
        launch_id uuid NOT NULL,
        backend text NOT NULL,
        candidate_backend text NOT NULL,
        image text NOT NULL,
        requires_build boolean NOT NULL,
        capability_requirements text[] NOT NULL,
        capabilities_satisfied boolean NOT NULL,
        executor_name text,
        manifest_digest text,
        artifact_run_id uuid,
        tier text,
        policy_notes text[] NOT NULL,
        evaluation_required boolean NOT NULL,
        governance_required boolean NOT NULL,
        key_posture jsonb,
        governance_run_id uuid,
        requested_backend text,
        requested_tier text,
        requested_by text,
        decided_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(
      'CREATE INDEX runtime_policy_decisions_keyset_idx ON runtime_policy_decisions (decided_at, id)',
    );
    await q.query(
      'CREATE INDEX runtime_policy_decisions_server_idx ON runtime_policy_decisions (server_id, decided_at, id)',
    );

    await q.query(`
      CREATE TABLE runtime_assignments (
        server_id uuid PRIMARY KEY,
        decision_id uuid NOT NULL,
        launch_id uuid NOT NULL,
        backend text NOT NULL,
        executor_name text NOT NULL,
        image text NOT NULL,
        desired_state text NOT NULL,
        instance_ref text,
        endpoint text,
        restarts integer NOT NULL DEFAULT 0,
        last_error text,
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE runtime_assignments');
    await q.query('DROP TABLE runtime_policy_decisions');
    await q.query('DROP TABLE policy_promotions');
    await q.query('DROP TABLE policy_governance_runs');
    await q.query('DROP TABLE policy_tier_requirements');
    await q.query('DROP TABLE policy_certifications');
    await q.query('DROP TABLE policy_marketplace_health');
    await q.query('DROP TABLE policy_artifacts');
  }
}
