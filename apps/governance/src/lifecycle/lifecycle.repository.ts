// Every query of the lifecycle console: the snapshot rows and the reads a snapshot is computed from (the server
// projection, the artifact ledger, promotions and their tracks, the trust registry, remediation runs and their retry
// ledger, the marketplace catalog projection). Each method runs on the manager it is given.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import type { Manager } from '@mcp-host/platform';

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
  latest_completed_at: Date | null;
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
  updated_at: Date;
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
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
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
  body: Record<string, unknown>;
  content_hash: string;
  version: number;
}

export interface ListPage {
  /** The page's list rows as JSON texts joined by commas; null when the page is empty. */
  items: string | null;
  /** Rows read: the page plus one when another page follows. */
  rows: number;
  cursor_ts: string | null;
  cursor_id: string | null;
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
 * The list's SQL, shared with the benchmark's baseline so both measure the same statement: filters on indexed
 * columns, keyset on (created_at, server_id), the stored list row returned as the text it was written as.
 */
export function lifecycleListSql(f: Omit<LifecycleListFilter, 'limit'>): {
  where: string;
  params: unknown[];
} {
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
  if (f.promotionLane) {
    params.push(f.promotionLane);
    // A lane is `track/stage`; a bare track name matches every stage of it.
    where.push(`(promotion_lane = $${params.length} OR promotion_track = $${params.length})`);
  }
  return { where: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

/**
 * One page in one row: Postgres joins the page's stored list rows into `items` (comma-separated JSON texts, in keyset
 * order), counts whether a row follows the page (`rows` is the page plus at most one), and names the page's last row
 * for the next cursor. Node then only wraps `items` (Array.prototype.join over 50 strings of ~5 KiB, and encoding the
 * resulting rope, cost more per request than the rest of the handler).
 */
export function lifecycleListQuery(f: LifecycleListFilter): { sql: string; params: unknown[] } {
  const { where, params } = lifecycleListSql(f);
  params.push(f.limit + 1, f.limit);
  const fetch = `$${params.length - 1}`;
  const size = `$${params.length}`;
  return {
    sql: `SELECT string_agg(list_row, ',' ORDER BY n) FILTER (WHERE n <= ${size}) AS items,
                 count(*)::int AS rows,
                 min(created_at::text) FILTER (WHERE n = ${size}) AS cursor_ts,
                 min(server_id::text) FILTER (WHERE n = ${size}) AS cursor_id
          FROM (SELECT list_row, created_at, server_id, row_number() OVER (ORDER BY created_at, server_id) AS n
                FROM (SELECT list_row, created_at, server_id FROM lifecycle_snapshots ${where}
                      ORDER BY created_at, server_id LIMIT ${fetch}) AS page) AS numbered`,
    params,
  };
}

@Injectable()
export class LifecycleRepository {
  /** The page as one row (see lifecycleListQuery); `items` is text, so the driver hands it over unparsed. */
  async list(m: Manager, f: LifecycleListFilter): Promise<ListPage> {
    const { sql, params } = lifecycleListQuery(f);
    return ((await m.query(sql, params)) as ListPage[])[0];
  }

  async lockSnapshot(m: Manager, serverId: string): Promise<SnapshotRow | undefined> {
    const rows = (await m.query(
      `SELECT body, content_hash, version FROM lifecycle_snapshots WHERE server_id = $1 FOR UPDATE`,
      [serverId],
    )) as SnapshotRow[];
    return rows[0];
  }

  async insertSnapshot(
    m: Manager,
    s: { serverId: string; state: string; owner: string | null; lane: string | null; track: string | null },
    body: Record<string, unknown>,
    listRow: string,
    hash: string,
  ): Promise<{ inserted: boolean; updated_at: string }> {
    const rows = (await m.query(
      `INSERT INTO lifecycle_snapshots (server_id, lifecycle_state, owner_id, promotion_lane, promotion_track, body,
         list_row, content_hash, version)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, 1)
       ON CONFLICT (server_id) DO NOTHING
       RETURNING to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at`,
      [s.serverId, s.state, s.owner, s.lane, s.track, JSON.stringify(body), listRow, hash],
    )) as { updated_at: string }[];
    return { inserted: rows.length === 1, updated_at: rows[0]?.updated_at ?? '' };
  }

  async updateSnapshot(
    m: Manager,
    s: { serverId: string; state: string; owner: string | null; lane: string | null; track: string | null },
    body: Record<string, unknown>,
    listRow: string,
    hash: string,
    version: number,
  ): Promise<void> {
    await m.query(
      `UPDATE lifecycle_snapshots SET lifecycle_state = $2, owner_id = $3, promotion_lane = $4, promotion_track = $5,
         body = $6::jsonb, list_row = $7, content_hash = $8, version = $9, updated_at = $10::timestamptz
       WHERE server_id = $1`,
      [
        s.serverId,
        s.state,
        s.owner,
        s.lane,
        s.track,
        JSON.stringify(body),
        listRow,
        hash,
        version,
        body.updated_at,
      ],
    );
  }

  async server(m: Manager, id: string): Promise<ServerRow | undefined> {
    const rows = (await m.query(
      `SELECT s.id, s.name, s.owner, s.status, false AS deleted FROM servers s WHERE s.id = $1
       UNION ALL
       SELECT t.id, t.name, NULL, 'deleted', true FROM server_tombstones t WHERE t.id = $1
       LIMIT 1`,
      [id],
    )) as ServerRow[];
    return rows[0];
  }

  async ledger(m: Manager, serverId: string): Promise<LedgerSummaryRow> {
    const rows = (await m.query(
      `SELECT count(*)::int AS artifacts,
              (count(*) FILTER (WHERE status = 'succeeded'))::int AS succeeded,
              (array_agg(manifest_digest ORDER BY completed_at DESC, artifact_run_id DESC))[1] AS latest_digest,
              (array_agg(status ORDER BY completed_at DESC, artifact_run_id DESC))[1] AS latest_status,
              (array_agg(artifact_run_id ORDER BY completed_at DESC, artifact_run_id DESC))[1] AS latest_run_id,
              max(completed_at) AS latest_completed_at
       FROM ledger_artifacts WHERE server_id = $1`,
      [serverId],
    )) as LedgerSummaryRow[];
    return rows[0];
  }

  /** The server's recent promotions (through the digests its ledger holds), newest first. */
  async promotions(m: Manager, serverId: string, limit: number): Promise<PromotionRow[]> {
    return (await m.query(
      `SELECT p.id, p.track_id, t.name AS track, t.owner AS track_owner, p.stage, p.tier, p.status, p.manifest_digest,
              p.artifact_run_id, p.governance_run_id, p.run_status, p.approvals_required, p.rollback, p.updated_at,
              COALESCE((SELECT array_agg(a.approver ORDER BY a.created_at, a.approver) FROM promotion_approvals a
                        WHERE a.promotion_id = p.id), '{}') AS approvers,
              EXISTS (SELECT 1 FROM promotion_blocks b WHERE b.track_id = p.track_id
                        AND b.manifest_digest = p.manifest_digest AND b.lifted_at IS NULL) AS blocked
       FROM artifact_promotions p JOIN promotion_tracks t ON t.id = p.track_id
       WHERE p.manifest_digest IN (SELECT manifest_digest FROM ledger_artifacts WHERE server_id = $1)
       ORDER BY p.updated_at DESC, p.created_at DESC, p.id DESC
       LIMIT $2`,
      [serverId, limit],
    )) as PromotionRow[];
  }

  async trust(m: Manager, serverId: string): Promise<TrustPostureRow[]> {
    return (await m.query(
      `SELECT vm_instance_id, status, lifecycle_state, remediation_state, provenance FROM trust_registry
       WHERE server_id = $1 ORDER BY updated_at DESC, vm_instance_id`,
      [serverId],
    )) as TrustPostureRow[];
  }

  async runs(m: Manager, serverId: string, limit: number): Promise<RunRow[]> {
    return (await m.query(
      `SELECT r.id, r.instance_id, r.playbook, r.executor_type, r.owner, r.status, r.approval_state, r.approver,
              r.attempt, r.payload, r.failure_reason, r.created_at, r.started_at, r.finished_at, l.entries,
              COALESCE((SELECT array_agg(a.digest ORDER BY a.recorded_at, a.id) FROM remediation_artifacts a
                        WHERE a.run_id = r.id), '{}') AS digests
       FROM lifecycle_run_ledger l JOIN remediation_runs r ON r.id = l.run_id
       WHERE l.server_id = $1
       ORDER BY l.created_at DESC, l.run_id DESC
       LIMIT $2`,
      [serverId, limit],
    )) as RunRow[];
  }

  async openRuns(m: Manager, serverId: string): Promise<number> {
    const rows = (await m.query(
      `SELECT count(*)::int AS n FROM lifecycle_run_ledger l JOIN remediation_runs r ON r.id = l.run_id
       WHERE l.server_id = $1 AND r.status IN ('pending', 'awaiting_approval', 'running')`,
      [serverId],
    )) as { n: number }[];
    return rows[0]?.n ?? 0;
  }

  async marketplace(m: Manager, serverId: string): Promise<MarketplaceRow | undefined> {
    const rows = (await m.query(
      `SELECT server_name, tier, build_status, manifest_digest, issues FROM lifecycle_marketplace WHERE server_id = $1`,
      [serverId],
    )) as MarketplaceRow[];
    return rows[0];
  }

  /** The server a remediation run is about: its VM instance's server, its payload's server_id, or a server itself. */
  async serverOfInstance(
    m: Manager,
    instanceId: string,
    payload: Record<string, unknown>,
  ): Promise<string | null> {
    const named = typeof payload.server_id === 'string' ? payload.server_id : null;
    const rows = (await m.query(
      `SELECT server_id FROM trust_registry WHERE vm_instance_id = $1
       UNION ALL SELECT id FROM servers WHERE id = $1
       UNION ALL SELECT id FROM server_tombstones WHERE id = $1
       LIMIT 1`,
      [instanceId],
    )) as { server_id: string }[];
    return rows[0]?.server_id ?? named;
  }

  async runServer(m: Manager, runId: string): Promise<string | null> {
    const rows = (await m.query(`SELECT server_id FROM lifecycle_run_ledger WHERE run_id = $1`, [runId])) as {
      server_id: string;
    }[];
    return rows[0]?.server_id ?? null;
  }

  async run(
    m: Manager,
    runId: string,
  ): Promise<{ instance_id: string; payload: Record<string, unknown> } | undefined> {
    const rows = (await m.query(`SELECT instance_id, payload FROM remediation_runs WHERE id = $1`, [
      runId,
    ])) as {
      instance_id: string;
      payload: Record<string, unknown>;
    }[];
    return rows[0];
  }

  /** Attributes a run to a server (once) and appends one entry to its retry ledger. */
  async appendLedger(m: Manager, runId: string, serverId: string, entry: LedgerEntry): Promise<void> {
    await m.query(
      `INSERT INTO lifecycle_run_ledger (run_id, server_id, entries) VALUES ($1, $2, jsonb_build_array($3::jsonb))
       ON CONFLICT (run_id) DO UPDATE SET entries = lifecycle_run_ledger.entries || $3::jsonb`,
      [runId, serverId, JSON.stringify(entry)],
    );
  }

  async attributeRun(m: Manager, runId: string, serverId: string): Promise<void> {
    await m.query(
      `INSERT INTO lifecycle_run_ledger (run_id, server_id) VALUES ($1, $2) ON CONFLICT (run_id) DO NOTHING`,
      [runId, serverId],
    );
  }

  /** The servers whose ledger holds `digest` (a promotion or governance run is about a digest). */
  async serversOfDigest(m: Manager, digest: string): Promise<string[]> {
    const rows = (await m.query(
      `SELECT DISTINCT server_id FROM ledger_artifacts WHERE manifest_digest = $1`,
      [digest],
    )) as { server_id: string }[];
    return rows.map((r) => r.server_id);
  }

  async serversOfPromotion(m: Manager, promotionId: string): Promise<string[]> {
    const rows = (await m.query(
      `SELECT DISTINCT l.server_id FROM artifact_promotions p JOIN ledger_artifacts l ON l.manifest_digest = p.manifest_digest
       WHERE p.id = $1`,
      [promotionId],
    )) as { server_id: string }[];
    return rows.map((r) => r.server_id);
  }

  async upsertMarketplace(m: Manager, p: EventPayload<'marketplace.entry.upserted'>): Promise<boolean> {
    const rows: unknown = await m.query(
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
    const rows: unknown = await m.query(
      `INSERT INTO lifecycle_marketplace (server_id, tier, issues, updated_at) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (server_id) DO UPDATE SET tier = EXCLUDED.tier, issues = EXCLUDED.issues, updated_at = EXCLUDED.updated_at
       WHERE lifecycle_marketplace.updated_at <= EXCLUDED.updated_at
       RETURNING server_id`,
      [p.server_id, p.to_tier, JSON.stringify(p.issues), p.changed_at],
    );
    return (rows as unknown[]).length === 1;
  }
}
