// The trust registry: the latest snapshot per VM instance (projected from VM events, moved by operators) and its history.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateTrustRegistry1765200001000 implements MigrationInterface {
  name = 'CreateTrustRegistry1765200001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE trust_registry (
        vm_instance_id uuid PRIMARY KEY,
        server_id uuid NOT NULL,
        status text NOT NULL,
        lifecycle_state text NOT NULL,
        remediation_state text,
        provenance jsonb,
        source_version integer NOT NULL DEFAULT 0,
        version integer NOT NULL DEFAULT 1,
        last_evidence_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX trust_registry_keyset_idx ON trust_registry (created_at, vm_instance_id)`);
    await q.query(`CREATE INDEX trust_registry_server_idx ON trust_registry (server_id)`);
    await q.query(`
      CREATE TABLE trust_registry_history (
        vm_instance_id uuid NOT NULL REFERENCES trust_registry (vm_instance_id) ON DELETE CASCADE,
        version integer NOT NULL,
        status text NOT NULL,
        lifecycle_state text NOT NULL,
        previous_status text,
        previous_lifecycle_state text,
        actor text,
        reason text,
        transitioned_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (vm_instance_id, version)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE trust_registry_history`);
    await q.query(`DROP TABLE trust_registry`);
  }
}
