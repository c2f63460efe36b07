// Provider BYOK keys: posture records, their bindings, and the encrypted envelopes of their secret material.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateProviderKeys1765100000000 implements MigrationInterface {
  name = 'CreateProviderKeys1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE provider_key_secrets (
        id uuid PRIMARY KEY,
        backend text NOT NULL,
        envelope jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE provider_keys (
        id uuid PRIMARY KEY,
        provider_id text NOT NULL,
        alias text,
        state text NOT NULL,
        posture text NOT NULL,
        attestation_digest text NOT NULL,
        signature_verified boolean NOT NULL,
        rotation_due timestamptz,
        secret_ref uuid REFERENCES provider_key_secrets (id),
        pending_digest text,
        pending_requested_by text,
        pending_rotation_due timestamptz,
        pending_requested_at timestamptz,
        pending_secret_ref uuid REFERENCES provider_key_secrets (id),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX provider_keys_provider_keyset ON provider_keys (provider_id, created_at, id)',
    );
    await q.query(`
      CREATE TABLE provider_key_bindings (
        id uuid PRIMARY KEY,
        key_id uuid NOT NULL REFERENCES provider_keys (id) ON DELETE CASCADE,
        provider_id text NOT NULL,
        binding_type text NOT NULL,
        binding_target text NOT NULL,
        context jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX provider_key_bindings_keyset ON provider_key_bindings (key_id, created_at, id)',
    );
    await q.query(
      'CREATE INDEX provider_key_bindings_target ON provider_key_bindings (binding_type, binding_target)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE provider_key_bindings');
    await q.query('DROP TABLE provider_keys');
    await q.query('DROP TABLE provider_key_secrets');
  }
}
