// The gateway's copy of agent sessions (projected from agent.session.*), checked by the /mcp door on each request.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateMcpAgentSessions1765500000000 implements MigrationInterface {
  name = 'CreateMcpAgentSessions1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mcp_agent_sessions (
        id uuid PRIMARY KEY,
        agent_id text NOT NULL,
        subject text NOT NULL,
        server_id uuid,
        trust_level text NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked boolean NOT NULL,
        version integer NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE mcp_agent_sessions');
  }
}
