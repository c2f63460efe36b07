// Each catalog entry keeps its list answer pre-rendered: `list_row` is the entry's JSON exactly as
// GET /api/marketplace returns it (health, certifications, promotion lineage), written in the transaction that changed
// any of its signals, so a page is one ordered index range scan with no joins and no per-request JSON work.
// `list_row_fresh_until` is when the row stops being true on its own (the earliest future end of one of its
// certifications' windows): past it, or while the row is null (rows from before this migration), readers render the
// entry live and the expiry sweep re-renders it.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CatalogEntryListRows1767000000000 implements MigrationInterface {
  name = 'CatalogEntryListRows1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE catalog_entries ADD COLUMN list_row text, ADD COLUMN list_row_fresh_until timestamptz',
    );
    // Rows stay in the heap page (ones past about 2 KiB compressed there), never moved out to TOAST: a page read is
    // one heap access per entry.
    await q.query('ALTER TABLE catalog_entries ALTER COLUMN list_row SET STORAGE MAIN');
    // What the sweep re-renders: rows not rendered yet, and rows whose rendering has gone stale.
    await q.query(
      'CREATE INDEX catalog_entries_unrendered_idx ON catalog_entries (entry_id) WHERE list_row IS NULL',
    );
    await q.query(
      `CREATE INDEX catalog_entries_fresh_until_idx ON catalog_entries (list_row_fresh_until)
        WHERE list_row_fresh_until IS NOT NULL`,
    );
    // A promotion event names a digest: the entries to re-render are the runs of that digest.
    await q.query('CREATE INDEX catalog_artifacts_digest_idx ON catalog_artifacts (manifest_digest)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX catalog_artifacts_digest_idx');
    await q.query('DROP INDEX catalog_entries_fresh_until_idx');
    await q.query('DROP INDEX catalog_entries_unrendered_idx');
    await q.query('ALTER TABLE catalog_entries DROP COLUMN list_row_fresh_until, DROP COLUMN list_row');
  }
}
