// Every query of the lifecycle console: the snapshot rows and the reads a snapshot is computed from (the server
// projection, the artifact ledger, promotions and their tracks, the trust registry, remediation runs and their retry
// ledger, the marketplace catalog projection). Each method runs on the manager it is given.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import type { Manager } from '@mcp-host/platform';
import { RECENT_PROMOTIONS, RECENT_RUNS } from './lifecycle-snapshot';
import { preparedQuery } from '../prepared-statements';

export interface ServerRow {
  id: string;
  name: string;
  owner: string | null;
  status: string;
  deleted: boolean;
}

export interface LedgerSummaryRow {
  artifacts: number;
  succeeded: number;
  latest_digest: string | null;
  latest_status: string | null;
  latest_run_id: string | null;
  latest_completed_at: Date | string | null;
}

export interface PromotionRow {
  id: string;
  track_id: string;
  track: string;
  track_owner: string | null;
  stage: string;
  tier: string;
  status: string;
  manifest_digest: string;
  artifact_run_id: string | null;
  governance_run_id: string | null;
  run_status: string | null;
  approvals_required: number;
  approvers: string[];
  rollback: boolean;
  blocked: boolean;
  updated_at: Date | string;
}

export interface TrustPostureRow {
  vm_instance_id: string;
  status: string;
  lifecycle_state: string;
  remediation_state: string | null;
  provenance: Record<string, unknown> | null;
}

export interface LedgerEntry {
  attempt: number;
  status: string;
  reason: string | null;
  duration_ms: number | null;
  at: string;
}

export interface RunRow {
  id: string;
  instance_id: string;
  playbook: string;
  executor_type: string;
  owner: string | null;
  status: string;
  approval_state: string;
  approver: string | null;
  attempt: number;
  payload: Record<string, unknown>;
  failure_reason: string | null;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
  entries: LedgerEntry[];
  digests: string[];
}

export interface MarketplaceRow {
  server_name: string | null;
  tier: string;
  build_status: string | null;
  manifest_digest: string | null;
  issues: string[];
}

export interface SnapshotRow {
  server_id: string;
  body: Record<string, unknown>;
  content_hash: string;
  version: number;
}

/**
 * One server's inputs as snapshotInputsQuery returns them: each part is JSON built by Postgres, so its times are ISO
 * texts rather than Dates (computeSnapshot reads every time through `iso`).
 */
export interface SnapshotInputsRow {
  server_id: string;
  server: ServerRow | null;
  ledger: LedgerSummaryRow;
  promotions: PromotionRow[];
  trust: TrustPostureRow[];
  runs: RunRow[];
  open_runs: number;
  marketplace: MarketplaceRow | null;
}

/** A snapshot row to write: the filter columns, the body, its list row and hash. */
export interface SnapshotWrite {
  serverId: string;
  state: string;
  owner: string | null;
  lane: string | null;
  track: string | null;
  body: Record<string, unknown>;
  listRow: string;
  hash: string;
  version: number;
  updatedAt: string;
}

function columnsOfWrites(rows: SnapshotWrite[]): unknown[] {
  return [
    rows.map((r) => r.serverId),
    rows.map((r) => r.state),
    rows.map((r) => r.owner),
    rows.map((r) => r.lane),
    rows.map((r) => r.track),
    rows.map((r) => JSON.stringify(r.body)),
    rows.map((r) => r.listRow),
    rows.map((r) => r.hash),
  ];
}

/**
 * The reads a snapshot is computed from (the server or its tombstone, the ledger summary, the newest promotions of
 * the digests its ledger holds with their approvers and block, its trust registry instances, the newest remediation
 * runs attributed to it with their retry ledger and artifact digests, how many of its runs are open, and its catalog
 * entry), for every server in `serverIds`, as one statement with a row per server. Each part uses the index on its
 * server or digest, so its cost follows that server's rows, not the tables' size.
 */
export function snapshotInputsQuery(serverIds: string[]): { sql: string; params: unknown[] } {
  return {
    sql: `SELECT x.server_id::text AS server_id,
       (SELECT row_to_json(s) FROM (
          SELECT s.id, s.name, s.owner, s.status, false AS deleted FROM servers s WHERE s.id = x.server_id
          UNION ALL
          SELECT t.id, t.name, NULL, 'deleted', true FROM server_tombstones t WHERE t.id = x.server_id
          LIMIT 1) s) AS server,
       (SELECT row_to_json(l) FROM (
          SELECT count(*)::int AS artifacts,
                 (count(*) FILTER (WHERE status = 'succeeded'))::int AS succeeded,
                 (array_agg(manifest_digest ORDER BY completed_at DESC, artifact_run_id DESC))[1] AS latest_digest,
                 (array_agg(status ORDER BY completed_at DESC, artifact_run_id DESC))[1] AS latest_status,
                 (array_agg(artifact_run_id ORDER BY completed_at DESC, artifact_run_id DESC))[1] AS latest_run_id,
                 max(completed_at) AS latest_completed_at
          FROM ledger_artifacts WHERE server_id = x.server_id) l) AS ledger,
       (SELECT COALESCE(json_agg(p ORDER BY p.n), '[]') FROM (
          SELECT row_number() OVER (ORDER BY p.updated_at DESC, p.created_at DESC, p.id DESC) AS n,
                 p.id, p.track_id, t.name AS track, t.owner AS track_owner, p.stage, p.tier, p.status,
                 p.manifest_digest, p.artifact_run_id, p.governance_run_id, p.run_status, p.approvals_required,
                 p.rollback, p.updated_at,
                 COALESCE((SELECT array_agg(a.approver ORDER BY a.created_at, a.approver) FROM promotion_approvals a
                           WHERE a.promotion_id = p.id), '{}') AS approvers,
                 EXISTS (SELECT 1 FROM promotion_blocks b WHERE b.track_id = p.track_id
                           AND b.manifest_digest = p.manifest_digest AND b.lifted_at IS NULL) AS blocked
          FROM artifact_promotions p JOIN promotion_tracks t ON t.id = p.track_id
          WHERE p.manifest_digest IN (SELECT manifest_digest FROM ledger_artifacts WHERE server_id = x.server_id)
          ORDER BY p.updated_at DESC, p.created_at DESC, p.id DESC
          LIMIT $2) p) AS promotions,
       (SELECT COALESCE(json_agg(t ORDER BY t.updated_at DESC, t.vm_instance_id), '[]') FROM (
          SELECT vm_instance_id, status, lifecycle_state, remediation_state, provenance, updated_at FROM trust_registry
          WHERE server_id = x.server_id) t) AS trust,
       (SELECT COALESCE(json_agg(r ORDER BY r.n), '[]') FROM (
          SELECT row_number() OVER (ORDER BY l.created_at DESC, l.run_id DESC) AS n,
                 r.id, r.instance_id, r.playbook, r.executor_type, r.owner, r.status, r.approval_state, r.approver,
                 r.attempt, r.payload, r.failure_reason, r.created_at, r.started_at, r.finished_at, l.entries,
                 COALESCE((SELECT array_agg(a.digest ORDER BY a.recorded_at, a.id) FROM remediation_artifacts a
                           WHERE a.run_id = r.id), '{}') AS digests
          FROM lifecycle_run_ledger l JOIN remediation_runs r ON r.id = l.run_id
          WHERE l.server_id = x.server_id
          ORDER BY l.created_at DESC, l.run_id DESC
          LIMIT $3) r) AS runs,
       (SELECT count(*)::int FROM lifecycle_run_ledger l JOIN remediation_runs r ON r.id = l.run_id
        WHERE l.server_id = x.server_id AND r.status IN ('pending', 'awaiting_approval', 'running')) AS open_runs,
       (SELECT row_to_json(mk) FROM (
          SELECT server_name, tier, build_status, manifest_digest, issues FROM lifecycle_marketplace
          WHERE server_id = x.server_id) mk) AS marketplace
     FROM unnest($1::uuid[]) AS x(server_id)`,
    params: [serverIds, RECENT_PROMOTIONS, RECENT_RUNS],
  };
}

export interface ListRow {
  /** The stored list row: the JSON text the list returns for the server. */
  list_row: string;
  /** The row's keyset position, as the next cursor names it. */
  cursor_ts: string;
  cursor_id: string;
}

export interface LifecycleListFilter {
  /** The page size; the query reads one row more to know whether another page follows. */
  limit: number;
  after?: { createdAt: string; id: string };
  lifecycleState?: string;
  ownerId?: string;
  promotionLane?: string;
}

/**
 * The list's SQL, shared with the benchmark's baseline so both measure the same statement: the page and one more row
 * (to know whether another follows) in keyset order (created_at, server_id), each row's stored list row as the text it
 * was written as, one result row per server. The rows are joined into the page by the service: a page sent as one
 * ~100 KiB value (string_agg) cost Postgres and the driver several times what twenty ~5 KiB values do (the driver
 * buffers a value until all of it has arrived). Every filter is a column with an index in keyset order behind it.
 * A lane filter matches `promotion_lane` (`track/stage`) or `promotion_track` (a bare track name); the two never match
 * one row (a lane is longer than its track), so the page is the merge of two index scans in keyset order, each
 * stopping after a page, rather than a walk of the keyset index testing every row.
 */
export function lifecycleListQuery(f: LifecycleListFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const where: string[] = [];
  if (f.after) {
    params.push(f.after.createdAt, f.after.id);
    where.push(`(created_at, server_id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  if (f.lifecycleState) {
    params.push(f.lifecycleState);
    where.push(`lifecycle_state = $${params.length}`);
  }
  if (f.ownerId) {
    params.push(f.ownerId);
    where.push(`owner_id = $${params.length}`);
  }
  params.push(f.limit + 1);
  const fetch = `$${params.length}`;
  const page = (conditions: string[]) =>
    `SELECT list_row, created_at, server_id FROM lifecycle_snapshots
     ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
     ORDER BY created_at, server_id LIMIT ${fetch}`;
  const columns = `list_row, created_at::text AS cursor_ts, server_id::text AS cursor_id`;
  if (!f.promotionLane) {
    return {
      sql: `SELECT ${columns} FROM lifecycle_snapshots ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
            ORDER BY created_at, server_id LIMIT ${fetch}`,
      params,
    };
  }
  params.push(f.promotionLane);
  const lane = `$${params.length}`;
  return {
    sql: `SELECT ${columns} FROM (
            (${page([...where, `promotion_lane = ${lane}`])})
            UNION ALL
            (${page([...where, `promotion_track = ${lane}`])})
          ) AS page
          ORDER BY created_at, server_id LIMIT ${fetch}`,
    params,
  };
}

@Injectable()
export class LifecycleRepository {
  /** The page and one more row, in keyset order (see lifecycleListQuery); list rows come as text, unparsed. */
  async list(m: Manager, f: LifecycleListFilter): Promise<ListRow[]> {
    const { sql, params } = lifecycleListQuery(f);
    return (await preparedQuery(m, sql, params)) as ListRow[];
  }

  /**
   * Locks the servers' snapshot rows, in server order so two transactions locking overlapping sets cannot deadlock,
   * and returns those that exist. The lock comes before the reads a recomputation makes (see snapshotInputsQuery).
   */
  async lockSnapshots(m: Manager, serverIds: string[]): Promise<SnapshotRow[]> {
    return (await preparedQuery(
      m,
      `SELECT server_id::text AS server_id, body, content_hash, version FROM lifecycle_snapshots
       WHERE server_id = ANY($1::uuid[]) ORDER BY server_id FOR UPDATE`,
      [serverIds],
    )) as SnapshotRow[];
  }

  /** Everything a snapshot is computed from, for each of the servers, in one statement (see snapshotInputsQuery). */
  async snapshotInputs(m: Manager, serverIds: string[]): Promise<SnapshotInputsRow[]> {
    const { sql, params } = snapshotInputsQuery(serverIds);
    return (await preparedQuery(m, sql, params)) as SnapshotInputsRow[];
  }

  /** Inserts first snapshots; returns the servers inserted (one another transaction created first is left out). */
  async insertSnapshots(m: Manager, rows: SnapshotWrite[]): Promise<Set<string>> {
    const inserted = (await preparedQuery(
      m,
      `INSERT INTO lifecycle_snapshots (server_id, lifecycle_state, owner_id, promotion_lane, promotion_track, body,
         list_row, content_hash, version)
       SELECT server_id, lifecycle_state, owner_id, promotion_lane, promotion_track, body, list_row, content_hash, 1
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[])
            WITH ORDINALITY AS u(server_id, lifecycle_state, owner_id, promotion_lane, promotion_track, body, list_row,
                                 content_hash, n)
       ORDER BY n
       ON CONFLICT (server_id) DO NOTHING
       RETURNING server_id::text AS server_id`,
      columnsOfWrites(rows),
    )) as { server_id: string }[];
    return new Set(inserted.map((r) => r.server_id));
  }

  /** Rewrites snapshots this transaction holds locked (lockSnapshots), in one statement. */
  async updateSnapshots(m: Manager, rows: SnapshotWrite[]): Promise<void> {
    await preparedQuery(
      m,
      `UPDATE lifecycle_snapshots s SET lifecycle_state = u.lifecycle_state, owner_id = u.owner_id,
         promotion_lane = u.promotion_lane, promotion_track = u.promotion_track, body = u.body, list_row = u.list_row,
         content_hash = u.content_hash, version = u.version, updated_at = u.updated_at
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[],
                   $9::int[], $10::timestamptz[])
            AS u(server_id, lifecycle_state, owner_id, promotion_lane, promotion_track, body, list_row, content_hash,
                 version, updated_at)
       WHERE s.server_id = u.server_id`,
      [...columnsOfWrites(rows), rows.map((r) => r.version), rows.map((r) => r.updatedAt)],
    );
  }

  /** The server a remediation run is about: its VM instance's server, its payload's server_id, or a server itself. */
  async serverOfInstance(
    m: Manager,
    instanceId: string,
    payload: Record<string, unknown>,
  ): Promise<string | null> {
    const named = typeof payload.server_id === 'string' ? payload.server_id : null;
    const rows = (await preparedQuery(
      m,
      `SELECT server_id FROM trust_registry WHERE vm_instance_id = $1
       UNION ALL SELECT id FROM servers WHERE id = $1
       UNION ALL SELECT id FROM server_tombstones WHERE id = $1
       LIMIT 1`,
      [instanceId],
    )) as { server_id: string }[];
    return rows[0]?.server_id ?? named;
  }

  async runServer(m: Manager, runId: string): Promise<string | null> {
    const rows = (await preparedQuery(m, `SELECT server_id FROM lifecycle_run_ledger WHERE run_id = $1`, [
      runId,
    ])) as {
      server_id: string;
    }[];
    return rows[0]?.server_id ?? null;
  }

  async run(
    m: Manager,
    runId: string,
  ): Promise<{ instance_id: string; payload: Record<string, unknown> } | undefined> {
    const rows = (await preparedQuery(m, `SELECT instance_id, payload FROM remediation_runs WHERE id = $1`, [
      runId,
    ])) as {
      instance_id: string;
      payload: Record<string, unknown>;
    }[];
    return rows[0];
  }

  /** Attributes a run to a server (once) and appends one entry to its retry ledger. */
  async appendLedger(m: Manager, runId: string, serverId: string, entry: LedgerEntry): Promise<void> {
    await preparedQuery(
      m,
      `INSERT INTO lifecycle_run_ledger (run_id, server_id, entries) VALUES ($1, $2, jsonb_build_array($3::jsonb))
       ON CONFLICT (run_id) DO UPDATE SET entries = lifecycle_run_ledger.entries || $3::jsonb`,
      [runId, serverId, JSON.stringify(entry)],
    );
  }

  async attributeRun(m: Manager, runId: string, serverId: string): Promise<void> {
    await preparedQuery(
      m,
      `INSERT INTO lifecycle_run_ledger (run_id, server_id) VALUES ($1, $2) ON CONFLICT (run_id) DO NOTHING`,
      [runId, serverId],
    );
  }

  /** The servers whose ledger holds `digest` (a promotion or governance run is about a digest). */
  async serversOfDigest(m: Manager, digest: string): Promise<string[]> {
    const rows = (await preparedQuery(
      m,
      `SELECT DISTINCT server_id FROM ledger_artifacts WHERE manifest_digest = $1`,
      [digest],
    )) as { server_id: string }[];
    return rows.map((r) => r.server_id);
  }

  /**
   * The servers a governance run is about: those whose ledger holds its promotion's digest or its own digest (the
   * same digest for a promotion's run), in one statement.
   */
  async serversOfRun(m: Manager, promotionId: string | null, digest: string | null): Promise<string[]> {
    const rows = (await preparedQuery(
      m,
      `SELECT DISTINCT server_id FROM ledger_artifacts
       WHERE manifest_digest = $2 OR manifest_digest = (SELECT manifest_digest FROM artifact_promotions WHERE id = $1)`,
      [promotionId, digest],
    )) as { server_id: string }[];
    return rows.map((r) => r.server_id);
  }

  async upsertMarketplace(m: Manager, p: EventPayload<'marketplace.entry.upserted'>): Promise<boolean> {
    const rows: unknown = await preparedQuery(
      m,
      `INSERT INTO lifecycle_marketplace (server_id, server_name, tier, build_status, manifest_digest, issues, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
       ON CONFLICT (server_id) DO UPDATE SET server_name = EXCLUDED.server_name, tier = EXCLUDED.tier,
         build_status = EXCLUDED.build_status, manifest_digest = EXCLUDED.manifest_digest, issues = EXCLUDED.issues,
         updated_at = EXCLUDED.updated_at
       WHERE lifecycle_marketplace.updated_at <= EXCLUDED.updated_at
       RETURNING server_id`,
      [
        p.server_id,
        p.server_name,
        p.tier,
        p.status,
        p.manifest_digest,
        JSON.stringify(p.health.issues),
        p.updated_at,
      ],
    );
    return (rows as unknown[]).length === 1;
  }

  async applyTierChange(m: Manager, p: EventPayload<'marketplace.tier.changed'>): Promise<boolean> {
    const rows: unknown = await preparedQuery(
      m,
      `INSERT INTO lifecycle_marketplace (server_id, tier, issues, updated_at) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (server_id) DO UPDATE SET tier = EXCLUDED.tier, issues = EXCLUDED.issues, updated_at = EXCLUDED.updated_at
       WHERE lifecycle_marketplace.updated_at <= EXCLUDED.updated_at
       RETURNING server_id`,
      [p.server_id, p.to_tier, JSON.stringify(p.issues), p.changed_at],
    );
    return (rows as unknown[]).length === 1;
  }
}
