// The catalog's copy of the artifact ledger (build_artifact_runs with their platforms), filled from artifact events.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCatalogArtifacts1763900001000 implements MigrationInterface {
  name = 'CreateCatalogArtifacts1763900001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`SELECT pg_advisory_xact_lock(hashtext('mcp-host.extension.pg_trgm'))`);
    await q.query('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public');
    await q.query(`
      CREATE TABLE catalog_artifacts (
        id uuid PRIMARY KEY,
        server_id uuid NOT NULL,
        build_id uuid,
        source_repo text NOT NULL,
        source_branch text NOT NULL,
        source_revision text,
        local_image text NOT NULL,
        registry_image text NOT NULL,
        manifest_tag text,
        manifest_digest text,
        started_at timestamptz NOT NULL,
        completed_at timestamptz NOT NULL,
        multi_arch boolean NOT NULL DEFAULT false,
        auth_refresh_attempted boolean NOT NULL DEFAULT false,
        auth_refresh_succeeded boolean NOT NULL DEFAULT false,
        auth_rotation_attempted boolean NOT NULL DEFAULT false,
        auth_rotation_succeeded boolean NOT NULL DEFAULT false,
        credential_health_status text NOT NULL,
        status text NOT NULL,
        platforms jsonb NOT NULL DEFAULT '[]'::jsonb,
        health_grade text NOT NULL,
        health_issues jsonb NOT NULL DEFAULT '[]'::jsonb,
        search_text text GENERATED ALWAYS AS (
          coalesce(manifest_tag, '') || ' ' || coalesce(manifest_digest, '') || ' ' || registry_image || ' ' || local_image
        ) STORED,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX catalog_artifacts_server_idx ON catalog_artifacts (server_id, completed_at DESC, id DESC)',
    );
    await q.query('CREATE INDEX catalog_artifacts_status_idx ON catalog_artifacts (status)');
    await q.query(
      'CREATE INDEX catalog_artifacts_search_trgm_idx ON catalog_artifacts USING gin (search_text public.gin_trgm_ops)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE catalog_artifacts');
  }
}
