// Every query of the catalog: the artifact runs projected from the ledger, and `catalog_entries`, the list's own
// table, kept in step with the runs and the server projection by `syncServers`.
import { Injectable } from '@nestjs/common';
import type { ArtifactPlatform, ArtifactRun } from '@mcp-host/contracts';
import type { Manager } from '@mcp-host/platform';
import { deriveHealth, type BuildSignal } from './derive-health';

/** Where the previous page ended, in the list's sort order. */
export interface CatalogKey {
  serverName: string;
  serverId: string;
  sortRank: string;
  entryId: string;
}

export interface CatalogFilter {
  limit: number;
  after?: CatalogKey;
  serverType?: string;
  status?: string;
  tier?: string;
  q?: string;
}

export interface CatalogRow {
  entry_id: string;
  server_id: string;
  server_name: string;
  server_type: string;
  server_tier: string | null;
  server_updated_at: Date;
  sort_rank: string;
  artifact_run_id: string | null;
  status: string | null;
  source_repo: string | null;
  source_branch: string | null;
  source_revision: string | null;
  registry_image: string | null;
  manifest_tag: string | null;
  manifest_digest: string | null;
  multi_arch: boolean | null;
  credential_health_status: string | null;
  platforms: ArtifactPlatform[] | null;
  health_grade: string | null;
  health_issues: string[] | null;
  completed_at: Date | null;
  artifact_updated_at: Date | null;
}

/** One row of a list page: its keyset position and its pre-rendered entry, or `stale` when it must be built live. */
export interface CatalogListRow {
  entry_id: string;
  server_id: string;
  server_name: string;
  sort_rank: string;
  list_row: string | null;
  /** Not rendered yet, or a certification window ended since it was. */
  stale: boolean;
}

/** What evaluations need of a ledger run. */
export interface LedgerArtifact {
  id: string;
  server_id: string;
  manifest_digest: string | null;
  platforms: ArtifactPlatform[];
}

/** A run with everything its health grade is derived from, and the tier its list entry shows now. */
export interface HealthInput extends BuildSignal {
  id: string;
  server_id: string;
  server_tier: string | null;
  /** Null while the server is not in the projection. */
  server_type: string | null;
  health_grade: string;
  health_issues: string[];
  /** The entry's lower-cased tier as listed before this refresh; null when the run has no entry yet. */
  listed_tier_key: string | null;
}

const SELECT_ENTRY = `SELECT e.entry_id, e.server_id, e.server_name, e.server_type, e.server_tier, e.server_updated_at,
              e.sort_rank::text AS sort_rank, e.artifact_run_id, a.status, a.source_repo, a.source_branch,
              a.source_revision, a.registry_image, a.manifest_tag, a.manifest_digest, a.multi_arch,
              a.credential_health_status, a.platforms, a.health_grade, a.health_issues, a.completed_at,
              a.updated_at AS artifact_updated_at
         FROM catalog_entries e LEFT JOIN catalog_artifacts a ON a.id = e.artifact_run_id`;

const ENTRY_ORDER = 'e.server_name, e.server_id, e.sort_rank, e.entry_id';

const ENTRY_COLUMNS = `entry_id, artifact_run_id, server_id, server_name, server_type, server_tier, server_updated_at,
                       status, tier_key, sort_rank, search_text, manifest_digest`;

const ENTRY_UPDATE = `server_id = EXCLUDED.server_id, server_name = EXCLUDED.server_name,
         server_type = EXCLUDED.server_type, server_tier = EXCLUDED.server_tier,
         server_updated_at = EXCLUDED.server_updated_at, status = EXCLUDED.status, tier_key = EXCLUDED.tier_key,
         sort_rank = EXCLUDED.sort_rank, search_text = EXCLUDED.search_text,
         manifest_digest = EXCLUDED.manifest_digest`;

export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The digest a `q` can be the start of: at least 4 hex characters, with or without the algorithm (`sha256:ab12…`).
 * Digests are matched by prefix, as operators quote them; undefined when `q` cannot start one.
 */
export function digestPrefix(q: string): { algorithm?: string; hex: string } | undefined {
  const m = /^(?:([a-z0-9]+):)?([0-9a-f]{4,})$/i.exec(q.trim());
  if (!m) return undefined;
  return { algorithm: m[1]?.toLowerCase(), hex: m[2].toLowerCase() };
}

@Injectable()
export class CatalogRepository {
  /**
   * One page in (server name, server, newest run first) order; every filter has an index in that order. Each row
   * carries its stored rendering, stale when `now` is past the end of one of its certifications' windows.
   */
  async list(m: Manager, f: CatalogFilter, now: Date): Promise<CatalogListRow[]> {
    const { sql, params } = this.listQuery(f, now);
    return (await m.query(sql, params)) as CatalogListRow[];
  }

  /** The SQL of `list`, for EXPLAIN in tests and the benchmark's direct baseline. */
  listQuery(f: CatalogFilter, now: Date = new Date()): { sql: string; params: unknown[] } {
    const params: unknown[] = [now.toISOString()];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    const where: string[] = [];
    if (f.after) {
      where.push(
        `(${ENTRY_ORDER}) > (${p(f.after.serverName)}, ${p(f.after.serverId)}::uuid, ${p(f.after.sortRank)}::bigint, ${p(f.after.entryId)}::uuid)`,
      );
    }
    if (f.serverType) where.push(`e.server_type = ${p(f.serverType)}`);
    if (f.status) where.push(`e.status = ${p(f.status)}`);
    if (f.tier) where.push(`e.tier_key = lower(${p(f.tier)})`);
    if (f.q) {
      const text = `e.search_text ILIKE ${p(likePattern(f.q))}`;
      const digest = digestPrefix(f.q);
      if (!digest) where.push(text);
      else {
        const start = `split_part(e.manifest_digest, ':', 2) LIKE ${p(`${digest.hex}%`)}`;
        const algorithm = digest.algorithm
          ? ` AND split_part(e.manifest_digest, ':', 1) = ${p(digest.algorithm)}`
          : '';
        where.push(`(${text} OR (${start}${algorithm}))`);
      }
    }
    const sql = `SELECT e.entry_id, e.server_id, e.server_name, e.sort_rank::text AS sort_rank, e.list_row,
                        (e.list_row IS NULL OR e.list_row_fresh_until <= $1::timestamptz) AS stale
                   FROM catalog_entries e
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY ${ENTRY_ORDER}
        LIMIT ${p(f.limit)}`;
    return { sql, params };
  }

  /** These entries' rows, for building them live. */
  async findEntries(m: Manager, entryIds: readonly string[]): Promise<CatalogRow[]> {
    if (entryIds.length === 0) return [];
    return (await m.query(`${SELECT_ENTRY} WHERE e.entry_id = ANY($1::uuid[])`, [entryIds])) as CatalogRow[];
  }

  /** Every entry of these servers, for rendering. */
  async entriesOfServers(m: Manager, serverIds: readonly string[]): Promise<CatalogRow[]> {
    if (serverIds.length === 0) return [];
    return (await m.query(`${SELECT_ENTRY} WHERE e.server_id = ANY($1::uuid[])`, [
      serverIds,
    ])) as CatalogRow[];
  }

  /** Servers with a run of this digest: whose entries show its promotions. */
  async serverIdsOfDigest(m: Manager, digest: string): Promise<string[]> {
    const rows = (await m.query(
      'SELECT DISTINCT server_id FROM catalog_artifacts WHERE manifest_digest = $1',
      [digest],
    )) as { server_id: string }[];
    return rows.map((r) => r.server_id);
  }

  /** Servers with an entry not rendered yet or rendered before `now` made it stale, at most `limit` entries' worth. */
  async serverIdsDueRendering(m: Manager, now: Date, limit: number): Promise<string[]> {
    const rows = (await m.query(
      `SELECT DISTINCT e.server_id FROM catalog_entries e
        WHERE e.entry_id IN ((SELECT entry_id FROM catalog_entries WHERE list_row IS NULL LIMIT $2)
                             UNION ALL
                             (SELECT entry_id FROM catalog_entries WHERE list_row_fresh_until <= $1::timestamptz
                               ORDER BY list_row_fresh_until LIMIT $2))`,
      [now.toISOString(), limit],
    )) as { server_id: string }[];
    return rows.map((r) => r.server_id);
  }

  /** Stores entries' renderings and when each goes stale. */
  async storeListRows(
    m: Manager,
    rows: readonly { entryId: string; listRow: string; freshUntil: Date | null }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `UPDATE catalog_entries e SET list_row = v.list_row, list_row_fresh_until = v.fresh_until
         FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS v(entry_id, list_row, fresh_until)
        WHERE e.entry_id = v.entry_id`,
      [
        rows.map((r) => r.entryId),
        rows.map((r) => r.listRow),
        rows.map((r) => (r.freshUntil === null ? null : r.freshUntil.toISOString())),
      ],
    );
  }

  /** One artifact run's entry, while its server is in the projection. */
  async findEntry(m: Manager, artifactRunId: string): Promise<CatalogRow | undefined> {
    const rows = (await m.query(`${SELECT_ENTRY} WHERE e.entry_id = $1 AND e.artifact_run_id IS NOT NULL`, [
      artifactRunId,
    ])) as CatalogRow[];
    return rows[0];
  }

  async findArtifact(m: Manager, id: string): Promise<LedgerArtifact | undefined> {
    const rows = (await m.query(
      'SELECT id, server_id, manifest_digest, platforms FROM catalog_artifacts WHERE id = $1',
      [id],
    )) as LedgerArtifact[];
    return rows[0];
  }

  /** Stores (or replaces) one ledger run, graded on its build alone until `CatalogHealth` adds the other signals. */
  async upsertArtifact(m: Manager, run: ArtifactRun): Promise<void> {
    const health = deriveHealth({ build: run });
    await m.query(
      `INSERT INTO catalog_artifacts (
         id, server_id, build_id, source_repo, source_branch, source_revision, local_image, registry_image,
         manifest_tag, manifest_digest, started_at, completed_at, multi_arch, auth_refresh_attempted,
         auth_refresh_succeeded, auth_rotation_attempted, auth_rotation_succeeded, credential_health_status, status,
         platforms, health_grade, health_issues, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20::jsonb, $21,
               $22::jsonb, now())
       ON CONFLICT (id) DO UPDATE SET
         server_id = EXCLUDED.server_id, build_id = EXCLUDED.build_id, source_repo = EXCLUDED.source_repo,
         source_branch = EXCLUDED.source_branch, source_revision = EXCLUDED.source_revision,
         local_image = EXCLUDED.local_image, registry_image = EXCLUDED.registry_image,
         manifest_tag = EXCLUDED.manifest_tag, manifest_digest = EXCLUDED.manifest_digest,
         started_at = EXCLUDED.started_at, completed_at = EXCLUDED.completed_at, multi_arch = EXCLUDED.multi_arch,
         auth_refresh_attempted = EXCLUDED.auth_refresh_attempted,
         auth_refresh_succeeded = EXCLUDED.auth_refresh_succeeded,
         auth_rotation_attempted = EXCLUDED.auth_rotation_attempted,
         auth_rotation_succeeded = EXCLUDED.auth_rotation_succeeded,
         credential_health_status = EXCLUDED.credential_health_status, status = EXCLUDED.status,
         platforms = EXCLUDED.platforms, updated_at = now()`,
      [
        run.id,
        run.server_id,
        run.build_id,
        run.source_repo,
        run.source_branch,
        run.source_revision,
        run.local_image,
        run.registry_image,
        run.manifest_tag,
        run.manifest_digest,
        run.started_at,
        run.completed_at,
        run.multi_arch,
        run.auth_refresh_attempted,
        run.auth_refresh_succeeded,
        run.auth_rotation_attempted,
        run.auth_rotation_succeeded,
        run.credential_health_status,
        run.status,
        JSON.stringify(run.platforms),
        health.grade,
        JSON.stringify(health.issues),
      ],
    );
  }

  async healthInputs(m: Manager, serverIds: readonly string[]): Promise<HealthInput[]> {
    return (await m.query(
      `SELECT a.id, a.server_id, s.tier AS server_tier, s.server_type, a.status, a.credential_health_status,
              a.auth_refresh_attempted, a.auth_refresh_succeeded, a.auth_rotation_attempted,
              a.auth_rotation_succeeded, a.manifest_digest, a.platforms, a.health_grade, a.health_issues,
              e.tier_key AS listed_tier_key
         FROM catalog_artifacts a
         LEFT JOIN servers s ON s.id = a.server_id
         LEFT JOIN catalog_entries e ON e.entry_id = a.id
        WHERE a.server_id = ANY($1::uuid[])`,
      [serverIds],
    )) as HealthInput[];
  }

  async setHealth(
    m: Manager,
    rows: readonly { id: string; grade: string; issues: readonly string[] }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `UPDATE catalog_artifacts a SET health_grade = v.grade, health_issues = v.issues::jsonb
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, grade, issues)
        WHERE a.id = v.id`,
      [rows.map((r) => r.id), rows.map((r) => r.grade), rows.map((r) => JSON.stringify(r.issues))],
    );
  }

  /** The target tier of a projected server; undefined when it names none or is not projected. */
  async serverTier(m: Manager, serverId: string): Promise<string | undefined> {
    const rows = (await m.query('SELECT tier FROM servers WHERE id = $1', [serverId])) as {
      tier: string | null;
    }[];
    return rows[0]?.tier ?? undefined;
  }

  /** The server's newest run with a manifest digest: the one a (new or changed) target tier is certified on. */
  async latestRunOf(
    m: Manager,
    serverId: string,
  ): Promise<{ id: string; server_id: string; manifest_digest: string } | undefined> {
    const rows = (await m.query(
      `SELECT id, server_id, manifest_digest FROM catalog_artifacts
        WHERE server_id = $1 AND manifest_digest IS NOT NULL
        ORDER BY completed_at DESC NULLS LAST, started_at DESC NULLS LAST, id DESC LIMIT 1`,
      [serverId],
    )) as { id: string; server_id: string; manifest_digest: string }[];
    return rows[0];
  }

  /** The version of the projected server, or undefined when it is not projected (yet). */
  async serverVersion(m: Manager, serverId: string): Promise<number | undefined> {
    const rows = (await m.query('SELECT version FROM servers WHERE id = $1', [serverId])) as {
      version: number;
    }[];
    return rows[0]?.version;
  }

  /** Servers whose target tier is `tier`, for re-grading when its requirements change. */
  async serverIdsOfTier(m: Manager, tier: string): Promise<string[]> {
    const rows = (await m.query('SELECT id FROM servers WHERE tier = $1', [tier])) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /**
   * Rewrites the list entries of these servers from the runs and the server projection: one entry per run of a
   * projected server, one `watchlist` entry for a projected server without runs, none for a server that is gone.
   */
  async syncServers(m: Manager, serverIds: readonly string[]): Promise<void> {
    if (serverIds.length === 0) return;
    const ids = [...new Set(serverIds)];
    await m.query(
      `DELETE FROM catalog_entries e
        WHERE e.server_id = ANY($1::uuid[])
          AND (NOT EXISTS (SELECT 1 FROM servers s WHERE s.id = e.server_id)
               OR (e.artifact_run_id IS NULL
                   AND EXISTS (SELECT 1 FROM catalog_artifacts a WHERE a.server_id = e.server_id)))`,
      [ids],
    );
    await m.query(
      `INSERT INTO catalog_entries (${ENTRY_COLUMNS})
       SELECT a.id, a.id, s.id, s.name, s.server_type, s.tier, s.updated_at, a.status,
              lower(a.health_grade || ':' || s.server_type), -(extract(epoch FROM a.completed_at) * 1000000)::bigint,
              concat_ws(' ', s.name, a.manifest_tag, a.registry_image, a.local_image), a.manifest_digest
         FROM catalog_artifacts a JOIN servers s ON s.id = a.server_id
        WHERE a.server_id = ANY($1::uuid[])
       ON CONFLICT (entry_id) DO UPDATE SET ${ENTRY_UPDATE}`,
      [ids],
    );
    await m.query(
      `INSERT INTO catalog_entries (${ENTRY_COLUMNS})
       SELECT s.id, NULL, s.id, s.name, s.server_type, s.tier, s.updated_at, NULL,
              lower('watchlist:' || s.server_type), 0, s.name, NULL
         FROM servers s
        WHERE s.id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM catalog_artifacts a WHERE a.server_id = s.id)
       ON CONFLICT (entry_id) DO UPDATE SET ${ENTRY_UPDATE}`,
      [ids],
    );
  }
}
