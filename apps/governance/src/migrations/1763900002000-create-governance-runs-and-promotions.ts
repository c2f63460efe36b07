// Workflow runs with their step rows and audit log; the ledger projection; promotion tracks, promotions, their
// approvals, audit log and the digest blocks (rejections and rollback holds).
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateGovernanceRunsAndPromotions1763900002000 implements MigrationInterface {
  name = 'CreateGovernanceRunsAndPromotions1763900002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE governance_runs (
        id uuid PRIMARY KEY,
        workflow_id uuid NOT NULL REFERENCES governance_workflows (id),
        tier text NOT NULL,
        artifact_run_id uuid,
        manifest_digest text,
        promotion_id uuid,
        policy_decision_id uuid,
        status text NOT NULL CHECK (status IN ('pending', 'in_progress', 'succeeded', 'failed', 'cancelled')),
        context jsonb NOT NULL DEFAULT '{}'::jsonb,
        started_by text,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      )`);
    await q.query('CREATE INDEX governance_runs_keyset_idx ON governance_runs (created_at, id)');
    await q.query(
      'CREATE INDEX governance_runs_workflow_idx ON governance_runs (workflow_id, created_at, id)',
    );
    await q.query('CREATE INDEX governance_runs_digest_idx ON governance_runs (manifest_digest)');
    await q.query('CREATE INDEX governance_runs_promotion_idx ON governance_runs (promotion_id)');
    await q.query(`
      CREATE TABLE governance_run_steps (
        run_id uuid NOT NULL REFERENCES governance_runs (id) ON DELETE CASCADE,
        position integer NOT NULL CHECK (position >= 0),
        name text NOT NULL,
        action text,
        status text NOT NULL CHECK (status IN ('pending', 'in_progress', 'succeeded', 'failed', 'skipped')),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, position)
      )`);
    await q.query(`
      CREATE TABLE governance_run_audit (
        id bigserial PRIMARY KEY,
        run_id uuid NOT NULL REFERENCES governance_runs (id) ON DELETE CASCADE,
        step_position integer,
        from_status text,
        to_status text NOT NULL,
        note text,
        actor text,
        version integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX governance_run_audit_run_idx ON governance_run_audit (run_id, id)');

    // The governance service's own view of the artifact ledger (artifact.recorded).
    await q.query(`
      CREATE TABLE ledger_artifacts (
        artifact_run_id uuid PRIMARY KEY,
        server_id uuid NOT NULL,
        manifest_digest text NOT NULL,
        status text NOT NULL,
        completed_at timestamptz NOT NULL
      )`);
    await q.query(
      'CREATE INDEX ledger_artifacts_digest_idx ON ledger_artifacts (manifest_digest, completed_at)',
    );

    await q.query(`
      CREATE TABLE promotion_tracks (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        stages jsonb NOT NULL,
        workflow_id uuid REFERENCES governance_workflows (id),
        stage_workflows jsonb NOT NULL DEFAULT '{}'::jsonb,
        stage_tiers jsonb NOT NULL DEFAULT '{}'::jsonb,
        stage_approvals jsonb NOT NULL DEFAULT '{}'::jsonb,
        description text,
        owner text,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE UNIQUE INDEX promotion_tracks_name_key ON promotion_tracks (lower(name))');
    await q.query('CREATE INDEX promotion_tracks_keyset_idx ON promotion_tracks (created_at, id)');
    await q.query('CREATE INDEX promotion_tracks_owner_idx ON promotion_tracks (owner, created_at, id)');

    await q.query(`
      CREATE TABLE artifact_promotions (
        id uuid PRIMARY KEY,
        track_id uuid NOT NULL REFERENCES promotion_tracks (id),
        manifest_digest text NOT NULL,
        stage text NOT NULL,
        stage_index integer NOT NULL,
        tier text NOT NULL,
        artifact_run_id uuid,
        status text NOT NULL CHECK (status IN
          ('scheduled', 'in_progress', 'approved', 'active', 'rolled_back', 'rejected', 'superseded')),
        governance_run_id uuid REFERENCES governance_runs (id),
        run_status text,
        approvals_required integer NOT NULL DEFAULT 0,
        approval_role text,
        approvals_with_role integer NOT NULL DEFAULT 0,
        note text,
        reason text,
        scheduled_by text,
        rollback boolean NOT NULL DEFAULT false,
        rollback_of uuid REFERENCES artifact_promotions (id),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        activated_at timestamptz
      )`);
    // At most one active promotion per track and stage, whatever races.
    await q.query(
      `CREATE UNIQUE INDEX artifact_promotions_one_active ON artifact_promotions (track_id, stage) WHERE status = 'active'`,
    );
    await q.query('CREATE INDEX artifact_promotions_keyset_idx ON artifact_promotions (created_at, id)');
    await q.query(
      'CREATE INDEX artifact_promotions_track_idx ON artifact_promotions (track_id, created_at, id)',
    );
    await q.query(
      'CREATE INDEX artifact_promotions_digest_idx ON artifact_promotions (manifest_digest, created_at, id)',
    );
    await q.query('CREATE INDEX artifact_promotions_run_idx ON artifact_promotions (governance_run_id)');

    await q.query(`
      CREATE TABLE promotion_approvals (
        promotion_id uuid NOT NULL REFERENCES artifact_promotions (id) ON DELETE CASCADE,
        approver text NOT NULL,
        role text,
        decision text NOT NULL CHECK (decision IN ('approved', 'rejected')),
        note text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (promotion_id, approver)
      )`);
    await q.query(`
      CREATE TABLE promotion_audit (
        id bigserial PRIMARY KEY,
        promotion_id uuid NOT NULL REFERENCES artifact_promotions (id) ON DELETE CASCADE,
        action text NOT NULL,
        from_status text,
        to_status text NOT NULL,
        actor text,
        note text,
        version integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX promotion_audit_promotion_idx ON promotion_audit (promotion_id, id)');
    await q.query(`
      CREATE TABLE promotion_blocks (
        id uuid PRIMARY KEY,
        track_id uuid NOT NULL REFERENCES promotion_tracks (id),
        manifest_digest text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('rejected', 'rollback_hold')),
        promotion_id uuid REFERENCES artifact_promotions (id),
        reason text,
        placed_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        lifted_by text,
        lifted_at timestamptz,
        lift_note text
      )`);
    await q.query(
      'CREATE INDEX promotion_blocks_active_idx ON promotion_blocks (track_id, manifest_digest) WHERE lifted_at IS NULL',
    );
    await q.query('CREATE INDEX promotion_blocks_keyset_idx ON promotion_blocks (created_at, id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE promotion_blocks');
    await q.query('DROP TABLE promotion_audit');
    await q.query('DROP TABLE promotion_approvals');
    await q.query('DROP TABLE artifact_promotions');
    await q.query('DROP TABLE promotion_tracks');
    await q.query('DROP TABLE ledger_artifacts');
    await q.query('DROP TABLE governance_run_audit');
    await q.query('DROP TABLE governance_run_steps');
    await q.query('DROP TABLE governance_runs');
  }
}
