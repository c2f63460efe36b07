// `q` finds a digest by its start, the way operators quote one (a short form of 12 or 16 hex characters, with or
// without `sha256:`), and names, tags and image references by substring. Random hex defeats a trigram index: each of
// a fragment's trigrams is in about 1.5% of a million digests, so one substring match merged tens of thousands of
// index entries per trigram (5 ms of Postgres per query at a million entries). A prefix is one btree range.
// The entry keeps its run's digest for that index, and its trigram text no longer holds the digest.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CatalogEntryDigestPrefix1767100000000 implements MigrationInterface {
  name = 'CatalogEntryDigestPrefix1767100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE catalog_entries ADD COLUMN manifest_digest text');
    await q.query(`
      UPDATE catalog_entries e
         SET manifest_digest = a.manifest_digest,
             search_text = concat_ws(' ', e.server_name, a.manifest_tag, a.registry_image, a.local_image)
        FROM catalog_artifacts a
       WHERE a.id = e.artifact_run_id`);
    // The hex part, compared byte-wise so that `LIKE 'ab12%'` is an index range whatever the database's collation.
    await q.query(
      `CREATE INDEX catalog_entries_digest_idx ON catalog_entries (split_part(manifest_digest, ':', 2) text_pattern_ops)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX catalog_entries_digest_idx');
    await q.query(`
      UPDATE catalog_entries e SET search_text = e.server_name || ' ' || a.search_text
        FROM catalog_artifacts a
       WHERE a.id = e.artifact_run_id`);
    await q.query('ALTER TABLE catalog_entries DROP COLUMN manifest_digest');
  }
}
