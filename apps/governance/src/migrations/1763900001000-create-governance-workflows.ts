// Reusable governance workflow definitions per tier, with their ordered steps.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateGovernanceWorkflows1763900001000 implements MigrationInterface {
  name = 'CreateGovernanceWorkflows1763900001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE governance_workflows (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('promotion', 'rollback', 'credential_rotation')),
        tier text NOT NULL,
        description text,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE UNIQUE INDEX governance_workflows_name_key ON governance_workflows (lower(name))');
    await q.query('CREATE INDEX governance_workflows_keyset_idx ON governance_workflows (created_at, id)');
    await q.query(`
      CREATE TABLE governance_workflow_steps (
        workflow_id uuid NOT NULL REFERENCES governance_workflows (id) ON DELETE CASCADE,
        position integer NOT NULL CHECK (position >= 0),
        name text NOT NULL,
        action text,
        description text,
        PRIMARY KEY (workflow_id, position)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE governance_workflow_steps');
    await q.query('DROP TABLE governance_workflows');
  }
}
