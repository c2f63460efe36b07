// VM instances of the VM executor and every step of their lifecycle and attestation.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRuntimeVm1765200000000 implements MigrationInterface {
  name = 'CreateRuntimeVm1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE runtime_vm_instances (
        id uuid PRIMARY KEY,
        server_id uuid NOT NULL,
        decision_id text,
        launch_id text,
        executor_name text NOT NULL,
        isolation_tier text NOT NULL,
        lifecycle text NOT NULL,
        attestation_status text NOT NULL,
        measurement text,
        attestation_nonce text,
        nonce_issued_at timestamptz,
        attestation_details jsonb NOT NULL DEFAULT '{}'::jsonb,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX runtime_vm_instances_server_idx ON runtime_vm_instances (server_id, created_at DESC, id DESC)`,
    );
    await q.query(`
      CREATE TABLE runtime_vm_events (
        id uuid PRIMARY KEY,
        vm_instance_id uuid NOT NULL REFERENCES runtime_vm_instances (id) ON DELETE CASCADE,
        server_id uuid NOT NULL,
        event_type text NOT NULL,
        lifecycle text NOT NULL,
        attestation_status text NOT NULL,
        isolation_tier text,
        fallback_reason text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(
      `CREATE INDEX runtime_vm_events_instance_idx ON runtime_vm_events (vm_instance_id, occurred_at DESC, id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE runtime_vm_events`);
    await q.query(`DROP TABLE runtime_vm_instances`);
  }
}
