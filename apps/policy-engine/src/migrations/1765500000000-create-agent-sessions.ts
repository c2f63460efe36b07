// Grants can be disabled (kept, not applied), and agent sessions: an agent acting for a principal, with a trust level,
// an expiry and a revoked flag.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAgentSessions1765500000000 implements MigrationInterface {
  name = 'CreateAgentSessions1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE grants ADD COLUMN enabled boolean NOT NULL DEFAULT true');
    await q.query(`
      CREATE TABLE agent_sessions (
        id uuid PRIMARY KEY,
        agent_id text NOT NULL,
        subject text NOT NULL,
        server_id uuid,
        trust_level text NOT NULL CHECK (trust_level IN ('low', 'medium', 'high')),
        expires_at timestamptz NOT NULL,
        revoked boolean NOT NULL DEFAULT false,
        revoked_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX agent_sessions_keyset_idx ON agent_sessions (created_at, id)');
    await q.query('CREATE INDEX agent_sessions_agent_idx ON agent_sessions (agent_id, created_at, id)');
    await q.query('CREATE INDEX agent_sessions_subject_idx ON agent_sessions (subject, created_at, id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE agent_sessions');
    await q.query('ALTER TABLE grants DROP COLUMN enabled');
  }
}
