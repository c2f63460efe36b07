// Evaluation certifications and tier requirements, the promotion lineage projection, and `catalog_entries`: one row
// per listed entry (an artifact run, or a server without builds) carrying every filter and sort column, so each list
// query is one ordered index range scan at any catalog size.
import type { MigrationInterface, QueryRunner } from 'typeorm';

const ENTRY_ORDER = 'server_name, server_id, sort_rank, entry_id';

export class CreateEvaluationsAndCatalogEntries1764800000000 implements MigrationInterface {
  name = 'CreateEvaluationsAndCatalogEntries1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE evaluation_certifications (
        id uuid PRIMARY KEY,
        artifact_run_id uuid NOT NULL,
        server_id uuid NOT NULL,
        manifest_digest text NOT NULL,
        tier text NOT NULL,
        policy_requirement text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'pass', 'fail')),
        evidence jsonb,
        valid_from timestamptz,
        valid_until timestamptz,
        -- Set when the expiry of the current window was announced; a new window clears it.
        expiry_announced_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The latest (and only) certification per requirement for an artifact and tier, and the upsert's conflict key.
    await q.query(`CREATE UNIQUE INDEX evaluation_certifications_requirement_key
                     ON evaluation_certifications (artifact_run_id, tier, policy_requirement)`);
    // Keyset order of GET /api/evaluations, and one index per filter in that order.
    await q.query(
      'CREATE INDEX evaluation_certifications_order_idx ON evaluation_certifications (created_at, id)',
    );
    for (const column of ['status', 'tier', 'policy_requirement', 'server_id', 'artifact_run_id']) {
      await q.query(
        `CREATE INDEX evaluation_certifications_${column}_idx ON evaluation_certifications (${column}, created_at, id)`,
      );
    }
    await q.query(`CREATE INDEX evaluation_certifications_valid_until_idx
                     ON evaluation_certifications (valid_until, created_at, id) WHERE valid_until IS NOT NULL`);
    // What the expiry sweep looks for: windows that ended and were not announced yet.
    await q.query(`CREATE INDEX evaluation_certifications_unannounced_idx ON evaluation_certifications (valid_until)
                     WHERE valid_until IS NOT NULL AND expiry_announced_at IS NULL`);

    await q.query(`
      CREATE TABLE evaluation_tier_requirements (
        tier text PRIMARY KEY,
        requirements jsonb NOT NULL DEFAULT '[]'::jsonb,
        version integer NOT NULL DEFAULT 1,
        updated_by text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE catalog_promotions (
        promotion_id uuid PRIMARY KEY,
        track_id uuid NOT NULL,
        manifest_digest text NOT NULL,
        artifact_run_id uuid,
        stage text NOT NULL,
        tier text NOT NULL,
        status text NOT NULL,
        governance_run_id uuid,
        approved_by text,
        scheduled_at timestamptz,
        version integer NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(
      'CREATE INDEX catalog_promotions_digest_idx ON catalog_promotions (manifest_digest, scheduled_at, promotion_id)',
    );

    await q.query(`
      CREATE TABLE catalog_entries (
        entry_id uuid PRIMARY KEY,
        artifact_run_id uuid,
        server_id uuid NOT NULL,
        server_name text NOT NULL,
        server_type text NOT NULL,
        -- The server's target tier and last change, copied so a page never joins the servers table.
        server_tier text,
        server_updated_at timestamptz NOT NULL,
        status text,
        tier_key text NOT NULL,
        -- Newest run first within a server: minus the completion time in microseconds (0 for a server without builds).
        sort_rank bigint NOT NULL,
        search_text text NOT NULL
      )`);
    await q.query(`CREATE INDEX catalog_entries_order_idx ON catalog_entries (${ENTRY_ORDER})`);
    await q.query(
      `CREATE INDEX catalog_entries_server_type_idx ON catalog_entries (server_type, ${ENTRY_ORDER})`,
    );
    await q.query(`CREATE INDEX catalog_entries_status_idx ON catalog_entries (status, ${ENTRY_ORDER})`);
    await q.query(`CREATE INDEX catalog_entries_tier_idx ON catalog_entries (tier_key, ${ENTRY_ORDER})`);
    await q.query('CREATE INDEX catalog_entries_server_idx ON catalog_entries (server_id)');
    await q.query(
      'CREATE INDEX catalog_entries_search_trgm_idx ON catalog_entries USING gin (search_text public.gin_trgm_ops)',
    );

    // Entries for what the catalog already holds: every run of a projected server, and every server without runs.
    await q.query(`
      INSERT INTO catalog_entries (entry_id, artifact_run_id, server_id, server_name, server_type, server_tier,
                                   server_updated_at, status, tier_key, sort_rank, search_text)
      SELECT a.id, a.id, s.id, s.name, s.server_type, s.tier, s.updated_at, a.status,
             lower(a.health_grade || ':' || s.server_type),
             -(extract(epoch FROM a.completed_at) * 1000000)::bigint, s.name || ' ' || a.search_text
        FROM catalog_artifacts a JOIN servers s ON s.id = a.server_id`);
    await q.query(`
      INSERT INTO catalog_entries (entry_id, artifact_run_id, server_id, server_name, server_type, server_tier,
                                   server_updated_at, status, tier_key, sort_rank, search_text)
      SELECT s.id, NULL, s.id, s.name, s.server_type, s.tier, s.updated_at, NULL, lower('watchlist:' || s.server_type),
             0, s.name
        FROM servers s WHERE NOT EXISTS (SELECT 1 FROM catalog_artifacts a WHERE a.server_id = s.id)`);
    // The entries table answers every status filter and search now.
    await q.query('DROP INDEX IF EXISTS catalog_artifacts_status_idx');
    await q.query('DROP INDEX IF EXISTS catalog_artifacts_search_trgm_idx');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'CREATE INDEX catalog_artifacts_search_trgm_idx ON catalog_artifacts USING gin (search_text public.gin_trgm_ops)',
    );
    await q.query('CREATE INDEX catalog_artifacts_status_idx ON catalog_artifacts (status)');
    await q.query('DROP TABLE catalog_entries');
    await q.query('DROP TABLE catalog_promotions');
    await q.query('DROP TABLE evaluation_tier_requirements');
    await q.query('DROP TABLE evaluation_certifications');
  }
}
