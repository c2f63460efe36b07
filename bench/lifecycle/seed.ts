// Seeds the lifecycle console's data for the lifecycle benchmark on the governance schema the service migrated:
// the tables a snapshot is computed from (servers, artifact ledger, promotion tracks and promotions, trust registry,
// marketplace projection, remediation runs and their retry ledger), each with INSERT ... SELECT generate_series, then
// one lifecycle_snapshots row per server, its body computed by the service's own computeSnapshot and its list row by
// listRow (the built code, from apps/governance/dist) over those rows. lifecycle_snapshots is the only table
// GET /api/lifecycle reads (its list_row column).
import { resolve } from 'node:path';
import type { Pool } from 'pg';

const DIST = resolve(__dirname, '..', '..', 'apps', 'governance', 'dist', 'lifecycle');

type Row = Record<string, unknown>;
/** A row of snapshotInputsQuery: one server's inputs, each part JSON built by Postgres. */
interface SnapshotInputsRowLike {
  server_id: string;
  server: Row | null;
  ledger: Row;
  promotions: Row[];
  trust: Row[];
  runs: Row[];
  open_runs: number;
  marketplace: Row | null;
}
interface SnapshotContentLike {
  lifecycle_state: string;
  owner_id: string | null;
  promotion_lane: string | null;
  promotion: { track: string } | null;
}

/* eslint-disable @typescript-eslint/no-require-imports */
const { computeSnapshot, contentHash, listRow } = require(`${DIST}/lifecycle-snapshot.js`) as {
  computeSnapshot(inputs: Record<string, unknown>): SnapshotContentLike;
  contentHash(content: SnapshotContentLike): string;
  listRow(body: SnapshotContentLike & { version: number; updated_at: string }): string;
};
const { snapshotInputsQuery } = require(`${DIST}/lifecycle.repository.js`) as {
  snapshotInputsQuery(serverIds: string[]): { sql: string; params: unknown[] };
};
/* eslint-enable @typescript-eslint/no-require-imports */

export const TRACKS = 20;
export const OWNERS = 50;
export const RUNS_PER_SERVER = 20;

export interface SeedResult {
  servers: number;
  runs: number;
  promotions: number;
  sourceSeconds: number;
  snapshotSeconds: number;
  states: Record<string, number>;
  avgBodyBytes: number;
  avgListRowBytes: number;
}

const serverId = (s: string) => `md5('bench-server-' || ${s})::uuid`;
const digest = (s: string, k: string) =>
  `'sha256:' || encode(sha256(convert_to('bench-artifact-' || ${s} || '-' || ${k}, 'UTF8')), 'hex')`;

/** The source tables, in one statement each. `$1` is the number of servers. */
const SOURCE_SQL: string[] = [
  `INSERT INTO servers (id, name, server_type, tier, owner, status, version, created_at, updated_at)
   SELECT ${serverId('s')}, 'bench-server-' || s, 'docker', 'gold', 'team-' || (s % ${OWNERS}), 'ready', 1,
          now() - interval '30 days' + s * interval '1 second', now()
   FROM generate_series(1, $1::int) AS s`,
  `INSERT INTO ledger_artifacts (artifact_run_id, server_id, manifest_digest, status, completed_at)
   SELECT md5('bench-artifact-' || s || '-' || k)::uuid, ${serverId('s')}, ${digest('s', 'k')},
          CASE WHEN k = 2 AND s % 7 = 0 THEN 'failed' ELSE 'succeeded' END,
          now() - (3 - k) * interval '1 day' - s * interval '1 millisecond'
   FROM generate_series(1, $1::int) AS s, generate_series(1, 2) AS k`,
  `INSERT INTO promotion_tracks (id, name, stages, owner, stage_approvals)
   SELECT md5('bench-track-' || t)::uuid, 'bench-track-' || t, '["dev","staging","prod"]'::jsonb,
          'team-' || (t % ${OWNERS}), '{"prod":1}'::jsonb
   FROM generate_series(0, ${TRACKS - 1}) AS t`,
  // Three promotions per server: the previous artifact to dev, the latest to staging (both superseded) and the
  // latest to prod in a state that varies by server (one active prod promotion per track at most).
  `INSERT INTO artifact_promotions (id, track_id, manifest_digest, stage, stage_index, tier, status, run_status,
          approvals_required, scheduled_by, rollback, created_at, updated_at, activated_at)
   SELECT md5('bench-promotion-' || s || '-' || k)::uuid, md5('bench-track-' || (s % ${TRACKS}))::uuid,
          ${digest('s', 'least(k, 2)')}, (ARRAY['dev', 'staging', 'prod'])[k], k - 1, 'gold',
          CASE WHEN k < 3 THEN 'superseded'
               WHEN s <= ${TRACKS} THEN 'active'
               ELSE (ARRAY['scheduled', 'in_progress', 'approved', 'rolled_back', 'rejected', 'superseded'])[1 + s % 6]
          END,
          CASE WHEN k < 3 THEN 'succeeded' ELSE (ARRAY['pending', 'in_progress', 'succeeded'])[1 + s % 3] END,
          CASE WHEN k = 3 THEN 1 ELSE 0 END, 'bench@example.com', k = 3 AND s % 6 = 3,
          now() - (4 - k) * interval '1 hour' - s * interval '1 millisecond',
          now() - (4 - k) * interval '1 hour' - s * interval '1 millisecond',
          CASE WHEN k = 3 AND s <= ${TRACKS} THEN now() END
   FROM generate_series(1, $1::int) AS s, generate_series(1, 3) AS k`,
  `INSERT INTO promotion_approvals (promotion_id, approver, role, decision)
   SELECT md5('bench-promotion-' || s || '-3')::uuid, 'approver-' || (s % 5), 'operator', 'approved'
   FROM generate_series(1, $1::int) AS s WHERE s % 6 IN (2, 3)`,
  `INSERT INTO trust_registry (vm_instance_id, server_id, status, lifecycle_state, remediation_state, provenance,
          last_evidence_at)
   SELECT md5('bench-vm-' || s)::uuid, ${serverId('s')},
          CASE WHEN s % 25 = 0 THEN 'untrusted' ELSE 'trusted' END,
          CASE WHEN s % 50 = 0 THEN 'quarantined' ELSE 'running' END, NULL,
          jsonb_build_object('image', ${digest('s', '2')}, 'attested_by', 'tpm', 'region', 'eu-west-' || (s % 3)),
          now()
   FROM generate_series(1, $1::int) AS s`,
  `INSERT INTO lifecycle_marketplace (server_id, server_name, tier, build_status, manifest_digest, issues, updated_at)
   SELECT ${serverId('s')}, 'bench-server-' || s, CASE WHEN s % 9 = 0 THEN 'watchlist:latency' ELSE 'gold' END,
          CASE WHEN s % 7 = 0 THEN 'failed' ELSE 'succeeded' END, ${digest('s', '2')},
          CASE WHEN s % 11 = 0 THEN '["p99 above tier budget"]'::jsonb ELSE '[]'::jsonb END, now()
   FROM generate_series(1, $1::int) AS s`,
  // Twenty remediation runs per server; the latest run of every tenth server is still running.
  `INSERT INTO remediation_runs (id, instance_id, playbook, executor_type, owner, status, approval_state, approver,
          payload, attempt, sla_due_at, failure_reason, created_at, updated_at, started_at, finished_at)
   SELECT md5('bench-run-' || s || '-' || k)::uuid, md5('bench-vm-' || s)::uuid,
          (ARRAY['restart-service', 'rotate-credentials', 'rebuild-image', 'scale-out'])[1 + (s + k) % 4], 'ansible',
          'team-' || (s % ${OWNERS}), st,
          CASE WHEN k % 3 = 0 THEN 'approved' ELSE 'not_required' END,
          CASE WHEN k % 3 = 0 THEN 'operator-' || (s % 7) END,
          jsonb_build_object('server_id', ${serverId('s')}, 'reason', 'health check failed'),
          1 + (s + k) % 3, now() + interval '30 days',
          CASE WHEN st = 'failed' THEN 'executor exited with 2' END,
          at, at, at + interval '1 second', CASE WHEN st <> 'running' THEN at + interval '31 seconds' END
   FROM generate_series(1, $1::int) AS s, generate_series(1, ${RUNS_PER_SERVER}) AS k,
        LATERAL (SELECT now() - (${RUNS_PER_SERVER + 1} - k) * interval '1 hour' - s * interval '1 millisecond' AS at,
                        CASE WHEN k = ${RUNS_PER_SERVER} AND s % 10 = 0 THEN 'running'
                             WHEN (s + k) % 5 = 0 THEN 'failed' ELSE 'succeeded' END AS st) AS x`,
  `INSERT INTO lifecycle_run_ledger (run_id, server_id, entries, created_at)
   SELECT r.id, (r.payload ->> 'server_id')::uuid,
          (SELECT jsonb_agg(jsonb_build_object(
                    'attempt', a, 'status', CASE WHEN a < r.attempt THEN 'failed' ELSE r.status END,
                    'reason', CASE WHEN a < r.attempt THEN 'timeout' END, 'duration_ms', 1000 * a,
                    'at', to_char((r.created_at + a * interval '10 seconds') AT TIME ZONE 'UTC',
                                  'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) ORDER BY a)
             FROM generate_series(1, r.attempt) AS a),
          r.created_at
   FROM remediation_runs r`,
];

/**
 * Per server, the inputs LifecycleService.refresh reads, for a batch of servers: the repository's own statement
 * (snapshotInputsQuery), so the seeded snapshots are computed from exactly what the service would read.
 */
async function readInputs(pool: Pool, ids: string[]): Promise<(id: string) => Record<string, unknown>> {
  const { sql, params } = snapshotInputsQuery(ids);
  const rows = new Map(
    (await pool.query<SnapshotInputsRowLike>(sql, params)).rows.map((r) => [r.server_id, r]),
  );
  return (id) => {
    const i = rows.get(id);
    if (!i) throw new Error(`no snapshot inputs for server ${id}`);
    return {
      server: i.server ?? undefined,
      ledger: i.ledger,
      promotions: i.promotions,
      trust: i.trust,
      runs: i.runs,
      openRuns: i.open_runs,
      marketplace: i.marketplace ?? undefined,
    };
  };
}

export async function seed(pool: Pool, servers: number): Promise<SeedResult> {
  const t0 = performance.now();
  for (const sql of SOURCE_SQL) await pool.query(sql, sql.includes('$1') ? [servers] : []);
  await pool.query('ANALYZE');
  const t1 = performance.now();

  // The snapshot rows, computed by the service's own pure function from the seeded rows, then stored in batches in
  // server order, so created_at (the keyset) follows the order servers were registered. The inputs are read per
  // batch with the repository's own statement.
  const ids = (
    await pool.query<{ id: string }>('SELECT id::text FROM servers ORDER BY created_at, id')
  ).rows.map((r) => r.id);
  const states: Record<string, number> = {};
  let bodyBytes = 0;
  let listRowBytes = 0;
  const BATCH = 1000;
  for (let at = 0; at < ids.length; at += BATCH) {
    const batch = ids.slice(at, at + BATCH);
    const inputs = await readInputs(pool, batch);
    const rows = new Map<string, { content: SnapshotContentLike; hash: string }>();
    for (const id of batch) {
      const content = computeSnapshot({ serverId: id, ...inputs(id) });
      rows.set(id, { content, hash: contentHash(content) });
    }
    const ordered = batch.map((id) => ({ id, ...rows.get(id)! }));
    const now = new Date().toISOString();
    const full = ordered.map((r) => ({ ...r.content, version: 1, updated_at: now }));
    const bodies = full.map((b) => JSON.stringify(b));
    const listRows = full.map((b) => listRow(b));
    for (const r of ordered) states[r.content.lifecycle_state] = (states[r.content.lifecycle_state] ?? 0) + 1;
    bodyBytes += bodies.reduce((n, b) => n + Buffer.byteLength(b), 0);
    listRowBytes += listRows.reduce((n, b) => n + Buffer.byteLength(b), 0);
    await pool.query(
      `INSERT INTO lifecycle_snapshots (server_id, lifecycle_state, owner_id, promotion_lane, promotion_track, body,
              list_row, content_hash, version)
       SELECT server_id, lifecycle_state, owner_id, promotion_lane, promotion_track, body, list_row, content_hash, 1
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[])
            WITH ORDINALITY AS u(server_id, lifecycle_state, owner_id, promotion_lane, promotion_track, body,
                                 list_row, content_hash, n)
       ORDER BY n`,
      [
        ordered.map((r) => r.id),
        ordered.map((r) => r.content.lifecycle_state),
        ordered.map((r) => r.content.owner_id),
        ordered.map((r) => r.content.promotion_lane),
        ordered.map((r) => r.content.promotion?.track ?? null),
        bodies,
        listRows,
        ordered.map((r) => r.hash),
      ],
    );
  }
  // Every seeded table vacuumed and the seed checkpointed now, so neither autovacuum (insert-triggered on the
  // bulk-loaded tables) nor a checkpoint's writes compete with the measured load for the machine's two cores.
  await pool.query('VACUUM ANALYZE');
  await pool.query('CHECKPOINT');
  const t2 = performance.now();
  return {
    servers,
    runs: servers * RUNS_PER_SERVER,
    promotions: servers * 3,
    sourceSeconds: (t1 - t0) / 1000,
    snapshotSeconds: (t2 - t1) / 1000,
    states,
    avgBodyBytes: bodyBytes / Math.max(1, ids.length),
    avgListRowBytes: listRowBytes / Math.max(1, ids.length),
  };
}
