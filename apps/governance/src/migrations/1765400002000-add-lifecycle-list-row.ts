// The lifecycle list row: the JSON text GET /api/lifecycle returns per server, written with the snapshot (see
// listRow in lifecycle/lifecycle-snapshot.ts), so a page is the stored strings joined, not jsonb read back and
// re-serialized. Rows stored before this migration get theirs from their body: the same fields, the newest three
// runs (LIST_RUNS), no promotion_history. Their key order is jsonb's rather than the service's until the snapshot is
// next recomputed, which JSON readers do not see.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddLifecycleListRow1765400002000 implements MigrationInterface {
  name = 'AddLifecycleListRow1765400002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE lifecycle_snapshots ADD COLUMN list_row text`);
    await q.query(`
      UPDATE lifecycle_snapshots SET list_row = (
        (body - 'promotion_history') || jsonb_build_object('recent_remediation_runs', COALESCE(
          (SELECT jsonb_agg(r.run ORDER BY r.n)
           FROM jsonb_array_elements(body -> 'recent_remediation_runs') WITH ORDINALITY AS r(run, n)
           WHERE r.n <= 3),
          '[]'::jsonb))
      )::text`);
    await q.query(`ALTER TABLE lifecycle_snapshots ALTER COLUMN list_row SET NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE lifecycle_snapshots DROP COLUMN list_row`);
  }
}
